"""Posts: what `published()` lets through, and what saving computes."""

import unicodedata
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.html import strip_tags

from blog import models
from blog.models import Post, RenderInput, render_post_fields


def test_published_excludes_drafts_and_scheduled_posts(make_post):
    live = make_post("En ligne")
    make_post("Brouillon", status=Post.Status.DRAFT)
    make_post("Programmé", days_ago=-1)
    make_post("Sans date", status=Post.Status.DRAFT, days_ago=None)
    assert list(Post.objects.published()) == [live]


def test_scheduled_post_appears_when_its_time_comes(make_post):
    post = make_post("Demain", published_at=timezone.now() + timedelta(hours=2))
    assert not Post.objects.published().exists()
    later = timezone.now() + timedelta(hours=3)
    assert list(Post.objects.published(now=later)) == [post]
    assert post.is_scheduled() and not post.is_published()
    assert post.is_published(now=later)


def test_saving_renders_body_excerpt_and_reading_time(make_post):
    words = " ".join(["mot"] * 450)
    post = make_post(body=f"Intro.\n\n<!--more-->\n\n{words}")
    assert "<p>Intro.</p>" in post.excerpt_html
    assert post.has_more
    assert post.word_count == 451
    assert post.reading_time == 3


# --- What saving computes, and the importer's shortcut -------------------------------------

SAMPLES = sorted((Path(__file__).resolve().parent / "rendering_samples").glob("*.md"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: path.stem)
def test_generated_fields_match_their_plain_definitions(sample):
    """Word count and search text, computed fast, are what strip_tags and split give."""
    body = sample.read_text(encoding="utf-8")
    fields = render_post_fields(RenderInput("Titre : été", "Résumé", body, "", "<!--more-->", True))
    text = strip_tags(fields["body_html"])
    words = [word for word in text.split() if any(char.isalnum() for char in word)]
    assert fields["word_count"] == len(words)
    folded = unicodedata.normalize("NFKD", f"Titre : été Résumé {text}".lower())
    assert fields["search_document"] == "".join(
        char for char in folded if not unicodedata.combining(char)
    )


def test_fields_rendered_elsewhere_are_used_once_for_that_text(db, monkeypatch):
    post = Post(title="Titre", slug="titre", body="Un.\n\n<!--more-->\n\nDeux.")
    source = post.render_input()
    fields = render_post_fields(source)
    post.use_rendered(source, fields)

    def must_not_render(_source):
        raise AssertionError("rendered again")

    monkeypatch.setattr(models, "render_post_fields", must_not_render)
    post.save()
    assert post.excerpt_html == "<p>Un.</p>" and post.has_more
    monkeypatch.undo()

    # Once used, they are gone: the next save renders, as the admin's saves always do.
    post.body = "Autre."
    post.save()
    assert post.body_html == "<p>Autre.</p>" and not post.has_more


def test_fields_rendered_for_another_text_are_ignored(db):
    post = Post(title="Titre", slug="titre", body="Un.")
    source = post.render_input()
    post.use_rendered(source, render_post_fields(source))
    post.body = "Changé après coup."
    post.save()
    assert post.body_html == "<p>Changé après coup.</p>"
    post.refresh_from_db()
    assert post.excerpt_html == "<p>Changé après coup.</p>" and post.word_count == 3
