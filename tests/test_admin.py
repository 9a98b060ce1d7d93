"""The author's desk: post list and form, actions, preview, uploads, history, tags, categories."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from taggit.models import Tag

from blog.admin import publish_posts, unpublish_posts
from blog.models import Category, OldURL, Page, Post, PostRevision, SiteIdentity, Upload
from blog.rendering import RenderOptions, render_markdown
from blog.revisions import restore_revision
from blog.taxonomy import merge_tags, record_tag_rename

# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

CHANGELIST = "admin:blog_post_changelist"


def post_form_data(**overrides) -> dict:
    """What the admin's post form sends, with an empty revisions inline."""
    data = {
        "title": "Un billet écrit dans l’admin",
        "slug": "un-billet-ecrit",
        "body": "Premier paragraphe.\n\n<!--more-->\n\nLa suite.",
        "status": Post.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "updated_at_0": "",
        "updated_at_1": "",
        "tags": "",
        "description": "",
        "excerpt": "",
        "excerpt_separator": "",
        "hard_wrap": "on",
        "markdown": "on",
        "old_permalink": "",
        "front_matter": "{}",
        "revisions-TOTAL_FORMS": "0",
        "revisions-INITIAL_FORMS": "0",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def local_parts(moment) -> tuple[str, str]:
    """The admin's split date/time inputs, in the site's time zone and French formats."""
    local = timezone.localtime(moment)
    return local.strftime("%d/%m/%Y"), local.strftime("%H:%M:%S")


@pytest.fixture
def staff_user(db) -> User:
    """Staff with the author's rights on the blog, not a superuser."""
    user = User.objects.create_user("autrice", password="motdepasse-solide", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["blog", "taggit"])
    )
    return user


@pytest.fixture
def author_client(client, staff_user):
    client.force_login(staff_user)
    return client


# Post list -------------------------------------------------------------------------------


def test_post_list_shows_state_dates_categories_and_tags(admin_client, make_post):
    make_post("En ligne", tags=["ess", "et moi"], categories=["good_job"])
    make_post("Brouillon", status=Post.Status.DRAFT, days_ago=None)
    make_post("Demain", days_ago=-1)
    response = admin_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert "En ligne" in html and "good_job" in html and "ess, et moi" in html
    assert "Programmé" in html and "Brouillon" in html and "Publié" in html
    assert 'alt="True"' in html  # the published tick
    for marker in ("?state=draft", "?state=scheduled", "categories__id__exact", "tags__id__exact"):
        assert marker in html  # filters
    assert 'name="q"' in html  # search
    assert "published_at__year" in html  # date hierarchy


def test_post_list_filters_by_state(admin_client, make_post):
    make_post("En ligne")
    make_post("Brouillon", status=Post.Status.DRAFT)
    make_post("Demain", days_ago=-1)
    url = reverse(CHANGELIST)
    scheduled = admin_client.get(url, {"state": "scheduled"}).context["cl"].result_list
    drafts = admin_client.get(url, {"state": "draft"}).context["cl"].result_list
    published = admin_client.get(url, {"state": "published"}).context["cl"].result_list
    assert [p.title for p in scheduled] == ["Demain"]
    assert [p.title for p in drafts] == ["Brouillon"]
    assert [p.title for p in published] == ["En ligne"]


def test_post_list_offers_the_most_used_tags_and_keeps_the_chosen_one(admin_client, make_post):
    from taggit.models import Tag

    from blog.admin import MostUsedTagsFilter

    for number in range(MostUsedTagsFilter.LIMIT + 5):
        make_post(f"Billet {number}", tags=["commun", f"rare-{number:02d}"])
    make_post("Encore", tags=["commun", "rare-00"])
    url = reverse(CHANGELIST)
    html = admin_client.get(url).content.decode()
    filter_html = html.split('id="changelist-filter"', 1)[1]
    assert filter_html.count("tags__id__exact=") == MostUsedTagsFilter.LIMIT
    assert "commun" in filter_html and "rare-00" in filter_html
    assert f"rare-{MostUsedTagsFilter.LIMIT + 4:02d}" not in filter_html

    rare = Tag.objects.get(name=f"rare-{MostUsedTagsFilter.LIMIT + 4:02d}")
    response = admin_client.get(url, {"tags__id__exact": rare.pk})
    assert [post.title for post in response.context["cl"].result_list] == [
        f"Billet {MostUsedTagsFilter.LIMIT + 4}"
    ]
    assert rare.name in response.content.decode().split('id="changelist-filter"', 1)[1]


def test_post_list_searches_titles_and_bodies(admin_client, make_post):
    make_post("Coopérative", body="Une histoire de salariat partagé.")
    make_post("Potager")
    found = admin_client.get(reverse(CHANGELIST), {"q": "salariat"}).context["cl"].result_list
    assert [p.title for p in found] == ["Coopérative"]


def changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_posts(make_post, count: int) -> None:
    for _ in range(count):
        post = make_post(tags=["ess", "et moi"], categories=["good_job", "lectures"])
        Upload.objects.create(file=f"uploads/{post.slug}.png", alt_text=post.title)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:blog_post_changelist",
        "admin:taggit_tag_changelist",
        "admin:blog_category_changelist",
        "admin:blog_upload_changelist",
    ],
)
def test_changelists_run_a_constant_number_of_queries(
    admin_client, make_post, url_name, django_assert_max_num_queries
):
    url = reverse(url_name)
    add_posts(make_post, 5)
    with django_assert_max_num_queries(20):
        admin_client.get(url)
    few = changelist_queries(admin_client, url)
    add_posts(make_post, 35)
    with django_assert_max_num_queries(20):
        admin_client.get(url)
    assert changelist_queries(admin_client, url) == few


# The post form ---------------------------------------------------------------------------


def test_post_form_offers_tags_categories_slug_and_description_help(admin_client, make_post):
    make_post(tags=["écoconception", "et moi"], categories=["good_job"])
    response = admin_client.get(reverse("admin:blog_post_add"))
    html = response.content.decode()
    assert '<datalist id="carnet-tag-names">' in html
    # Names with a space (or a comma) quoted, as taggit reads them back as one tag.
    assert (
        '<option value="écoconception">' in html and '<option value="&quot;et moi&quot;">' in html
    )
    assert 'list="carnet-tag-names"' in html
    assert 'type="checkbox" name="categories"' in html
    assert "data-prepopulated-fields" in html
    assert "160" in html  # the description's advised length, readable without script
    assert 'data-preview-url="/' in html and "Prévisualiser" in html
    assert "admin/carnet/carnet.js" in html and " defer" in html
    assert "<script>" not in html.split("</head>")[1]  # no inline script in the form


def test_adding_a_post_with_tags_and_categories(admin_client, db):
    category = Category.objects.create(slug="good_job", name="Good job")
    response = admin_client.post(
        reverse("admin:blog_post_add"),
        post_form_data(tags="et moi, écoconception", categories=[category.pk]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    post = Post.objects.get()
    assert sorted(post.tags.names()) == ["et moi", "écoconception"]
    assert list(post.categories.all()) == [category]
    assert post.status == Post.Status.DRAFT and post.published_at is None
    assert "<p>Premier paragraphe.</p>" in post.excerpt_html


def test_the_history_names_the_changed_fields_in_french(admin_client, db):
    admin_client.post(reverse("admin:blog_post_add"), post_form_data())
    post = Post.objects.get()
    change = reverse("admin:blog_post_change", args=[post.pk])
    response = admin_client.post(change, post_form_data(status="published", body="Autre."))
    assert response.status_code == 302
    history = admin_client.get(reverse("admin:blog_post_history", args=[post.pk]))
    html = history.content.decode()
    assert "<td>Modification de texte, état" in html
    for english in ("Status", "Body", "Line breaks"):
        assert english not in html


def test_the_admin_index_names_every_app_in_french(admin_client, db):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "Connexions à l’administration" in html and "Étiquettes" in html
    for english in ("Taggit", "Axes"):
        assert english not in html


def test_publishing_without_a_date_means_now(admin_client, db):
    before = timezone.now()
    admin_client.post(reverse("admin:blog_post_add"), post_form_data(status="published"))
    post = Post.objects.get()
    assert before <= post.published_at <= timezone.now()
    assert post.is_published()


def test_scheduled_post_appears_by_itself_at_its_time(admin_client, db):
    when = timezone.now() + timedelta(days=2)
    date, time = local_parts(when)
    response = admin_client.post(
        reverse("admin:blog_post_add"),
        post_form_data(status="published", published_at_0=date, published_at_1=time),
    )
    assert response.status_code == 302
    post = Post.objects.get()
    assert post.is_scheduled()
    assert not Post.objects.published().exists()
    assert list(Post.objects.published(now=when + timedelta(seconds=1))) == [post]
    assert not Post.objects.published(now=when - timedelta(seconds=1)).exists()
    listed = admin_client.get(reverse(CHANGELIST), {"state": "scheduled"}).context["cl"]
    assert list(listed.result_list) == [post]


# Actions ---------------------------------------------------------------------------------


def run_action(client, action: str, posts) -> object:
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [post.pk for post in posts]},
        follow=True,
    )


def test_publish_now_action(admin_client, make_post):
    draft = make_post("Brouillon", status=Post.Status.DRAFT, days_ago=None)
    scheduled = make_post("Demain", days_ago=-3)
    old = make_post("Ancien", status=Post.Status.DRAFT, days_ago=30)
    old_date = old.published_at
    before = timezone.now()
    response = run_action(admin_client, "publish_now", [draft, scheduled, old])
    assert "3 billets publiés." in response.content.decode()
    for post in (draft, scheduled, old):
        post.refresh_from_db()
        assert post.status == Post.Status.PUBLISHED
        assert post.is_published()
    assert before <= draft.published_at <= timezone.now()
    assert before <= scheduled.published_at <= timezone.now()
    assert old.published_at == old_date  # a past date is kept


