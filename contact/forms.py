"""The contact form: what a reader fills in, plus the honeypot and time token bots trip on."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from blog.models import SiteIdentity
from contact import spam
from contact.models import Message
from contact.text import one_line, plain_text

HONEYPOT = "website"


class MessageField(forms.CharField):
    """Line breaks counted as the browser's `maxlength` counts them, one character each,
    though a form sends each as CR LF: a message the browser let through is not refused."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class ContactForm(forms.ModelForm):
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": _("Please agree to your message being kept, or it cannot be answered.")
        },
    )
    # The honeypot: hidden from people (CSS class and aria-hidden, out of the tab order) but
    # an ordinary-looking field to a bot that fills every input it finds.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Message
        fields = ["name", "email", "subject", "message"]
        labels = {
            "name": _("Your name"),
            "email": _("Your e-mail address"),
            "subject": _("Subject (optional)"),
            "message": _("Your message"),
        }
        help_texts = {"email": _("Only to answer you; it is never published.")}
        field_classes = {"message": MessageField}
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "message": forms.Textarea(attrs={"rows": 10}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        days = settings.CONTACT_RETENTION_DAYS
        self.fields["consent"].label = ngettext(
            "I agree that my name, e-mail address and message are kept so that %(author)s "
            "can answer me. They serve nothing else, are shared with no one, and are deleted at "
            "the latest %(days)d day after our exchange is closed.",
            "I agree that my name, e-mail address and message are kept so that %(author)s "
            "can answer me. They serve nothing else, are shared with no one, and are deleted at "
            "the latest %(days)d days after our exchange is closed.",
            days,
        ) % {"author": SiteIdentity.current().author_name, "days": days}
        if not self.is_bound:
            self.initial.setdefault("token", spam.make_token())
        self.token_refresh = self.token_ripe = False

    def clean_name(self) -> str:
        return one_line(self.cleaned_data["name"])

    def clean_subject(self) -> str:
        return one_line(self.cleaned_data["subject"])

    def clean_message(self) -> str:
        return plain_text(self.cleaned_data["message"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get(HONEYPOT):
            raise forms.ValidationError(
                _(
                    "This message looks like it was filled in by a program. If you are a "
                    "person, please send it again."
                ),
                code="honeypot",
            )
        try:
            spam.check_token(cleaned.get("token", ""))
        except spam.TokenError as error:
            self.token_refresh, self.token_ripe = error.refresh, error.ripe
            raise forms.ValidationError(error.message, code="token") from error
        return cleaned

    def redisplay(self) -> ContactForm:
        """Ready the refused form to be shown again: the reader's text stays, the traps reset."""
        data = self.data.copy()
        data[HONEYPOT] = ""
        if self.token_refresh or not data.get("token"):
            data["token"] = spam.make_token(ripe=self.token_ripe)
        self.data = data
        return self
