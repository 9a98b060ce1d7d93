"""The author's desk in headless Chromium: write, upload, preview, schedule, publish, read.

This module is also the test's URL map: the live server runs with DEBUG off, so it serves
uploaded media itself, as nginx does in production.
"""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import include, path, re_path
from django.utils import timezone
from django.views.static import serve

from blog.models import Category, Post, Upload

urlpatterns = [
    re_path(
        r"^media/(?P<path>.*)$",
        lambda request, path: serve(request, path, document_root=settings.MEDIA_ROOT),
    ),
    path("", include("site_config.urls")),
]

pytestmark = [pytest.mark.browser, pytest.mark.urls(__name__)]

TITLE = "Un potager sur le balcon"
BODY = (
    "Trois bacs, deux tuteurs et beaucoup de patience : voilà mon été.\n\n"
    "<!--more-->\n\n"
    "## Ce qui a poussé\n\n"
    "- des tomates cerises ;\n- du basilic ;\n- une courgette, une seule.\n\n"
)


def log_in(page) -> None:
    """The author logs in through the admin's form, as she would."""
    page.goto("/admin/login/")
    page.fill("#id_username", "autrice")
    page.fill("#id_password", "un-mot-de-passe-solide")
    page.click("input[type=submit]")
    page.wait_for_selector("#carnet-desk")