def history_messages(client, post: Post) -> list[str]:
    """What the post's history page lists, newest first."""
    from django.contrib.admin.models import CHANGE, LogEntry

    entries = LogEntry.objects.filter(object_id=str(post.pk), action_flag=CHANGE)
    html = client.get(reverse("admin:blog_post_history", args=[post.pk])).content.decode()
    messages = [entry.get_change_message() for entry in entries]
    assert all(message in html for message in messages)
    return messages


def test_actions_and_restores_leave_a_trace_in_the_history(admin_client, make_post):
    post = make_post("V1", body="Texte 1.")
    run_action(admin_client, "unpublish", [post])
    assert history_messages(admin_client, post) == [gettext("Back to draft.")]
    run_action(admin_client, "publish_now", [post])
    assert history_messages(admin_client, post)[0] == gettext("Published now.")
    revision = PostRevision.objects.create(post=post, title="V0", body="Texte 0.")
    admin_client.post(reverse("admin:blog_post_revision", args=[post.pk, revision.pk]))
    date = timezone.localtime(revision.created_at).strftime("%d/%m/%Y %H:%M")
    assert history_messages(admin_client, post)[0] == gettext("Version of %(date)s restored.") % {
        "date": date
    }


@pytest.mark.django_db
def test_publish_posts_uses_the_time_given():
    now = timezone.now() + timedelta(days=10)
    post = Post.objects.create(title="T", slug="t", body="x", published_at=now + timedelta(days=1))
    publish_posts(Post.objects.all(), now=now)
    post.refresh_from_db()
    assert post.published_at == now and post.is_published(now=now)


def test_unpublish_action(admin_client, make_post):
    post = make_post("En ligne")
    response = run_action(admin_client, "unpublish", [post])
    assert "1 billet repassé en brouillon." in response.content.decode()
    post.refresh_from_db()
    assert post.status == Post.Status.DRAFT
    assert not Post.objects.published().exists()
    assert unpublish_posts(Post.objects.none()) == 0


