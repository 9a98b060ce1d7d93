"""Posts: what `published()` lets through, and what saving computes."""

from datetime import timedelta

from django.utils import timezone

from blog.models import Post


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
