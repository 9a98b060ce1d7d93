"""Template tags and filters of the public pages."""
