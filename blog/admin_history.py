"""Admin history in French: the fields an edit changed, named as the catalogue knows them."""

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation


class HistoryInFrench(admin.ModelAdmin):
    """Django writes the changed fields' labels into the history capitalised ("Status"),
    which no catalogue translates: the history read "Modification de Status.". They are
    written as the models name them ("status"), which ours translates when shown."""

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        with translation.override(None):
            names = {
                str(form.fields[name].label or name): self._verbose(name)
                for name in form.changed_data
            }
        for part in message:
            changed = part.get("changed")
            if changed and "name" not in changed:
                changed["fields"] = [names.get(label, label) for label in changed["fields"]]
        return message

    def _verbose(self, name: str) -> str:
        try:
            return str(self.model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name
