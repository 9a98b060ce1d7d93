"""Public pages: what each list and post page shows, what it hides, and what it costs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from blog.models import Category, Page, Post, SiteIdentity


def html(response) -> str:
    return response.content.decode()


def hidden_posts(make_post, **fields):
    """A draft and a post scheduled for tomorrow, with distinctive titles."""
    draft = make_post("Brouillon secret", status=Post.Status.DRAFT, **fields)
    future = make_post("Billet de demain", days_ago=-1, **fields)
    return draft, future


def assert_hidden(page: str) -> None:
    assert "Brouillon secret" not in page
    assert "Billet de demain" not in page


# -- Home ------------------------------------------------------------------------------------


def test_home_lists_newest_first_with_french_dates_in_the_site_time_zone(client, make_post):
    # 23:30 UTC on 2 January is already 3 January in Paris.
    make_post("Le solo", published_at=datetime(2017, 1, 2, 23, 30, tzinfo=UTC))
    make_post("Le premier", published_at=datetime(2017, 2, 1, 9, 0, tzinfo=UTC))
    page = html(client.get("/"))
    assert page.index("Le premier") < page.index("Le solo")
    assert "3 janvier 2017" in page
    assert "1er février 2017" in page
    assert 'datetime="2017-01-03T00:30:00+01:00"' in page


def test_home_shows_reading_time_categories_tags_and_excerpt(client, make_post):
    words = " ".join(["mot"] * 600)
    post = make_post(
        "Long billet",
        body=f"Le *début*.\n\n<!--more-->\n\n{words}",
        tags=["et moi", "écoconception"],
        categories=["good-job"],
    )
    page = html(client.get("/"))
    assert "<p>Le <em>début</em>.</p>" in page
    assert "mot mot" not in page  # the excerpt only
    assert "4 min de lecture" in page
    assert 'href="/categories/good-job/"' in page
    assert 'href="/tags/et-moi/">#et moi</a>' in page
    assert 'href="/tags/ecoconception/">#écoconception</a>' in page
    assert f'<a href="{post.get_absolute_url()}">Lire la suite' in page


def test_read_more_only_when_the_post_goes_on(client, make_post):
    make_post("Court", body="Un seul paragraphe.")
    assert "Lire la suite" not in html(client.get("/"))
    make_post("Long", body="Début.\n\n<!--more-->\n\nSuite.")
    assert html(client.get("/")).count("Lire la suite") == 1


def test_home_paginates_by_ten(client, make_post):
    for day in range(12):
        make_post(f"Billet numéro {day}", days_ago=day + 1)
    first = html(client.get("/"))
    assert first.count('class="post-summary"') == 10
    assert "Billet numéro 0<" in first and "Billet numéro 10<" not in first
    second = html(client.get("/?page=2"))
    assert second.count('class="post-summary"') == 2
    assert "Billet numéro 11<" in second
    assert client.get("/?page=3").status_code == 404


def test_home_links_the_next_page_only_when_there_is_one(client, make_post):
    for day in range(20):
        make_post(f"Billet numéro {day}", days_ago=day + 1)
    first = html(client.get("/"))
    assert 'rel="next" href="/?page=2"' in first and 'rel="prev"' not in first
    assert "Page 1<" in first and "Page 1 sur" not in first
    second = html(client.get("/?page=2"))
    # Exactly two full pages: the second reads one post past its end and finds none.
    assert second.count('class="post-summary"') == 10
    assert 'rel="prev" href="/?page=1"' in second or 'rel="prev" href="/"' in second
    assert 'rel="next"' not in second
    assert "Billets, page 2" in second
    assert client.get("/?page=3").status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "deux", "99"])
def test_home_page_numbers_that_lead_nowhere_are_404(client, make_post, page):
    make_post("Seul billet")
    assert client.get(f"/?page={page}").status_code == 404


def test_home_last_page_is_still_found(client, make_post):
    for day in range(12):
        make_post(f"Billet numéro {day}", days_ago=day + 1)
    assert html(client.get("/?page=last")).count('class="post-summary"') == 2


def test_home_with_nothing_published_says_so(client, db):
    page = html(client.get("/"))
    assert "Rien de publié pour l’instant." in page
    assert 'class="pagination"' not in page


def test_drafts_and_future_posts_never_on_home(client, make_post):
    make_post("Visible")
    hidden_posts(make_post)
    page = html(client.get("/"))
    assert "Visible" in page
    assert_hidden(page)


# -- A post ----------------------------------------------------------------------------------


def test_post_page_shows_dates_reading_time_links_and_body(client, make_post):
    post = make_post(
        "Solo",
        body="Intro.\n\n<!--more-->\n\n## La suite\n\nTexte.",
        published_at=datetime(2017, 1, 3, 10, 0, tzinfo=UTC),
        updated_at=datetime(2017, 3, 1, 10, 0, tzinfo=UTC),
        tags=["ess"],
        categories=["good-job"],
    )
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    assert "<h1>Solo</h1>" in page
    assert "Publié le <time" in page and "3 janvier 2017" in page
    assert "mis à jour le" in page and "1er mars 2017" in page
    assert ">La suite</h2>" in page
    assert 'href="/categories/good-job/"' in page
    assert 'href="/tags/ess/"' in page
    assert "1 min de lecture" in page


def test_update_on_the_same_day_is_not_repeated(client, make_post):
    at = datetime(2017, 1, 3, 10, 0, tzinfo=UTC)
    post = make_post("Solo", published_at=at, updated_at=at + timedelta(hours=2))
    assert "mis à jour" not in html(client.get(post.get_absolute_url()))


def test_post_page_links_previous_and_next_published_posts(client, make_post):
    older = make_post("Plus ancien", days_ago=5)
    make_post("Brouillon entre", status=Post.Status.DRAFT, days_ago=4)
    post = make_post("Celui-ci", days_ago=3)
    make_post("Programmé", days_ago=-2)
    newer = make_post("Plus récent", days_ago=1)
    page = html(client.get(post.get_absolute_url()))
    assert f'<a href="{older.get_absolute_url()}" rel="prev">Plus ancien</a>' in page
    assert f'<a href="{newer.get_absolute_url()}" rel="next">Plus récent</a>' in page
    assert "Brouillon entre" not in page and "Programmé" not in page


def test_related_posts_share_the_most_tags_and_are_published(client, make_post):
    post = make_post("Sujet", tags=["a", "b", "c"])
    one = make_post("Un tag en commun", tags=["a"], days_ago=2)
    three = make_post("Trois tags en commun", tags=["a", "b", "c"], days_ago=5)
    two = make_post("Deux tags en commun", tags=["b", "c", "z"], days_ago=3)
    make_post("Sans rapport", tags=["z"])
    hidden_posts(make_post, tags=["a", "b", "c"])
    page = html(client.get(post.get_absolute_url()))
    related = page[page.index('class="related"') :]
    assert related.index(three.title) < related.index(two.title) < related.index(one.title)
    assert "Sans rapport" not in related
    assert_hidden(page)


def test_post_invites_to_write_with_its_title_as_subject(client, make_post):
    try:
        form = reverse("contact:form")
    except NoReverseMatch:
        pytest.skip("the contact form is not there yet")
    post = make_post("Café & coopératives ?")
    page = html(client.get(post.get_absolute_url()))
    assert f'href="{form}?subject=Caf%C3%A9+%26+coop%C3%A9ratives+%3F"' in page


def test_wrong_date_in_a_post_address_redirects_to_the_right_one(client, make_post):
    post = make_post("Solo", published_at=datetime(2017, 1, 3, 10, 0, tzinfo=UTC))
    response = client.get("/2016/12/31/" + post.slug + "/")
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()


def test_drafts_and_future_posts_answer_404_to_readers(client, make_post, django_user_model):
    draft, future = hidden_posts(make_post)
    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("blog:draft", kwargs={"pk": draft.pk})).status_code == 404
    reader = django_user_model.objects.create_user("lecteur", password="x")
    client.force_login(reader)
    assert client.get(future.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("dated", [True, False])
def test_staff_preview_a_draft_never_cached_and_noindex(client, make_post, admin_user, dated):
    draft = make_post(
        "Brouillon", status=Post.Status.DRAFT, days_ago=1 if dated else None, tags=["t"]
    )
    client.force_login(admin_user)
    response = client.get(reverse("blog:draft", kwargs={"pk": draft.pk}), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == ([(draft.get_absolute_url(), 301)] if dated else [])
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-cache", "no-store"} <= directives
    page = html(response)
    assert '<meta name="robots" content="noindex">' in page
    assert "brouillon, les lecteurs ne le voient pas" in page


def test_staff_preview_a_scheduled_post_at_its_address(client, make_post, admin_user):
    future = make_post("Demain", days_ago=-1)
    client.force_login(admin_user)
    response = client.get(future.get_absolute_url())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "ce billet sera publié le" in html(response)
    assert '<meta name="robots" content="noindex">' in html(response)


@pytest.mark.parametrize("codename", ["view_post", "change_post"])
def test_only_staff_who_may_read_posts_preview_them(client, make_post, django_user_model, codename):
    from django.contrib.auth.models import Permission

    undated = make_post("Brouillon sans date", status=Post.Status.DRAFT, days_ago=None)
    draft, future = hidden_posts(make_post)
    addresses = [
        reverse("blog:draft", kwargs={"pk": undated.pk}),
        draft.get_absolute_url(),
        future.get_absolute_url(),
    ]
    staff = django_user_model.objects.create_user("stagiaire", password="x", is_staff=True)
    client.force_login(staff)
    for url in addresses:
        assert client.get(url).status_code == 404, url
    staff.user_permissions.add(Permission.objects.get(codename=codename))
    for url in addresses:
        assert client.get(url).status_code == 200, url


def test_published_post_has_no_preview_marks(client, make_post, admin_user):
    post = make_post("Publié")
    client.force_login(admin_user)
    response = client.get(post.get_absolute_url())
    assert "noindex" not in html(response)
    assert "no-store" not in response.get("Cache-Control", "")


# -- Categories and tags ---------------------------------------------------------------------


def test_category_page_shows_name_description_and_its_published_posts(client, make_post):
    make_post("Dans la catégorie", categories=["good-job"])
    make_post("Ailleurs", categories=["autre"])
    hidden_posts(make_post, categories=["good-job"])
    Category.objects.filter(slug="good-job").update(name="Good job", description="Le travail.")
    response = client.get("/categories/good-job/")
    page = html(response)
    assert "<h1>Good job</h1>" in page and "Le travail." in page
    assert "Dans la catégorie" in page and "Ailleurs" not in page
    assert "1 billet" in page
    assert_hidden(page)


def test_category_page_paginates(client, make_post):
    for day in range(11):
        make_post(f"Catégorisé {day}", days_ago=day + 1, categories=["c"])
    assert html(client.get("/categories/c/")).count('class="post-summary"') == 10
    assert html(client.get("/categories/c/?page=2")).count('class="post-summary"') == 1


def test_unknown_or_draft_only_category_and_tag_answer_404(client, make_post):
    hidden_posts(make_post, categories=["cachee"], tags=["secret"])
    assert client.get("/categories/inconnue/").status_code == 404
    assert client.get("/categories/cachee/").status_code == 404
    assert client.get("/tags/inconnu/").status_code == 404
    assert client.get("/tags/secret/").status_code == 404


def test_category_list_counts_published_posts_only(client, make_post):
    make_post(categories=["good-job"])
    make_post(categories=["good-job"])
    hidden_posts(make_post, categories=["good-job", "cachee"])
    page = html(client.get(reverse("blog:categories")))
    assert 'href="/categories/good-job/"' in page and "2 billets" in page
    assert "cachee" not in page


def test_tag_page_lists_its_published_posts(client, make_post):
    make_post("Étiqueté", tags=["et moi"])
    make_post("Pas étiqueté", tags=["autre"])
    hidden_posts(make_post, tags=["et moi"])
    page = html(client.get("/tags/et-moi/"))
    assert "<h1>#et moi</h1>" in page
    assert "Étiqueté" in page and "Pas étiqueté" not in page
    assert_hidden(page)


def test_tag_index_counts_published_posts_only(client, make_post):
    make_post(tags=["ess", "et moi"])
    make_post(tags=["ess"])
    hidden_posts(make_post, tags=["ess", "secret"])
    make_post(tags=["écoconception", "zéro déchet", "Ruby"])
    page = html(client.get(reverse("blog:tags")))
    order = [page.index(f">#{name} <") for name in ("écoconception", "ess", "et moi", "Ruby")]
    assert order == sorted(order)  # accents and capitals sort as a French reader expects
    assert '#ess <span class="count">2 billets</span>' in page
    assert '#et moi <span class="count">1 billet</span>' in page
    assert "secret" not in page


# -- Archives --------------------------------------------------------------------------------


def test_archives_group_by_year_in_the_site_time_zone(client, make_post):
    # 23:30 UTC on 31 December 2016 is already 2017 in Paris.
    make_post("Nouvel an", published_at=datetime(2016, 12, 31, 23, 30, tzinfo=UTC))
    make_post("Automne", published_at=datetime(2016, 10, 1, 12, 0, tzinfo=UTC))
    hidden_posts(make_post)
    page = html(client.get(reverse("blog:archives")))
    assert page.index('href="/2017/"') < page.index("Nouvel an") < page.index('href="/2016/"')
    assert page.index('href="/2016/"') < page.index("Automne")
    assert_hidden(page)


def test_year_and_month_archives(client, make_post):
    make_post("Nouvel an", published_at=datetime(2016, 12, 31, 23, 30, tzinfo=UTC))
    make_post("Janvier", published_at=datetime(2017, 1, 15, 12, 0, tzinfo=UTC))
    make_post("Mars", published_at=datetime(2017, 3, 15, 12, 0, tzinfo=UTC))
    make_post(
        "Brouillon secret", status=Post.Status.DRAFT, published_at=datetime(2017, 1, 2, tzinfo=UTC)
    )
    year = html(client.get("/2017/"))
    assert "Nouvel an" in year and "Mars" in year and "Brouillon secret" not in year
    assert 'href="/2017/01/">janvier</a>' in year and 'href="/2017/03/">mars</a>' in year
    month = html(client.get("/2017/01/"))
    assert "Nouvel an" in month and "Janvier" in month and "Mars" not in month
    assert "Brouillon secret" not in month
    assert client.get("/2017/02/").status_code == 404
    assert client.get("/2015/").status_code == 404


def test_future_posts_make_no_archive(client, make_post):
    make_post("Billet de demain", published_at=timezone.now() + timedelta(days=400))
    year = timezone.localtime(timezone.now() + timedelta(days=400)).year
    assert client.get(f"/{year}/").status_code == 404


# -- Pages, errors ---------------------------------------------------------------------------


def test_page_rendered_from_markdown_and_in_the_menu(client, db):
    Page.objects.create(
        title="À propos", slug="a-propos", body="Je suis *développeuse*.", show_in_menu=True
    )
    Page.objects.create(title="Mentions légales", slug="mentions", body="Hébergeur.")
    response = client.get("/a-propos/")
    page = html(response)
    assert response.status_code == 200
    assert "<h1>À propos</h1>" in page and "Je suis <em>développeuse</em>." in page
    assert '<a href="/a-propos/" aria-current="page">À propos</a>' in page
    assert 'href="/mentions/"' not in page  # not in the menu
    assert client.get("/mentions/").status_code == 200


def test_unpublished_page_answers_404(client, db):
    Page.objects.create(title="Bientôt", slug="bientot", is_published=False)
    assert client.get("/bientot/").status_code == 404


def test_404_page_is_in_french(client, db, settings):
    settings.DEBUG = False
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    page = html(response)
    assert "Page introuvable" in page
    assert '<html lang="fr">' in page
    assert '<meta name="robots" content="noindex">' in page
    # A missing address is nobody's canonical address.
    assert 'rel="canonical"' not in page and "og:url" not in page


def test_500_page_is_in_french_and_stands_alone():
    from django.template.loader import render_to_string

    # Rendered without a request, as Django's server_error view does.
    page = render_to_string("500.html")
    assert "Quelque chose s’est cassé de notre côté" in page
    assert '<html lang="fr">' in page


# -- Query counts ----------------------------------------------------------------------------


def populate(make_post, count: int) -> Post:
    """`count` published posts with many tags and two categories each; the last one."""
    post = None
    for number in range(count):
        post = make_post(
            f"Billet {number}",
            days_ago=number + 1,
            tags=[f"tag-{(number + k) % 12}" for k in range(6)],
            categories=["commune", f"cat-{number % 4}"],
        )
    return post


def count_queries(client, url: str) -> int:
    client.get(url)  # warm the caches (site identity, menu, content types), as in production
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize(
    ("url", "limit", "first"),
    [
        # Lists read each post's stored entry (blog.summaries). The home page does not
        # count them (blog.pagination): one query. Others count them, then read the page.
        ("/", 1, 3),
        ("/?page=2", 1, 12),
        ("/categories/commune/", 3, 3),
        ("/tags/tag-1/", 3, 3),
        ("/categories/", 5, 3),
        ("/tags/", 5, 3),
        ("/archives/", 5, 3),
    ],
)
def test_list_pages_cost_a_fixed_number_of_queries(client, make_post, url, limit, first):
    SiteIdentity.current()
    populate(make_post, first)
    few = count_queries(client, url)
    populate(make_post, 30)
    many = count_queries(client, url)
    assert few == many <= limit, (url, few, many)


def test_post_page_costs_at_most_six_queries_whatever_the_tags(
    client, make_post, django_assert_max_num_queries
):
    few = count_queries(client, populate(make_post, 3).get_absolute_url())
    post = populate(make_post, 30)
    post.tags.add(*[f"encore-{n}" for n in range(20)])
    many = count_queries(client, post.get_absolute_url())
    assert few == many
    with django_assert_max_num_queries(6):
        client.get(post.get_absolute_url())
