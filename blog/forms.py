"""The admin's forms: writing a post or a page, uploading an image, renaming and merging tags."""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from django import forms
from django.core.validators import FileExtensionValidator, validate_slug
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagWidget
from taggit.models import Tag
from taggit.utils import edit_string_for_tags

from blog.models import (
    RESERVED_PAGE_SLUGS,
    Page,
    Post,
    Upload,
    is_free_page_address,
    render_post_fields,
)
from blog.rendering import RenderError, RenderOptions, render_markdown

# What a post may show inline. SVG is left out on purpose: served from the site's own
# address, an SVG file can carry script.
IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "gif", "webp", "avif"]
DESCRIPTION_ADVICE = 160
TAG_DATALIST_ID = "carnet-tag-names"


class TagInputWithSuggestions(TagWidget):
    """Taggit's comma-separated input, with the existing tag names offered as suggestions.

    The datalist is rendered by the server, so the first tag completes even without
    JavaScript; the admin script extends it to the tag being typed after a comma.
    """

    def __init__(self, attrs=None):
        super().__init__({"list": TAG_DATALIST_ID, "autocomplete": "off", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        tags = Tag.objects.order_by("name").only("name")
        # Each as taggit writes it in the field: a name with a comma or a space is quoted,
        # else `Et moi, même` would come back as two tags (`et moi` alone, as two words).
        options = format_html_join(
            "", '<option value="{}"></option>', ((edit_string_for_tags([tag]),) for tag in tags)
        )
        return format_html('{}<datalist id="{}">{}</datalist>', field, TAG_DATALIST_ID, options)


# nginx refuses larger bodies (docs/DEPLOY.md, client_max_body_size 20m); a smaller file is
# refused here with a reason, and one nginx would refuse gets a reason from the admin script.
UPLOAD_MAX_MEGABYTES = 20


def validate_upload_size(file) -> None:
    if file.size > UPLOAD_MAX_MEGABYTES * 1024 * 1024 - 64 * 1024:
        raise forms.ValidationError(
            _("This file is larger than %(size)s MB."), params={"size": UPLOAD_MAX_MEGABYTES}
        )


def image_file_field(required: bool) -> forms.FileField:
    return forms.FileField(
        label=_("Image"),
        required=required,
        validators=[FileExtensionValidator(IMAGE_EXTENSIONS), validate_upload_size],
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
        help_text=_("JPEG, PNG, GIF, WebP or AVIF."),
    )


def script_labels() -> dict[str, str]:
    """What the admin script shows, translated here since it cannot translate itself."""
    return {
        "write": gettext("Write"),
        "preview": gettext("Preview"),
        "loading": gettext("Rendering…"),
        "failed": gettext("That did not work; is your session still open?"),
        "count": gettext("Words: {words} · reading time: {minutes} min"),
        "upload": gettext("Upload and insert in the text"),
        "uploading": gettext("Uploading…"),
        "uploaded": gettext("Image inserted in the text:"),
        "chooseImage": gettext("Choose an image first."),
    }


class PostAdminForm(forms.ModelForm):
    image = image_file_field(required=False)
    image_alt = forms.CharField(
        label=_("Image description"),
        required=False,
        max_length=300,
        help_text=_(
            "What the image shows, for readers who cannot see it. Saving the post adds "
            "the image at the end of the text; move its line where you want it."
        ),
    )

    class Meta:
        model = Post
        fields = [
            "title",
            "slug",
            "body",
            "status",
            "published_at",
            "updated_at",
            "categories",
            "tags",
            "description",
            "excerpt",
            "excerpt_separator",
            "hard_wrap",
            "markdown",
            "old_permalink",
            "old_feed_id",
            "front_matter",
        ]
        widgets = {
            "body": forms.Textarea(
                attrs={"rows": 28, "class": "carnet-markdown", "lang": "fr", "spellcheck": "true"}
            ),
            "excerpt": forms.Textarea(attrs={"rows": 4, "class": "carnet-markdown-small"}),
            "description": forms.Textarea(
                attrs={"rows": 2, "class": "carnet-description", "maxlength": 300}
            ),
            "categories": forms.CheckboxSelectMultiple,
            "tags": TagInputWithSuggestions,
        }
        help_texts = {
            "published_at": _(
                "Empty: set when the post is published. In the future: the post is scheduled "
                "and appears by itself at that time."
            ),
            "description": _(
                "Shown by search engines and when the post is shared. About 50 to "
                "160 characters reads best; 300 at most."
            ),
            "tags": _("Separated by commas; a tag of several words stays whole: et moi, ESS."),
            "slug": _("The last part of the address; filled from the title."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        body = self.fields["body"].widget
        body.attrs["data-preview-url"] = reverse("admin:blog_post_preview")
        body.attrs["data-upload-url"] = reverse("admin:blog_post_upload")
        body.attrs["data-carnet-labels"] = json.dumps(script_labels(), ensure_ascii=False)
        description = self.fields["description"].widget
        description.attrs["data-advice"] = DESCRIPTION_ADVICE
        description.attrs["data-counter-label"] = gettext("{count} characters (about 160 advised)")

    def clean(self):
        cleaned = super().clean()
        # "Published" with no date means now: a published post always has a date, which
        # its address and the feed rely on.
        if cleaned.get("status") == Post.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        if cleaned.get("image_alt") and not cleaned.get("image"):
            self.add_error("image", _("Choose the image this description goes with."))
        self._check_renders(cleaned)
        return cleaned

    def _check_renders(self, cleaned: dict) -> None:
        """A text the renderer refuses is an error in the form, not a server error on save.
        What it renders is handed to the saved post, which renders nothing again."""
        fields = ("title", "description", "body", "excerpt", "excerpt_separator")
        post = Post(**{name: cleaned[name] for name in (*fields, "hard_wrap", "markdown")
                       if name in cleaned})  # fmt: skip
        source = post.render_input()
        try:
            rendered = render_post_fields(source)
        except RenderError as error:
            self.add_error("body", render_refusal(error))
        else:
            self.instance.use_rendered(source, rendered)


def render_refusal(error: RenderError) -> str:
    return _("This text cannot be shown: %(reason)s.") % {"reason": error}


class PageAdminForm(forms.ModelForm):
    class Meta:
        model = Page
        fields = [
            "title",
            "slug",
            "body",
            "description",
            "hard_wrap",
            "markdown",
            "is_published",
            "show_in_menu",
            "menu_order",
            "front_matter",
        ]

    def clean(self):
        cleaned = super().clean()
        options = RenderOptions(
            hard_wrap=cleaned.get("hard_wrap", False), markdown=cleaned.get("markdown", True)
        )
        try:
            render_markdown(cleaned.get("body", ""), options)
        except RenderError as error:
            self.add_error("body", render_refusal(error))
        return cleaned

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        # Only a new or changed slug: an imported page may keep an address another part of
        # the site answers (an old contact page), and its text must stay editable.
        if "slug" in self.changed_data and (
            slug in RESERVED_PAGE_SLUGS or not is_free_page_address(slug)
        ):
            raise forms.ValidationError(
                _("Another part of the site answers at %(address)s: choose another slug."),
                params={"address": f"/{slug}/"},
                code="taken_address",
            )
        return slug


class UploadImageForm(forms.Form):
    """The image the admin script sends while the author writes."""

    file = image_file_field(required=True)
    alt_text = forms.CharField(required=False, max_length=300)


# What the author may put in /media/: images, documents, sound and video, nothing else. A list
# of what to allow, not of what to refuse: browsers run more kinds of file as a page of the site
# (.shtml, .xht, .es…) than any refusal list names.
DOCUMENT_EXTENSIONS = [
    "pdf",
    "txt",
    "csv",
    "odt",
    "ods",
    "odp",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "epub",
    "zip",
]
MEDIA_EXTENSIONS = [
    "mp3",
    "ogg",
    "oga",
    "opus",
    "m4a",
    "wav",
    "flac",
    "mp4",
    "m4v",
    "webm",
    "ogv",
    "mov",
]
UPLOAD_EXTENSIONS = [*IMAGE_EXTENSIONS, *DOCUMENT_EXTENSIONS, *MEDIA_EXTENSIONS]


class UploadAdminForm(forms.ModelForm):
    class Meta:
        model = Upload
        fields = ["file", "alt_text"]
        help_texts = {
            "alt_text": _("For an image: what it shows. For another file: the text of the link.")
        }

    def clean_file(self):
        file = self.cleaned_data["file"]
        extension = PurePosixPath(file.name).suffix.lower().lstrip(".")
        if extension not in UPLOAD_EXTENSIONS:
            raise forms.ValidationError(
                _("Files of this kind are not accepted. Accepted: %(extensions)s."),
                params={"extensions": ", ".join(UPLOAD_EXTENSIONS)},
            )
        validate_upload_size(file)
        return file


class TagAdminForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]
        help_texts = {
            "slug": _(
                "The tag page's address. Left as it is when you rename the tag, it follows the "
                "new name; the old address keeps leading to the tag."
            )
        }

    def clean_slug(self):
        # taggit allows any letter; the tag page's address takes ASCII only.
        slug = self.cleaned_data["slug"]
        validate_slug(slug)
        return slug

    def clean(self):
        cleaned = super().clean()
        name, slug = cleaned.get("name"), cleaned.get("slug")
        renamed = self.instance.pk and "name" in self.changed_data
        if name and renamed and "slug" not in self.changed_data:
            slug = self.instance.slugify(name)
            cleaned["slug"] = slug
            self.instance.slug = slug
        if slug and Tag.objects.filter(slug=slug).exclude(pk=self.instance.pk).exists():
            self.add_error(
                "slug",
                _(
                    "Another tag already has this address. To make one tag of the two, "
                    "use the action “Merge the selected tags” in the list."
                ),
            )
        return cleaned


class TagMergeForm(forms.Form):
    keep = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        widget=forms.RadioSelect,
        label=_("Tag to keep"),
        empty_label=None,
    )

    def __init__(self, *args, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].queryset = tags if tags is not None else Tag.objects.none()
