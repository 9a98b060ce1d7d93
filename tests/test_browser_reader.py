"""A reader's walk in headless Chromium: home → post → tag → category → search → about.

Each page is saved under tests/screenshots/reader-*.png, to be looked at; the walk also checks
that no request leaves the site and that the pages work with JavaScript turned off.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Category, Page, Post

pytestmark = pytest.mark.browser

BODY = """Parce que 2016 a été une année un brin éprouvante, j’ai enfin cédé à mes propres \
tentations : je me lance en solo pour essayer de changer — un peu — le monde.

<!--more-->

## En résumé

Début 2017, je quitte ma boîte et me lance à mon compte, avec l’envie d’apporter mes \
compétences à des projets qui ont du sens, sur mon territoire.

- m’adresser aux porteuses et porteurs de projet de l’**économie sociale et solidaire** ;
- travailler avec d’autres professionnel·les, du numérique ou d’ailleurs ;
- inscrire mes activités dans une structure collective, une *coopérative* peut-être.

> Les concepts qui me tiennent chaud en ce moment : communs, open source, écoconception.

## Du culturel au numérique

Il y a huit ans, je terminais mes études en gestion de projets culturels. Voir aussi \
[la Louve](https://cooplalouve.fr/), supermarché coopératif parisien, et `git log`.
"""


def make_content() -> Post:
    now = timezone.now()
    good_job, _ = Category.objects.get_or_create(
        slug="good-job",
        defaults={"name": "Good job", "description": "Le journal de bord d’une indépendante."},
    )
    posts = []
    titles = [
        "Sauter à pieds joints dans le bain nouveau de 2017",
        "À mon compte + 2 mois",
        "Une épicerie coopérative à Nancy",
        "Écoconception : alléger ses pages web",
    ]
    for number, title in enumerate(titles):
        post = Post.objects.create(
            title=title,
            slug=f"billet-{number}",
            body=BODY,
            status=Post.Status.PUBLISHED,
            published_at=now - timedelta(days=30 * number + 1),
        )
        post.tags.add("et moi", "ess", *(["écoconception"] if number % 2 else []))
        post.categories.add(good_job)
        posts.append(post)
    Post.objects.create(title="Brouillon secret", slug="brouillon", body="Chut.")
    Page.objects.create(
        title="À propos",
        slug="a-propos",
        body="Développeuse web indépendante, dans les Vosges.\n\nJ’écris ici depuis 2016.",
        show_in_menu=True,
    )
    return posts[0]


def shoot(page, name: str) -> None:
    page.screenshot(path=str(page.screenshot_dir / f"reader-{name}.png"), full_page=True)


def test_reader_walks_home_post_tag_category_search_about(browser_page, live_server):
    page = browser_page
    first = make_content()
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith(live_server.url) or request.url.startswith("data:")
            else outside.append(request.url)
        ),
    )

    page.goto("/")
    assert page.locator("h2").first.inner_text() == first.title
    assert page.get_by_text("Brouillon secret").count() == 0
    shoot(page, "home")

    page.get_by_role("link", name=first.title, exact=True).first.click()
    page.wait_for_url(f"**{first.get_absolute_url()}")
    assert page.locator("h1").inner_text() == first.title
    assert page.get_by_role("link", name="Écrivez-moi").count() == 1
    shoot(page, "post")

    page.locator(".post-footer").get_by_role("link", name="#et moi").click()
    page.wait_for_url("**/tags/et-moi/")
    assert page.locator("h1").inner_text() == "#et moi"
    assert page.locator(".post-summary").count() == 4
    shoot(page, "tag")

    page.locator(".post-summary .meta").get_by_role("link", name="Good job").first.click()
    page.wait_for_url("**/categories/good-job/")
    assert page.locator("h1").inner_text() == "Good job"
    shoot(page, "category")

    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Rechercher"
    ).click()
    page.get_by_label("Mots à chercher").fill("cooperative")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/search/?q=cooperative")
    assert page.locator(".search-result").count() == 4
    assert page.locator(".search-result mark").first.inner_text().lower().startswith("coopérati")
    shoot(page, "search")

    page.get_by_role("link", name="À propos").click()
    page.wait_for_url("**/a-propos/")
    assert page.locator("h1").inner_text() == "À propos"
    shoot(page, "about")

    assert outside == []


def test_phone_dark_mode_and_no_javascript(browser_page, live_server):
    first = make_content()
    browser = browser_page.context.browser
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=1,
        color_scheme="dark",
        java_script_enabled=False,
        locale="fr-FR",
    )
    page = context.new_page()
    try:
        page.goto(first.get_absolute_url())
        # Nothing wider than the screen: no sideways scrolling on a phone.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(22, 23, 20)"
        page.screenshot(path=str(browser_page.screenshot_dir / "reader-post-phone-dark.png"))
        page.goto("/search/?q=cooperative")
        assert page.locator(".search-result").count() == 4
        page.goto("/")
        page.keyboard.press("Tab")
        skip = page.locator(".skip-link")
        assert skip.evaluate("element => element === document.activeElement")
        assert skip.bounding_box()["y"] >= 0  # visible once focused
        page.screenshot(path=str(browser_page.screenshot_dir / "reader-home-phone-dark.png"))
    finally:
        context.close()
