"""The blog app: posts, categories, tags, pages, rendering, Jekyll import and export."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = _("Blog")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from blog.cache import connect_signals

        connect_signals()

        from blog import frame, signals, summaries

        signals.connect_signals(self)
        # Now, with the templates it reads: see `current_key`.
        summaries.current_key()
        frame.current_key()
        from blog.cache import release

        release()