def png(width: int, height: int) -> bytes:
    """A small striped PNG, written by hand (Pillow is not a dependency)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + 150 * (x // 20 % 2), 120 + y, 60)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def first_number(text: str) -> int:
    return int(re.search(r"\d+", text).group())


def shot(page, name: str) -> None:
    page.screenshot(path=str(page.screenshot_dir / f"admin-{name}.png"), full_page=True)


def test_write_upload_preview_schedule_publish_and_read(
    browser_page, live_server, settings, tmp_path, db
):
    page = browser_page
    settings.PAGE_CACHE_ENABLED = True  # readers get cached pages, as in production
    expect = pytest.importorskip("playwright.sync_api").expect
    # Script errors and CSP refusals show up on the console: the desk must have none.
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and not message.text.startswith("Failed to load resource")
            and problems.append(message.text)
        ),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and not response.url.endswith("/favicon.ico")
            and problems.append(f"{response.status} {response.url}")
        ),
    )
    User.objects.create_superuser("autrice", "autrice@example.org", "un-mot-de-passe-solide")
    Category.objects.create(slug="bricoles", name="Bricoles")
    lectures = Category.objects.create(slug="lectures", name="Lectures")
    waiting = Post.objects.create(title="Un brouillon en attente", slug="en-attente", body="…")
    waiting.tags.add("jardinage", "et moi")
    image = tmp_path / "potager.png"
    image.write_bytes(png(240, 120))

    log_in(page)

    page.goto("/admin/blog/post/add/")
    page.locator("#id_title").press_sequentially(TITLE)  # typed: the slug follows keystrokes
    assert page.input_value("#id_slug") == "un-potager-sur-le-balcon"  # filled from the title
    page.fill("#id_body", BODY)
    page.check(f"input[name=categories][value='{lectures.pk}']")
    # Existing tags are suggested for the tag being typed after a comma.
    page.locator("#id_tags").press_sequentially("potager, jar")
    suggestions = page.locator("#carnet-tag-names option")
    assert "potager, jardinage" in [suggestions.nth(i).get_attribute("value") for i in range(2)]
    page.fill("#id_tags", "potager, jardinage")
    page.fill("#id_description", "Un été de tomates cerises sur trois mètres carrés.")
    assert "caractères" in page.inner_text(".carnet-counter")
    assert "Mots" in page.inner_text(".carnet-count")

    # The image goes up at once and its markdown lands in the text.
    page.set_input_files("#id_image", str(image))
    page.fill("#id_image_alt", "Trois bacs de tomates")
    page.click("button.carnet-upload")
    page.wait_for_selector(".carnet-upload-status:has-text('![')")
    upload = Upload.objects.get()
    assert f"![Trois bacs de tomates]({upload.file.url})" in page.input_value("#id_body")

    live_count = first_number(page.inner_text(".carnet-count"))
    page.click("button.carnet-tab-preview")
    page.wait_for_selector(".carnet-preview h2")
    preview = page.locator(".carnet-preview")
    assert "Ce qui a poussé" in preview.inner_text()
    # Loaded from media storage, not merely linked.
    expect(page.locator(".carnet-preview img")).to_have_js_property("naturalWidth", 240)
    # The count as the site computes it agrees with the one shown while typing.
    assert "mots" in page.inner_text(".carnet-count")
    assert first_number(page.inner_text(".carnet-count")) == live_count == 24
    shot(page, "preview")
    page.click("button.carnet-tab-write")

    # Scheduled: published, dated tomorrow.
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.select_option("#id_status", "published")
    page.fill("#id_published_at_0", tomorrow.strftime("%d/%m/%Y"))
    page.fill("#id_published_at_1", tomorrow.strftime("%H:%M:%S"))
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist")
    shot(page, "scheduled")
    post = Post.objects.get(slug="un-potager-sur-le-balcon")
    assert post.is_scheduled()
    assert list(post.categories.all()) == [lectures]
    assert sorted(post.tags.names()) == ["jardinage", "potager"]
    assert f'src="{upload.file.url}"' in post.body_html

    page.goto("/")
    assert TITLE not in page.content()
    # A reader (no session) sees the cached home page; publishing must not leave it stale.
    reader = page.context.browser.new_page(base_url=live_server.url)
    assert "etag" in reader.goto("/").headers  # went through the page cache
    assert TITLE not in reader.content()
    page.goto("/admin/")
    assert "1 billet programmé" in page.inner_text("#carnet-desk")
    assert "1 brouillon" in page.inner_text("#carnet-desk")
    shot(page, "index")

    page.goto("/admin/blog/post/?state=scheduled")
    assert TITLE in page.inner_text("#result_list")
    page.check(f"input[name=_selected_action][value='{post.pk}']")
    page.select_option("select[name=action]", "publish_now")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    shot(page, "published")
    post.refresh_from_db()
    assert post.is_published()
    page.goto("/admin/blog/post/")
    shot(page, "list")

    reader.goto("/")
    assert reader.locator("article", has_text=TITLE).count() == 1
    page.goto("/")
    article = page.locator("article", has_text=TITLE)
    assert article.count() == 1
    shot(page, "home")
    page.click(f"text={TITLE}")
    page.wait_for_selector("h1")
    assert page.locator(f"img[src='{upload.file.url}']").count() == 1
    shot(page, "post")
    assert problems == []


def test_a_suggested_tag_with_a_comma_or_a_space_stays_one_tag(browser_page, db):
    page = browser_page
    User.objects.create_superuser("autrice", "autrice@example.org", "un-mot-de-passe-solide")
    older = Post.objects.create(title="Un ancien billet", slug="ancien", body="…")
    older.tags.add("Et moi, même", "jardinage", "et moi")
    log_in(page)

    page.goto("/admin/blog/post/add/")
    page.fill("#id_title", "Un nouveau billet")
    page.fill("#id_body", "Texte.")

    def suggestions() -> list[str]:
        options = page.locator("#carnet-tag-names option")
        return [options.nth(i).get_attribute("value") for i in range(options.count())]

    # The first tag completes from the list the server wrote, script or not.
    assert {'"Et moi, même"', '"et moi"'} <= set(suggestions())
    # After a comma the script completes the tag being typed, keeping those before; a comma
    # inside quotes is part of a tag, not a place where one starts.
    page.locator("#id_tags").press_sequentially('"et moi", jar')
    assert suggestions() == ['"et moi", "Et moi, même"', '"et moi", jardinage']
    page.fill("#id_tags", "")
    page.locator("#id_tags").press_sequentially('jardinage, "Et moi, m')
    chosen = 'jardinage, "Et moi, même"'
    assert chosen in suggestions()
    page.fill("#id_tags", chosen)  # what choosing the suggestion writes in the field
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")
    post = Post.objects.get(title="Un nouveau billet")
    assert sorted(post.tags.names()) == ["Et moi, même", "jardinage"]