def test_actions_refused_without_change_permission(client, make_post, db):
    viewer = User.objects.create_user("lecteur", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_post"))
    client.force_login(viewer)
    post = make_post("En ligne")
    run_action(client, "unpublish", [post])
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_view_on_site_previews_drafts(admin_client, make_post):
    undated = make_post("Sans date", status=Post.Status.DRAFT, days_ago=None)
    dated = make_post("Daté", status=Post.Status.DRAFT)
    for post, expected in (
        (undated, reverse("blog:draft", kwargs={"pk": undated.pk})),
        (dated, dated.get_absolute_url()),
    ):
        change = admin_client.get(reverse("admin:blog_post_change", args=[post.pk]))
        assert "Voir sur le site" in change.content.decode()
        content_type = change.context["content_type_id"]
        redirect = admin_client.get(reverse("admin:view_on_site", args=[content_type, post.pk]))
        assert redirect.status_code == 302 and redirect["Location"].endswith(expected)
    assert admin_client.get(undated.get_absolute_url()).status_code == 200
    assert admin_client.get(dated.get_absolute_url()).status_code == 200


# Preview ---------------------------------------------------------------------------------

PREVIEW_BODY = "Un *essai* : voilà.\nDeux lignes.\n\n<script>alert(1)</script>"


def test_preview_renders_with_the_site_pipeline(author_client):
    response = author_client.post(
        reverse("admin:blog_post_preview"), {"body": PREVIEW_BODY, "hard_wrap": "on"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["html"] == render_markdown(PREVIEW_BODY, RenderOptions(hard_wrap=True))
    assert "<em>essai</em>" in data["html"] and "<br" in data["html"]
    assert "<script>" not in data["html"]
    assert data["words"] == 5 and data["reading_time"] == 1  # ":" is no word
    assert "5 mots" in data["label"]


NESTED_TOO_DEEP = "".join("  " * level + "- x\n" for level in range(300))


def test_a_text_nested_too_deep_is_refused_and_breaks_no_later_render(author_client):
    response = author_client.post(reverse("admin:blog_post_preview"), {"body": NESTED_TOO_DEEP})
    assert response.status_code == 400 and "imbriqué" in response.json()["errors"][0]
    response = author_client.post(
        reverse("admin:blog_post_add"), post_form_data(body=NESTED_TOO_DEEP)
    )
    assert response.status_code == 200 and "imbriqué" in response.content.decode()
    assert not Post.objects.exists()
    # The Markdown instance that raised kept a broken state: the next texts lost their
    # paragraphs and notes. It is thrown away.
    body = "Un *paragraphe*.\n\nDeux[^1].\n\n[^1]: note"
    response = author_client.post(reverse("admin:blog_post_preview"), {"body": body})
    assert response.json()["html"] == render_markdown(body)
    assert "<p>Un <em>paragraphe</em>.</p>" in response.json()["html"]


def test_the_post_list_search_ignores_accents_and_case(admin_client, make_post):
    make_post("Coopérative d’été", slug="cooperative-ete", body="Une coopérative.")
    make_post("Autre chose", slug="autre", body="Rien.")
    url = reverse("admin:blog_post_changelist")
    for query in ("cooperative", "ÉTÉ", "Été coop", "cooperative-ete"):
        page = admin_client.get(url, {"q": query}).content.decode()
        assert "Coopérative d’été" in page and "Autre chose" not in page, query
    assert "Coopérative d’été" not in admin_client.get(url, {"q": "hiver"}).content.decode()


def test_a_page_too_nested_to_render_is_a_form_error_too(admin_client, db):
    response = admin_client.post(
        reverse("admin:blog_page_add"),
        {
            "title": "Gouffre",
            "slug": "gouffre",
            "body": NESTED_TOO_DEEP,
            "markdown": "on",
            "is_published": "on",
            "menu_order": "0",
            "front_matter": "{}",
        },
    )
    assert response.status_code == 200 and "imbriqué" in response.content.decode()
    assert not Page.objects.exists()


def test_saving_a_post_renders_it_once(admin_client, db, monkeypatch):
    # The form checks that the text renders; the save takes that rendering.
    from blog import forms, models

    calls = []
    real = models.render_post_fields

    def counted(source):
        calls.append(source)
        return real(source)

    monkeypatch.setattr(models, "render_post_fields", counted)
    monkeypatch.setattr(forms, "render_post_fields", counted)
    response = admin_client.post(reverse("admin:blog_post_add"), post_form_data())
    assert response.status_code == 302
    assert len(calls) == 1
    assert "<p>Premier paragraphe.</p>" in Post.objects.get().body_html


def test_preview_of_a_text_written_in_html_does_not_read_it_as_markdown(author_client):
    body = "<p>Pas *en italique*</p>\n\n    <div>Pas un bloc de code</div>"
    url = reverse("admin:blog_post_preview")
    as_html = author_client.post(url, {"body": body, "markdown": "off"}).json()["html"]
    assert "<em>" not in as_html and "<pre>" not in as_html and "Pas un bloc de code" in as_html
    as_markdown = author_client.post(url, {"body": body}).json()["html"]
    assert "<pre>" in as_markdown


def test_preview_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.post(reverse("admin:blog_post_preview"), {"body": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_preview_refuses_signed_in_readers(client, db):
    reader = User.objects.create_user("lectrice", password="x")
    client.force_login(reader)
    assert client.post(reverse("admin:blog_post_preview"), {"body": "x"}).status_code == 403
    reader.is_staff = True  # staff, but without the right to edit posts
    reader.save()
    assert client.post(reverse("admin:blog_post_preview"), {"body": "x"}).status_code == 403


def test_preview_only_answers_post(author_client):
    assert author_client.get(reverse("admin:blog_post_preview")).status_code == 405


def test_preview_requires_the_csrf_token(staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(reverse("admin:blog_post_preview"), {"body": "x"}).status_code == 403


# Images ----------------------------------------------------------------------------------


def test_upload_endpoint_stores_the_image_and_answers_its_markdown(author_client, settings):
    image = SimpleUploadedFile("mon potager.png", PNG, content_type="image/png")
    response = author_client.post(
        reverse("admin:blog_post_upload"), {"file": image, "alt_text": "Des [tomates]"}
    )
    assert response.status_code == 200
    upload = Upload.objects.get()
    assert upload.alt_text == "Des [tomates]"
    assert (settings.MEDIA_ROOT / upload.file.name).read_bytes() == PNG
    markdown = response.json()["markdown"]
    assert markdown == f"![Des (tomates)]({upload.file.url})"
    assert upload.file.url.startswith("/media/uploads/")
    assert author_client.get(upload.file.url).status_code in (200, 404)  # served when DEBUG


def test_upload_endpoint_refuses_scripts_and_strangers(author_client):
    svg = SimpleUploadedFile("x.svg", b"<svg onload='alert(1)'/>", content_type="image/svg+xml")
    response = author_client.post(reverse("admin:blog_post_upload"), {"file": svg})
    assert response.status_code == 400 and response.json()["errors"]
    assert not Upload.objects.exists()
    author_client.logout()
    image = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = author_client.post(reverse("admin:blog_post_upload"), {"file": image})
    assert response.status_code == 302 and not Upload.objects.exists()


def test_image_uploaded_with_the_post_form_is_added_to_the_text(admin_client, db):
    image = SimpleUploadedFile("tomates.png", PNG, content_type="image/png")
    response = admin_client.post(
        reverse("admin:blog_post_add"),
        post_form_data(image=image, image_alt="Des tomates"),
        follow=True,
    )
    upload = Upload.objects.get()
    post = Post.objects.get()
    line = f"![Des tomates]({upload.file.url})"
    assert post.body.rstrip().endswith(line)
    assert f'<img alt="Des tomates" src="{upload.file.url}"' in post.body_html
    assert line in response.content.decode()


def test_upload_admin_shows_the_markdown_to_copy(admin_client, db):
    upload = Upload.objects.create(file="uploads/2026/01/a.png", alt_text="Un schéma")
    html = admin_client.get(reverse("admin:blog_upload_change", args=[upload.pk])).content
    assert b'value="![Un sch\xc3\xa9ma](/media/uploads/2026/01/a.png)"' in html
    listing = admin_client.get(reverse("admin:blog_upload_changelist")).content
    assert b"carnet-copy" in listing
    other = Upload.objects.create(file="uploads/2026/01/devis.pdf")
    html = admin_client.get(reverse("admin:blog_upload_change", args=[other.pk])).content
    assert b'value="[devis.pdf](/media/uploads/2026/01/devis.pdf)"' in html


@pytest.mark.parametrize("name", ["logo.svg", "notes.shtml", "page.xht", "code.es", "x.html5"])
def test_upload_admin_accepts_only_the_kinds_it_lists(admin_client, db, name):
    # Browsers run more kinds of file as a page of the site than any refusal list names
    # (.shtml, .xht, .es…): only images, documents, sound and video are taken.
    active = SimpleUploadedFile(name, b"<script>alert(1)</script>", content_type="text/html")
    response = admin_client.post(reverse("admin:blog_upload_add"), {"file": active, "alt_text": ""})
    assert response.status_code == 200 and not Upload.objects.exists()
    assert "ne sont pas acceptés" in response.content.decode()
    pdf = SimpleUploadedFile("devis.PDF", b"%PDF-1.4", content_type="application/pdf")
    admin_client.post(reverse("admin:blog_upload_add"), {"file": pdf, "alt_text": "Le devis"})
    assert Upload.objects.get().file.name.endswith("devis.PDF")


def test_upload_admin_refuses_a_file_larger_than_nginx_takes(admin_client, db, monkeypatch):
    monkeypatch.setattr("blog.forms.UPLOAD_MAX_MEGABYTES", 1)
    big = SimpleUploadedFile("film.mp4", b"0" * (1024 * 1024), content_type="video/mp4")
    response = admin_client.post(reverse("admin:blog_upload_add"), {"file": big, "alt_text": ""})
    assert "plus de 1\u00a0Mo" in response.content.decode() and not Upload.objects.exists()
    image = SimpleUploadedFile("grand.png", b"0" * (1024 * 1024), content_type="image/png")
    response = admin_client.post(reverse("admin:blog_post_upload"), {"file": image})
    assert response.status_code == 400 and not Upload.objects.exists()


# History ---------------------------------------------------------------------------------


def test_saving_changed_text_keeps_the_previous_version(author_client, staff_user, make_post):
    post = make_post(
        "Premier titre", body="Premier texte.", status=Post.Status.DRAFT, days_ago=None
    )
    url = reverse("admin:blog_post_change", args=[post.pk])
    author_client.post(url, post_form_data(title="Second titre", slug=post.slug, body="Second."))
    revision = PostRevision.objects.get()
    assert (revision.title, revision.body, revision.author) == (
        "Premier titre",
        "Premier texte.",
        staff_user,
    )
    post.refresh_from_db()
    assert post.body == "Second."
    # A save that changes no text (here: publishing) keeps no revision.
    author_client.post(
        url,
        post_form_data(title="Second titre", slug=post.slug, body="Second.", status="published"),
    )
    assert PostRevision.objects.count() == 1
    page = author_client.get(url).content.decode()
    assert "Premier titre" in page and "Voir cette version" in page


def test_restoring_a_version_keeps_the_replaced_text(author_client, staff_user, make_post):
    post = make_post("V1", body="Texte 1.")
    url = reverse("admin:blog_post_change", args=[post.pk])
    author_client.post(
        url,
        post_form_data(
            title="V2",
            slug=post.slug,
            body="Texte 2.",
            status="published",
            published_at_0=local_parts(post.published_at)[0],
            published_at_1=local_parts(post.published_at)[1],
        ),
    )
    revision = PostRevision.objects.get()
    restore_url = reverse("admin:blog_post_revision", args=[post.pk, revision.pk])
    page = author_client.get(restore_url)
    assert page.status_code == 200
    assert "-Texte 1." in page.content.decode() and "+Texte 2." in page.content.decode()
    response = author_client.post(restore_url)
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body) == ("V1", "Texte 1.")
    assert "Texte 1." in post.body_html
    newest = PostRevision.objects.first()
    assert (newest.title, newest.body, newest.author) == ("V2", "Texte 2.", staff_user)
    assert post.revisions.count() == 2


def test_versions_show_the_site_time_not_utc(admin_client, make_post, settings):
    assert settings.TIME_ZONE == "Europe/Paris"
    post = make_post("Titre")
    saved = datetime(2026, 1, 15, 10, 37, tzinfo=UTC)  # 11:37 in Paris
    revision = PostRevision.objects.create(post=post, title="Ancien", body="B", created_at=saved)
    for url in (
        reverse("admin:blog_post_change", args=[post.pk]),
        reverse("admin:blog_post_delete", args=[post.pk]),
        reverse("admin:blog_post_revision", args=[post.pk, revision.pk]),
    ):
        html = admin_client.get(url).content.decode()
        assert "11:37" in html and "10:37" not in html, url


def test_restore_revision_function(make_post):
    post = make_post("Avant", body="A")
    revision = PostRevision.objects.create(post=post, title="Ancien", body="B")
    restored = restore_revision(revision)
    assert (restored.title, restored.body) == ("Ancien", "B")
    assert post.revisions.filter(title="Avant", body="A").exists()


# Tags ------------------------------------------------------------------------------------


def test_tag_list_counts_posts(admin_client, make_post):
    make_post(tags=["ess", "et moi"])
    make_post(tags=["ess"])
    cl = admin_client.get(reverse("admin:taggit_tag_changelist")).context["cl"]
    counts = {tag.name: tag.post_total for tag in cl.result_list}
    assert counts == {"ess": 2, "et moi": 1}


def test_merge_action_asks_which_tag_to_keep_then_merges(admin_client, make_post):
    both = make_post(tags=["ESS", "economie-sociale"])
    one = make_post(tags=["economie-sociale"])
    keep = Tag.objects.get(name="ESS")
    gone = Tag.objects.get(name="economie-sociale")
    old_page = reverse("blog:tag", kwargs={"slug": gone.slug})
    url = reverse("admin:taggit_tag_changelist")
    selection = {"action": "merge_selected", "_selected_action": [keep.pk, gone.pk]}
    page = admin_client.post(url, selection)
    assert page.status_code == 200
    assert "Étiquette à garder" in page.content.decode()
    assert page.content.decode().count('name="keep"') == 2
    assert Tag.objects.count() == 2  # nothing merged before the choice
    response = admin_client.post(url, {**selection, "keep": keep.pk}, follow=True)
    assert response.status_code == 200
    assert list(Tag.objects.all()) == [keep]
    assert list(both.tags.names()) == ["ESS"]
    assert list(one.tags.names()) == ["ESS"]
    redirect = OldURL.objects.get(path=old_page)
    assert redirect.target == reverse("blog:tag", kwargs={"slug": keep.slug})


def test_merged_tag_page_answers_a_301(client, make_post):
    make_post(tags=["ess", "économie sociale"])
    keep, gone = Tag.objects.get(name="ess"), Tag.objects.get(name="économie sociale")
    gone_slug = gone.slug
    OldURL.objects.create(path="/tags/economie-sociale-old/", target=f"/tags/{gone_slug}/")
    assert merge_tags(keep, [gone]) == 0
    response = client.get(f"/tags/{gone_slug}/")
    assert response.status_code == 301 and response["Location"] == f"/tags/{keep.slug}/"
    # An older address that led to the merged tag now leads straight to the kept one.
    assert OldURL.objects.get(path="/tags/economie-sociale-old/").target == f"/tags/{keep.slug}/"


def test_merged_tag_feeds_lead_to_the_kept_tag_feeds(client, make_post):
    make_post(tags=["ess", "economie-sociale"])
    keep, gone = Tag.objects.get(name="ess"), Tag.objects.get(name="economie-sociale")
    merge_tags(keep, [gone])
    for feed in ("feed.xml", "atom.xml"):
        response = client.get(f"/tags/economie-sociale/{feed}")
        assert response.status_code == 301, feed
        assert response["Location"] == f"/tags/ess/{feed}"
        assert client.get(response["Location"]).status_code == 200


def test_merge_needs_two_tags(admin_client, make_post):
    make_post(tags=["ess"])
    tag = Tag.objects.get()
    response = admin_client.post(
        reverse("admin:taggit_tag_changelist"),
        {"action": "merge_selected", "_selected_action": [tag.pk]},
        follow=True,
    )
    assert "au moins deux" in response.content.decode()


def test_renaming_a_tag_moves_its_page_and_keeps_the_old_address(admin_client, client, make_post):
    make_post(tags=["ecoconception"])
    tag = Tag.objects.get()
    OldURL.objects.create(path="/tags/eco/", target="/tags/ecoconception/")
    response = admin_client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]),
        {"name": "sobriété", "slug": "ecoconception"},
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert tag.name == "sobriété" and tag.slug == tag.slugify("sobriété")
    new_page = reverse("blog:tag", kwargs={"slug": tag.slug})
    old = client.get("/tags/ecoconception/")
    assert old.status_code == 301 and old["Location"] == new_page
    assert OldURL.objects.get(path="/tags/eco/").target == new_page


def test_renaming_a_tag_onto_another_one_is_refused(admin_client, make_post):
    make_post(tags=["ess", "et moi"])
    tag = Tag.objects.get(name="et moi")
    response = admin_client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]), {"name": "et moi", "slug": "ess"}
    )
    assert response.status_code == 200
    assert "Fusionner" in response.content.decode()
    assert not OldURL.objects.exists()


