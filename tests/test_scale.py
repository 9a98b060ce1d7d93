"""With 10,000 posts and 2,000 tags, every public page keeps its query budget."""

import pytest
from django.db import connection
from django.urls import reverse
from taggit.models import Tag

from blog.management.commands.generate_posts import generate_posts
from blog.models import Category, Post

BUDGETS = {"home": 1, "post": 6, "category": 3, "tag": 3, "feed": 4}


@pytest.fixture
def big_blog(db):
    generate_posts(10_000, 2_000, render=False)
    return Post.objects.published()


def test_query_budgets_hold_with_ten_thousand_posts(
    big_blog, client, django_assert_max_num_queries
):
    post = big_blog[5000]
    tag = Tag.objects.filter(taggit_taggeditem_items__isnull=False).first()
    category = Category.objects.first()
    pages = {
        "home": reverse("blog:home"),
        "post": post.get_absolute_url(),
        "category": category.get_absolute_url(),
        "tag": reverse("blog:tag", kwargs={"slug": tag.slug}),
        "feed": "/feed.xml",
    }
    client.get("/")  # the site identity is read once, then served from the cache
    for name, url in pages.items():
        for query in ("", "?page=2"):
            if query and name in ("post", "feed"):
                continue
            with django_assert_max_num_queries(BUDGETS[name]):
                response = client.get(url + query)
            assert response.status_code == 200, (name, url + query)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_home_query_uses_an_index(big_blog):
    sql, params = (
        Post.objects.published().order_by("-published_at", "-id")[:10].query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "USING INDEX" in plan and "post_" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_tag_page_query_starts_from_the_tag_after_a_bulk_load(big_blog):
    """generate_posts and import_posts refresh SQLite's statistics (ANALYZE); without them
    SQLite walks every post by date and checks its tags."""
    tag = Tag.objects.get(slug="etiquette-1")
    query = Post.objects.published().filter(tags=tag).order_by("-published_at", "-id")[:10]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        steps = [row[-1] for row in cursor.fetchall()]
    assert steps[0].startswith("SEARCH taggit_taggeditem USING INDEX"), steps
