"""Third-party apps under French names in the admin's index ("Taggit" and "Axes" otherwise)."""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from taggit.apps import TaggitAppConfig


class TagsConfig(TaggitAppConfig):
    verbose_name = _("Tags")


class AdminLoginsConfig(AxesAppConfig):
    verbose_name = _("Admin logins")
