"""Accessibility in headless Chromium: axe-core finds no serious or critical violation on the
pages a reader meets, in the light and in the dark colour scheme (contrast is checked in both).

The content is the sample Jekyll site (fixtures/jekyll-site), imported as `make run` does, so
the pages carry real tables, code, images, tags and pagination. Each page is saved under
tests/screenshots/a11y-<scheme>-<page>.png, to be looked at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse
from taggit.models import Tag

from blog.importer import import_site
from blog.models import Category, Page, Post

pytestmark = pytest.mark.browser

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "jekyll-site"
POST_WITH_CODE = "_posts/2023-02-14-mesurer-le-poids-d-une-page.md"
POST_WITH_TABLE = "_posts/2017-09-21-ce-que-pese-une-page.md"


@pytest.fixture
def sample_site(live_server, settings) -> dict[str, str]:
    """The sample site imported, and the address of each kind of page to check."""
    settings.CONTACT_RECIPIENTS = ["autrice@example.org"]
    settings.CONTACT_MIN_SECONDS = 0  # a script types faster than a person
    report = import_site([SAMPLE], tag_dir="tags", category_dir="lubies")
    assert not report.failed, report.failed
    code = Post.objects.get(source_path=POST_WITH_CODE)
    table = Post.objects.get(source_path=POST_WITH_TABLE)
    tag = Tag.objects.get(name="écoconception")
    category = Category.objects.filter(posts__in=Post.objects.published()).first()
    year = code.published_at.year
    return {
        "home": reverse("blog:home"),
        "post-code": code.get_absolute_url(),
        "post-table": table.get_absolute_url(),
        "tag": reverse("blog:tag", kwargs={"slug": tag.slug}),
        "tags": reverse("blog:tags"),
        "category": category.get_absolute_url(),
        "search": reverse("blog:search") + "?q=page",
        "search-nothing": reverse("blog:search") + "?q=zzzzzz",
        "search-no-word": reverse("blog:search") + "?q=%21%21%21",
        "archives": reverse("blog:archives"),
        "year": reverse("blog:year", kwargs={"year": year}),
        "about": Page.objects.get(slug="a-propos").get_absolute_url(),
        "not-found": "/cette-page-n-existe-pas/",
        "contact": reverse("contact:form"),
    }


def show_contact_errors(page) -> None:
    """The contact form sent without consent: the server's error state, not the browser's."""
    page.get_by_label("Votre nom").fill("Camille")
    page.get_by_label("Votre adresse e-mail").fill("camille@example.org")
    page.get_by_label("Votre message").fill("Bonjour,\nmerci pour ce billet.")
    page.locator("form.contact-form").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Envoyer").click()
    page.locator(".form-errors").wait_for()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_violation_on_the_pages_a_reader_meets(
    browser_page, axe_violations, sample_site, scheme
):
    page = browser_page
    page.emulate_media(color_scheme=scheme)
    found: dict[str, list[str]] = {}

    def check(name: str) -> None:
        page.screenshot(path=page.screenshot_dir / f"a11y-{scheme}-{name}.png", full_page=True)
        violations = axe_violations(page)
        if violations:
            found[name] = violations

    for name, url in sample_site.items():
        response = page.goto(url)
        expected = 404 if name == "not-found" else 200
        assert response is not None and response.status == expected, (name, url)
        check(name)

    page.goto(sample_site["contact"])
    show_contact_errors(page)
    check("contact-errors")

    # All the pages' findings at once, rule, impact and selectors: one run says what to fix.
    assert found == {}