def test_renaming_back_and_forth_never_loops(client, make_post):
    make_post(tags=["ess"])
    record_tag_rename("ess", "economie-sociale")
    record_tag_rename("economie-sociale", "ess")
    assert not OldURL.objects.filter(path="/tags/ess/").exists()
    assert OldURL.objects.get(path="/tags/economie-sociale/").target == "/tags/ess/"


# Categories ------------------------------------------------------------------------------


def test_category_list_counts_posts(admin_client, make_post):
    make_post(categories=["good_job"])
    make_post(categories=["good_job", "lectures"])
    cl = admin_client.get(reverse("admin:blog_category_changelist")).context["cl"]
    assert {c.slug: c.post_total for c in cl.result_list} == {"good_job": 2, "lectures": 1}


def test_changing_a_category_key_moves_its_page(admin_client, client, make_post):
    make_post(categories=["good_job"])
    category = Category.objects.get()
    OldURL.objects.create(path="/lubies/good_job/", target="/categories/good_job/")
    response = admin_client.post(
        reverse("admin:blog_category_change", args=[category.pk]),
        {"name": "Bon boulot", "slug": "bon_boulot", "description": ""},
    )
    assert response.status_code == 302
    old = client.get("/categories/good_job/")
    assert old.status_code == 301 and old["Location"] == "/categories/bon_boulot/"
    assert OldURL.objects.get(path="/lubies/good_job/").target == "/categories/bon_boulot/"
    assert client.get("/categories/bon_boulot/").status_code == 200


