"""The home page's query, compiled once (blog.prepared): the same rows as the ORM's, at any time."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from blog.prepared import PreparedQuery
from blog.summaries import Entry
from blog.views import NEWEST_ENTRIES, listed_posts


def orm_page(start: int, stop: int, now=None) -> list[tuple]:
    posts = Post.objects.published(now).only("summary_html", "summary_key")[start:stop]
    return [(post.pk, post.summary_html, post.summary_key) for post in posts]


def as_tuples(entries: list[Entry]) -> list[tuple]:
    return [(entry.pk, entry.summary_html, entry.summary_key) for entry in entries]


@pytest.fixture
def blog(make_post):
    now = timezone.now()
    # Three posts at the same minute: the order falls back on the id, as Meta.ordering says.
    for n in range(3):
        make_post(f"Même minute {n}", published_at=now - timedelta(days=2))
    for day in range(3, 25):
        make_post(f"Billet {day}", days_ago=day)
    make_post("Brouillon", status=Post.Status.DRAFT)
    make_post("Programmé", published_at=now + timedelta(hours=2))
    return now


@pytest.mark.parametrize(("start", "stop"), [(0, 11), (10, 21), (20, 31), (0, 1), (24, 40)])
def test_pages_are_the_orms_pages(blog, start, stop):
    assert as_tuples(NEWEST_ENTRIES[start:stop]) == orm_page(start, stop)


def test_the_home_page_lists_what_other_lists_list(blog):
    assert {entry.pk for entry in NEWEST_ENTRIES[0:100]} == set(
        listed_posts().values_list("pk", flat=True)
    )


def test_a_scheduled_post_appears_at_its_time_and_not_before(blog):
    scheduled = Post.objects.get(title="Programmé")
    assert scheduled.pk not in {entry.pk for entry in NEWEST_ENTRIES[0:100]}
    at_its_time = NEWEST_ENTRIES.rows(0, 1, now=scheduled.published_at)
    assert at_its_time[0].pk == scheduled.pk
    just_before = NEWEST_ENTRIES.rows(0, 1, now=scheduled.published_at - timedelta(seconds=1))
    assert just_before[0].pk != scheduled.pk
    later = blog + timedelta(days=1)
    assert as_tuples(NEWEST_ENTRIES.rows(0, 11, now=later)) == orm_page(0, 11, now=later)


def test_it_is_one_query_and_compiled_once(blog):
    NEWEST_ENTRIES[0:11]
    with CaptureQueriesContext(connection) as queries:
        NEWEST_ENTRIES[0:11]
        NEWEST_ENTRIES[10:21]
    assert len(queries) == 2
    assert all("LIMIT" in query["sql"] for query in queries)


def test_database_values_become_python_values(blog):
    dates = PreparedQuery(lambda now: Post.objects.published(now).values_list("pk", "published_at"))
    expected = list(Post.objects.published().values_list("pk", "published_at")[:5])
    assert dates[0:5] == expected
    assert all(timezone.is_aware(published_at) for _pk, published_at in dates[0:5])


def test_count_is_the_orms(blog):
    assert NEWEST_ENTRIES.count() == Post.objects.published().count() == 25


def test_a_query_that_does_not_ask_about_now_is_refused(db):
    everything = PreparedQuery(lambda now: Post.objects.values_list("pk"))
    with pytest.raises(ValueError, match="one time"):
        everything[0:10]


@pytest.mark.parametrize("index", [3, slice(0, None), slice(0, 10, 2)])
def test_it_is_read_by_pages_only(db, index):
    with pytest.raises(TypeError):
        NEWEST_ENTRIES[index]


def test_a_backwards_slice_is_empty_and_a_negative_one_refused(blog):
    # As with a queryset: SQLite would read a negative LIMIT as no limit at all.
    assert NEWEST_ENTRIES[3:1] == [] == orm_page(3, 1)
    with pytest.raises(ValueError, match="negative"):
        NEWEST_ENTRIES[-2:5]
