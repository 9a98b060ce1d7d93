"""Staff-only endpoints the post form calls while the author writes: preview and image upload."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import PurePosixPath

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from blog.forms import IMAGE_EXTENSIONS, UploadImageForm
from blog.models import Post, Upload
from blog.rendering import RenderError


def staff_endpoint(*permissions: str) -> Callable:
    """Anonymous visitors go to the admin's login page; signed-in non-staff get a 403.

    (The admin's own `admin_view` sends both to the login page, which tells a signed-in
    reader nothing; a script calling the endpoint needs the plain refusal.)
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("admin:login"))
            if not (user.is_active and user.is_staff and user.has_perms(permissions)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return never_cache(wrapped)

    return decorator


def reading_label(words: int, minutes: int) -> str:
    return (
        ngettext("%(words)d word", "%(words)d words", words) % {"words": words}
        + " · "
        + ngettext("%(minutes)d minute read", "%(minutes)d minutes read", minutes)
        % {"minutes": minutes}
    )


@staff_endpoint("blog.change_post")
@require_POST
def preview_post(request: HttpRequest) -> JsonResponse:
    """Render unsaved markdown exactly as saving the post would (same `Post.render`)."""
    post = Post(
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
        excerpt=request.POST.get("excerpt", ""),
        excerpt_separator=request.POST.get("excerpt_separator", ""),
        hard_wrap=request.POST.get("hard_wrap") in ("on", "true", "1"),
        markdown=request.POST.get("markdown", "on") in ("on", "true", "1"),
    )
    try:
        post.render()
    except RenderError as error:
        return JsonResponse({"errors": [str(error)]}, status=400)
    return JsonResponse(
        {
            "html": post.body_html,
            "excerpt_html": post.excerpt_html,
            "words": post.word_count,
            "reading_time": post.reading_time,
            "label": reading_label(post.word_count, post.reading_time),
        }
    )


def is_image(name: str) -> bool:
    return PurePosixPath(name).suffix.lower().lstrip(".") in IMAGE_EXTENSIONS


def upload_markdown(upload: Upload) -> str:
    """The line to paste in a post: `![alt](url)` for an image, a link for any other file."""
    url = upload.file.url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
    text = upload.alt_text.replace("[", "(").replace("]", ")").replace("\n", " ")
    if is_image(upload.file.name):
        return f"![{text}]({url})"
    return f"[{text or PurePosixPath(upload.file.name).name}]({url})"


def create_upload(file: UploadedFile, alt_text: str = "") -> Upload:
    upload = Upload(alt_text=alt_text)
    upload.file.save(file.name, file, save=False)
    upload.save()
    return upload


@staff_endpoint("blog.add_upload")
@require_POST
def upload_image(request: HttpRequest) -> JsonResponse:
    """Store an image sent from the post form and answer the markdown that shows it."""
    form = UploadImageForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [message for messages in form.errors.values() for message in messages]
        return JsonResponse({"errors": errors}, status=400)
    upload = create_upload(form.cleaned_data["file"], form.cleaned_data["alt_text"])
    return JsonResponse({"markdown": upload_markdown(upload), "url": upload.file.url})