def test_renamed_tag_and_category_feeds_lead_to_the_new_feeds(admin_client, client, make_post):
    make_post(tags=["ecoconception"], categories=["good_job"])
    tag, category = Tag.objects.get(), Category.objects.get()
    admin_client.post(
        reverse("admin:taggit_tag_change", args=[tag.pk]),
        {"name": "sobriété", "slug": "sobriete"},
    )
    admin_client.post(
        reverse("admin:blog_category_change", args=[category.pk]),
        {"name": "Bon boulot", "slug": "bon_boulot", "description": ""},
    )
    for old, new in (
        ("/tags/ecoconception/", "/tags/sobriete/"),
        ("/categories/good_job/", "/categories/bon_boulot/"),
    ):
        for feed in ("feed.xml", "atom.xml"):
            response = client.get(old + feed)
            assert response.status_code == 301, old + feed
            assert response["Location"] == new + feed
            assert client.get(response["Location"]).status_code == 200


# Pages ------------------------------------------------------------------------------------


def page_form_data(**overrides) -> dict:
    data = {
        "title": "Une page",
        "slug": "une-page",
        "body": "Bonjour.",
        "description": "",
        "hard_wrap": "on",
        "markdown": "on",
        "is_published": "on",
        "menu_order": "0",
        "front_matter": "{}",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "slug", ["archives", "tags", "categories", "search", "contact", "admin", "media"]
)
def test_a_page_slug_the_site_already_answers_is_refused(admin_client, client, slug):
    response = admin_client.post(reverse("admin:blog_page_add"), page_form_data(slug=slug))
    assert response.status_code == 200
    assert not Page.objects.exists()
    errors = response.context["adminform"].form.errors["slug"]
    assert errors == [
        gettext("Another part of the site answers at %(address)s: choose another slug.")
        % {"address": f"/{slug}/"}
    ]


