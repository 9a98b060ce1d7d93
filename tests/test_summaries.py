"""Each post's entry in lists is stored, and follows its post, categories and tags."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.apps import apps as django_apps
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

    refresh_summaries_after_migrate(apps=django_apps)
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


# Found in review: every way an entry could go stale or break ------------------------------


@pytest.mark.django_db(transaction=True)
def test_worker_rendered_entries_equal_entries_rendered_from_the_database(tmp_path, monkeypatch):
    from blog import importer

    monkeypatch.setattr(importer, "PARALLEL_MIN_POSTS", 1)
    site = tmp_path / "site"
    (site / "_posts").mkdir(parents=True)
    (site / "_data").mkdir()
    (site / "_config.yml").write_text("timezone: America/New_York\n", encoding="utf-8")
    # Two categories with one name: the order between them must not depend on the path.
    (site / "_data" / "categories.yml").write_text(
        "zeta:\n  name: Divers\nalpha:\n  name: Divers\n", encoding="utf-8"
    )
    for n in range(30):
        categories = "[zeta, alpha, Zèle, good_job]" if n % 3 else "[alpha, zeta]"
        front = (
            f"---\ntitle: 'Billet <{n}> & co'\n"
            f"date: 2017-01-{n % 28 + 1:02d} {22 if n % 2 else 3}:30:00.250000\n"
            f"categories: {categories}\ntags: [et moi, ESS, Été, 🙂, {{}}, t{n}]\n"
            + ("published: false\n" if n == 5 else "")
        )
        (site / "_posts" / f"2017-01-{n % 28 + 1:02d}-billet-{n}.md").write_text(
            front + "---\nDébut.\n\n<!--more-->\n\nSuite.\n", encoding="utf-8"
        )
    report = import_site([site], workers=2)
    assert not report.count(importer.FAILED)
    for post in Post.objects.for_lists():
        assert post.summary_html == summaries.render_summary(post), post.title


def test_a_category_renamed_while_an_import_runs_shows_its_new_name(
    db, tmp_path, monkeypatch, client
):
    from contextlib import contextmanager

    from blog import importer

    posts = tmp_path / "site" / "_posts"
    posts.mkdir(parents=True)
    for n in range(3):
        (posts / f"2017-01-0{n + 1}-billet-{n}.md").write_text(
            f"---\ntitle: Billet {n}\ncategories: [lubies]\ntags: [ess]\n---\nDébut.\n",
            encoding="utf-8",
        )
    real = importer.rendered_posts

    @contextmanager
    def renamed_while_rendering(sources, workers):
        with real(sources, workers) as rendered:
            rendered = list(rendered)  # the entries are rendered with the names read…
            category = Category.objects.get(slug="lubies")  # …then the author renames
            category.name = "Mes lubies"
            category.save()
            tag = Tag.objects.get(name="ess")
            tag.name = "Économie sociale"
            tag.save()
            yield iter(rendered)

    monkeypatch.setattr(importer, "rendered_posts", renamed_while_rendering)
    import_site([tmp_path / "site"])
    page = home(client)
    assert page.count(">Mes lubies</a>") == 3 and page.count("#Économie sociale") == 3
    assert ">lubies</a>" not in page


@pytest.mark.django_db(transaction=True)
def test_an_entry_rendered_during_a_concurrent_edit_shows_the_edit(make_post):
    import threading
    import time

    from django.db import transaction

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: no concurrent edit to lose")
    post = make_post("Ancien titre", tags=["ess"])
    edited, errors = threading.Event(), []

    def in_thread(work):
        def run():
            try:
                work()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)
            finally:
                connection.close()

        return threading.Thread(target=run)

    def author_edits_the_post():
        with transaction.atomic():
            fresh = Post.objects.get(pk=post.pk)
            fresh.title = "Nouveau titre"
            fresh.save()
            edited.set()
            time.sleep(1)  # the rest of the admin request, before the commit

    def tag_renamed_meanwhile():
        edited.wait()
        with transaction.atomic():
            tag = Tag.objects.get(name="ess")
            tag.name = "Économie sociale"
            tag.save()

    threads = [in_thread(author_edits_the_post), in_thread(tag_renamed_meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    entry = stored(post)
    assert "Nouveau titre" in entry and "#Économie sociale" in entry


# transactional_db, as in test_backup.py: `flush` cannot run inside a test's transaction.
def test_restoring_an_old_backup_gives_its_tags_addresses(
    transactional_db, make_post, settings, tmp_path, client
):
    import shutil

    from django.core.cache import cache
    from django.core.management import call_command

    from blog.backup import create_backup, restore_backup

    make_post("Billet émoji", tags=["🙂", "ess"])
    # The rows of a site made before the entries and the tag fix.
    Tag.objects.filter(name="🙂").update(slug="")
    Post.objects.update(summary_html="", summary_key="")
    archive = create_backup(tmp_path / "backups").path
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    cache.clear()
    restore_backup(archive)
    tag = Tag.objects.get(name="🙂")
    assert tag.slug.startswith("tag-")
    assert f'href="/tags/{tag.slug}/"' in home(client)


def test_the_admin_refuses_a_tag_address_the_site_cannot_serve(admin_client, make_post):
    from django.urls import reverse

    make_post(tags=["ete"])
    tag = Tag.objects.get(name="ete")
    response = admin_client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "ete", "slug": "été"}
    )
    assert response.status_code == 200  # the form again, with its error
    assert "slug" in response.context["adminform"].form.errors
    assert Tag.objects.get(pk=tag.pk).slug == "ete"


def test_a_tag_address_an_earlier_version_allowed_is_repaired_by_migrate(make_post, client):
    from importlib import import_module

    from django.apps import apps

    post = make_post(tags=["ete"])
    Tag.objects.filter(name="ete").update(slug="été")  # accepted by the admin before
    Post.objects.update(summary_key="")  # as right after 0003
    import_module("blog.migrations.0004_addressable_tag_slugs").give_addresses(apps, None)
    refresh_summaries_after_migrate(apps=apps)
    tag = Tag.objects.get(name="ete")
    assert tag.slug.startswith("tag-")
    assert f'href="/tags/{tag.slug}/"' in stored(post)
    assert client.get(f"/tags/{tag.slug}/").status_code == 200


def test_migrating_back_leaves_the_entries_alone(make_post):
    from django.db.migrations.state import ProjectState

    make_post()
    Post.objects.update(summary_key="old")
    # The state of `migrate blog zero`: no Post model at all.
    refresh_summaries_after_migrate(apps=ProjectState().apps)
    assert Post.objects.get().summary_key == "old"


def test_deleting_posts_does_not_redo_their_entries(make_post, django_assert_max_num_queries):
    posts = [make_post(tags=[f"t{n}" for n in range(8)], categories=["c"]) for _ in range(3)]
    # The deletion itself: posts, links, revisions, old addresses; no entry rendered per link.
    with django_assert_max_num_queries(10):
        Post.objects.filter(pk__in=[post.pk for post in posts]).delete()
    post = make_post(tags=["a", "b", "c"])
    with django_assert_max_num_queries(10):
        post.delete()
