"""Each post's entry in lists is stored, and follows its post, categories and tags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from blog import summaries
from blog.importer import import_site
from blog.models import Category, Post
from blog.signals import refresh_summaries_after_migrate
from blog.taxonomy import merge_tags


def stored(post: Post) -> str:
    return Post.objects.get(pk=post.pk).summary_html


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_an_entry_is_rendered_when_its_post_is_saved(make_post):
    post = make_post(
        "Un <b>titre</b>",
        published_at=datetime(2017, 1, 3, 10, tzinfo=UTC),
        tags=["ess", "et moi"],
        categories=["good_job"],
    )
    entry = stored(post)
    assert entry.startswith('<article class="post-summary">')
    assert "Un &lt;b&gt;titre&lt;/b&gt;" in entry  # escaped, as the template escapes
    assert f'href="{post.get_absolute_url()}"' in entry
    assert "3 janvier 2017" in entry
    assert "<p>Un paragraphe.</p>" in entry and "La suite" not in entry
    assert "Lire la suite" in entry  # rendered in French, whatever the active language
    assert '<a href="/categories/good_job/">good_job</a>' in entry
    assert 'href="/tags/ess/">#ess</a>' in entry and 'href="/tags/et-moi/">#et moi</a>' in entry
    assert Post.objects.get(pk=post.pk).summary_key == summaries.current_key()

    post.title = "Nouveau titre"
    post.body = "Autre début.\n\n<!--more-->\n\nFin."
    post.save()
    entry = stored(post)
    assert "Nouveau titre" in entry and "<p>Autre début.</p>" in entry


def test_the_entry_follows_the_posts_tags(make_post, client):
    post = make_post(tags=["ess"])
    post.tags.add("nouveau")
    assert "#nouveau" in stored(post)
    post.tags.remove("ess")
    assert "#ess" not in stored(post)
    post.tags.set(["autre"])
    assert "#autre" in stored(post) and "#nouveau" not in stored(post)
    post.tags.clear()
    assert 'class="tags"' not in stored(post)
    assert "#autre" not in home(client)


def test_renaming_merging_or_deleting_a_tag_redoes_every_entry_that_shows_it(make_post):
    first, second = make_post(tags=["ess"]), make_post(tags=["ess", "vieux"])
    tag = Tag.objects.get(name="ess")
    tag.name, tag.slug = "Économie sociale", "economie-sociale"
    tag.save()
    for post in (first, second):
        assert 'href="/tags/economie-sociale/">#Économie sociale</a>' in stored(post)

    merge_tags(tag, [Tag.objects.get(name="vieux")])
    assert "#vieux" not in stored(second)

    tag.delete()
    assert "Économie" not in stored(first) and "Économie" not in stored(second)


def test_the_entry_follows_the_posts_categories(make_post):
    post = make_post(categories=["lubies"])
    category = Category.objects.get(slug="lubies")
    category.name = "Mes lubies"
    category.save()
    assert ">Mes lubies</a>" in stored(post)

    other = Category.objects.create(slug="autres", name="Autres")
    other.posts.add(post)  # from the category's side
    assert ">Autres</a>" in stored(post)
    other.posts.clear()
    assert ">Autres</a>" not in stored(post)
    post.categories.remove(category)
    assert "Mes lubies" not in stored(post)

    post.categories.add(category)
    category.delete()
    assert "Mes lubies" not in stored(post)


def test_a_stale_entry_is_never_shown(make_post, client):
    post = make_post("Titre juste", tags=["ess"])
    # As after a deploy whose templates or translations differ, before `migrate` ran.
    Post.objects.filter(pk=post.pk).update(summary_html="<p>Ancien rendu</p>", summary_key="old")
    page = home(client)
    assert "Ancien rendu" not in page and "Titre juste" in page and "#ess" in page

    refresh_summaries_after_migrate()
    fresh = Post.objects.get(pk=post.pk)
    assert fresh.summary_key == summaries.current_key() and "Titre juste" in fresh.summary_html


def test_a_list_of_stale_entries_costs_a_fixed_number_of_queries(make_post, client):
    for number in range(12):
        make_post(tags=[f"t{number}", "commun"], categories=["c"])
    client.get("/")
    with CaptureQueriesContext(connection) as fresh:
        home(client)
    Post.objects.update(summary_key="old")
    with CaptureQueriesContext(connection) as stale:
        page = home(client)
    assert page.count('class="post-summary"') == 10
    # The stale posts of the page, their categories and their tags: three more, not thirty.
    assert len(stale) == len(fresh) + 3


def test_the_fingerprint_follows_the_settings_an_entry_depends_on(make_post, client):
    post = make_post(published_at=datetime(2017, 1, 1, 23, 30, tzinfo=UTC))
    assert "2 janvier 2017" in stored(post)  # 00:30 in Paris
    before = summaries.current_key()
    with override_settings(TIME_ZONE="UTC"):
        assert summaries.current_key() != before
        assert "1er janvier 2017" in home(client)
    assert summaries.current_key() == before


def test_an_import_stores_every_entry(tmp_path, db):
    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    for number in range(3):
        (posts / f"2017-01-0{number + 1}-billet-{number}.md").write_text(
            f"---\ntitle: Billet {number}\ncategories: [good_job, Zèle, autres]\n"
            "tags: [et moi, ess, Été, 🙂]\n---\n"
            "Début.\n\n<!--more-->\n\nSuite.\n",
            encoding="utf-8",
        )
    import_site([tmp_path / "site"])
    key = summaries.current_key()
    for post in Post.objects.for_lists():
        assert post.summary_key == key
        assert f">{post.title}</a>" in post.summary_html
        assert "#et moi" in post.summary_html and ">good_job</a>" in post.summary_html
        # Rendered with the post's text, before it was in the database: as it renders from it.
        assert post.summary_html == summaries.render_summary(post)


@pytest.mark.parametrize("name", ["{}", "🙂", "!!!"])
def test_a_tag_with_no_letter_still_has_a_page(make_post, client, name):
    post = make_post(tags=[name, "ess"])
    tag = Tag.objects.get(name=name)
    assert tag.slug.startswith("tag-")
    assert client.get(f"/tags/{tag.slug}/").status_code == 200
    assert client.get(post.get_absolute_url()).status_code == 200
    assert f"#{name}" in home(client)
    # Two such tags get two addresses.
    other = Tag.objects.create(name=name + name)
    assert other.slug.startswith("tag-") and other.slug != tag.slug


def test_a_tag_named_with_digits_keeps_its_slug(db):
    assert Tag.objects.create(name="2024").slug == "2024"


def test_categories_and_tags_are_listed_in_french_order(make_post):
    post = make_post(tags=["tutoriel", "écoconception", "Ubuntu"], categories=["zele", "Arts"])
    entry = stored(post)
    assert entry.index("#écoconception") < entry.index("#tutoriel") < entry.index("#Ubuntu")
    assert entry.index(">Arts</a>") < entry.index(">zele</a>")


def test_tags_left_without_an_address_by_an_earlier_version_get_one(make_post):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("blog.migrations.0004_addressable_tag_slugs")
    post = make_post(tags=["{}", "ess"])
    Tag.objects.filter(name="{}").update(slug="")  # as tags were created before the fix
    migration.give_addresses(apps, None)
    tag = Tag.objects.get(name="{}")
    assert tag.slug.startswith("tag-")
    assert Tag.objects.get(name="ess").slug == "ess"
    post.save()  # renders the entry, which needs every tag's address
    assert f'href="/tags/{tag.slug}/"' in stored(post)