def test_a_free_page_slug_is_accepted_and_the_page_shown(admin_client, client, db):
    response = admin_client.post(reverse("admin:blog_page_add"), page_form_data(slug="feed"))
    assert response.status_code == 302
    assert client.get("/feed/").status_code == 200


def test_an_imported_page_at_a_taken_address_can_still_be_edited(admin_client, db):
    # The importer keeps an old /contact/ page (the contact form answers there now).
    page = Page.objects.create(title="Contact", slug="contact", body="Écrivez.")
    response = admin_client.post(
        reverse("admin:blog_page_change", args=[page.pk]),
        page_form_data(title="Contact", slug="contact", body="Écrivez-moi."),
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.body == "Écrivez-moi."
    response = admin_client.post(
        reverse("admin:blog_page_change", args=[page.pk]),
        page_form_data(title="Contact", slug="search", body="Écrivez-moi."),
    )
    assert response.status_code == 200 and "slug" in response.context["adminform"].form.errors


# In French everywhere ---------------------------------------------------------------------


def test_old_addresses_name_their_post_and_page_in_french(admin_client, make_post):
    old = OldURL.objects.create(path="/ancien/", post=make_post("Titre"))
    listing = admin_client.get(reverse("admin:blog_oldurl_changelist")).content.decode()
    form = admin_client.get(reverse("admin:blog_oldurl_change", args=[old.pk])).content.decode()
    assert ">Billet</a>" in listing and ">Post</a>" not in listing
    assert ">Billet\u00a0:</label>" in form and "Post\u00a0:" not in form


def test_deleting_a_post_lists_what_goes_with_it_in_french(admin_client, make_post):
    post = make_post("Titre", tags=["ess"], categories=["lectures"])
    html = admin_client.get(reverse("admin:blog_post_delete", args=[post.pk])).content.decode()
    assert "Relation" not in html and "object (" not in html
    assert capfirst(gettext("categories of posts")) + ": 1" in html
    assert gettext("“%(post)s” filed under “%(category)s”") % {
        "post": "Titre",
        "category": "lectures",
    } in html.replace("&quot;", '"').replace("&#x27;", "'")
    assert "Élément étiqueté: Titre étiquetés avec ess" in html  # taggit's own French


def test_a_refusal_in_the_admin_shows_the_french_403_page(client, make_post, settings):
    settings.DEBUG = False
    viewer = User.objects.create_user("lecteur", password="x", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_post"))
    client.force_login(viewer)
    post = make_post("Titre")
    revision = PostRevision.objects.create(post=post, title="Ancien", body="B")
    response = client.get(reverse("admin:blog_post_revision", args=[post.pk, revision.pk]))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Forbidden" not in html
    assert '<html lang="fr">' in html and '<meta name="robots" content="noindex">' in html
    assert f"<h1>{gettext('Access refused')}</h1>" in html
    assert 'href="/">Retour à l’accueil</a>' in html


def test_permissions_are_offered_under_french_names(admin_client, staff_user):
    add_post = Permission.objects.get(codename="add_post")
    french = gettext("Can add %(name)s") % {"name": gettext("post")}
    assert add_post.name == french != "Can add post"
    # Django's own models too, so the list of rights reads in one language.
    assert Permission.objects.get(codename="view_user").name == gettext("Can view %(name)s") % {
        "name": gettext("user")
    }
    html = admin_client.get(reverse("admin:auth_user_change", args=[staff_user.pk])).content
    assert french in html.decode()
    for english in ("Can add post", "Can change category", "Can view user", "Can delete tag"):
        assert english not in html.decode()


# Site identity and index -----------------------------------------------------------------


def test_site_identity_is_a_single_row(admin_client, settings):
    settings.SITE_TITLE = "Carnet d’essai"
    response = admin_client.get(reverse("admin:blog_siteidentity_changelist"))
    assert response["Location"] == reverse("admin:blog_siteidentity_add")
    add = admin_client.get(response["Location"])
    assert 'value="Carnet d’essai"' in add.content.decode()
    admin_client.post(
        reverse("admin:blog_siteidentity_add"),
        {"title": "Mon carnet", "tagline": "", "author_name": "", "contact_intro": "", "links": ""},
    )
    identity = SiteIdentity.objects.get()
    response = admin_client.get(reverse("admin:blog_siteidentity_changelist"))
    assert response["Location"] == reverse("admin:blog_siteidentity_change", args=[identity.pk])
    assert admin_client.get(reverse("admin:blog_siteidentity_add")).status_code == 403
    delete = reverse("admin:blog_siteidentity_delete", args=[identity.pk])
    assert admin_client.get(delete).status_code == 403
    assert SiteIdentity.current().title == "Mon carnet"


def test_a_link_line_without_its_bar_is_refused_and_named(admin_client, db):
    links = "Mastodon | https://mastodon.example/@elise\n\nGitHub https://github.com/elise"
    response = admin_client.post(
        reverse("admin:blog_siteidentity_add"),
        {
            "title": "Mon carnet",
            "tagline": "",
            "author_name": "",
            "contact_intro": "",
            "links": links,
        },
    )
    assert response.status_code == 200
    assert not SiteIdentity.objects.exists()
    assert response.context["adminform"].form.errors["links"] == [
        gettext("“%(line)s”: write each link as “label | address”.")
        % {"line": "GitHub https://github.com/elise"}
    ]


def test_admin_index_shows_drafts_scheduled_posts_and_unread_messages(admin_client, make_post):
    make_post("Brouillon en cours", status=Post.Status.DRAFT, days_ago=None)
    make_post("Billet de demain", days_ago=-1)
    make_post("Déjà en ligne")
    try:
        from contact.models import Message
    except ImportError:
        Message = None
    if Message is not None:
        Message.objects.create(name="Ana", email="ana@example.org", message="Bonjour")
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "1 brouillon" in html and "Brouillon en cours" in html
    assert "1 billet programmé" in html and "Billet de demain" in html
    assert "Déjà en ligne" not in html.split('id="carnet-desk"')[1].split("</div>")[0]
    if Message is not None:
        assert "1 message non lu" in html
        inbox = reverse("admin:contact_message_changelist") + "?status__exact=new"
        assert f'href="{inbox}"' in html
        assert admin_client.get(inbox).context["cl"].result_count == 1


def test_admin_is_in_french(admin_client, make_post):
    make_post()
    html = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "Publier maintenant les billets sélectionnés" in html
    assert "Dépublier les billets sélectionnés" in html
    assert "État" in html


def test_tag_suggestions_are_escaped(admin_client, make_post):
    make_post(tags=['"><script>alert(1)</script>'])
    html = admin_client.get(reverse("admin:blog_post_add")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert (
        json.loads(html.split('data-carnet-labels="')[1].split('"')[0].replace("&quot;", '"'))[
            "preview"
        ]
        == "Prévisualiser"
    )
