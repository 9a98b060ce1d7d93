"""Messages readers send through the contact form."""
