"""Full-text search over published posts: PostgreSQL with French stemming, SQLite with FTS5.

Both engines search `Post.search_document` (lower-cased, accent-free text computed on save), and
the reader's words are folded the same way, so `cooperative` finds `coopérative`. The matching
passage is then cut and highlighted in Python from the post's real text, accents included, the
same way on both engines.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from blog.models import Post, plain_search_text

# A reader's query is cut to this many characters and words: a longer one is not a search.
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
# Ranking more results than this is wasted work: nobody reads page 51.
MAX_RESULTS = 500
POSTGRES_CONFIG = "french"

WORD = re.compile(r"\w+")


def search_terms(query: str) -> list[str]:
    """The reader's words, folded like `Post.search_document` (see `plain_search_text`)."""
    folded = plain_search_text((query or "")[:MAX_QUERY_LENGTH])
    terms: list[str] = []
    for term in WORD.findall(folded):
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def ranked_post_ids(terms: list[str]) -> list[int]:
    """Published posts matching every term, best first."""
    if not terms:
        return []
    if connection.vendor == "postgresql":
        return _postgresql_ids(terms)
    if connection.vendor == "sqlite":
        return _sqlite_ids(terms)
    return _fallback_ids(terms)


def _postgresql_ids(terms: list[str]) -> list[int]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField

    # The stored tsvector column of migration 0002 (not a model field: it exists on
    # PostgreSQL only). Ranking from it costs a read, not a to_tsvector of every match.
    vector = RawSQL("blog_post.search_vector", [], output_field=SearchVectorField())
    # Each word a prefix of the stored lexemes: the French stemmer keeps some plurals
    # (`vélos` stays `velos`), so `velo` alone would miss them. Terms are runs of \w: safe.
    query = SearchQuery(
        " & ".join(f"{_singular(term)}:*" for term in terms),
        config=POSTGRES_CONFIG,
        search_type="raw",
    )
    return list(
        Post.objects.published()
        .annotate(document=vector, rank=SearchRank(vector, query))
        .filter(document=query)
        .order_by("-rank", "-published_at", "-id")
        .values_list("pk", flat=True)[:MAX_RESULTS]
    )


def _sqlite_ids(terms: list[str]) -> list[int]:
    # Terms are runs of \w, so quoting them makes a valid FTS5 string; the trailing * makes
    # each a prefix, the nearest FTS5 has to stemming (`cooperative` finds `cooperatives`).
    match = " ".join(f'"{_singular(term)}"*' for term in terms)
    published = Post.objects.published().order_by().values("pk")
    published_sql, published_params = published.query.sql_with_params()
    # bm25 is lower for better matches; a word of the title weighs ten of the body.
    # published_sql is Django's own SQL for published(), its values passed as parameters.
    # The + keeps SQLite from handing `rowid IN` to FTS5, which then runs the MATCH once per
    # published post: 100 times slower at 3,000 posts (bench/search.py).
    where = f"blog_post_fts MATCH %s AND +rowid IN ({published_sql})"
    sql = (
        "SELECT rowid FROM blog_post_fts WHERE "  # noqa: S608
        + where
        + " ORDER BY bm25(blog_post_fts, 10.0, 1.0), rowid DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *published_params, MAX_RESULTS])
        return [row[0] for row in cursor.fetchall()]


def _singular(term: str) -> str:
    """The word without a plural s or x, so that as a prefix it finds the singular too
    (`economies` finds `economie`)."""
    return term[:-1] if len(term) > 3 and term[-1] in "sx" else term


def _fallback_ids(terms: list[str]) -> list[int]:
    """Other databases: every word present, newest first (no ranking)."""
    condition = Q()
    for term in terms:
        condition &= Q(search_document__contains=term)
    return list(Post.objects.published().filter(condition).values_list("pk", flat=True))


# -- Highlighting ---------------------------------------------------------------------------


def _stem(term: str) -> str:
    """A crude French stem, only to decide which words to highlight (ranking is the DB's)."""
    if len(term) > 3 and term[-1] in "sx":
        term = term[:-1]
    if len(term) > 5:
        term = term[:-2]
    return term


@lru_cache(maxsize=8192)
def _fold(word: str) -> str:
    """One word as `plain_search_text` folds it (cached: a text repeats its words)."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _matches(text: str, stems: list[str]) -> list[tuple[int, int, str]]:
    """(start, end, stem) of each word of `text` that one of the stems begins; a stem of one or
    two letters (the `l` of "l'été") only marks itself, not every word it begins."""
    found = []
    for word in WORD.finditer(text):
        folded = _fold(word.group())
        for stem in stems:
            if folded.startswith(stem) and (len(stem) > 2 or folded == stem):
                found.append((word.start(), word.end(), stem))
                break
    return found


def _marked(text: str, matches: list[tuple[int, int, str]], start: int, end: int) -> str:
    pieces, position = [], start
    for match_start, match_end, _term in matches:
        if match_start < start or match_end > end:
            continue
        pieces.append(escape(text[position:match_start]))
        pieces.append(f"<mark>{escape(text[match_start:match_end])}</mark>")
        position = match_end
    pieces.append(escape(text[position:end]))
    return "".join(pieces)


def highlight(text: str, terms: list[str]) -> SafeString:
    """All of `text`, escaped, with the words matching the terms in <mark>."""
    matches = _matches(text, [_stem(term) for term in terms])
    return mark_safe(_marked(text, matches, 0, len(text)))  # noqa: S308 (escaped above)


def passage(text: str, terms: list[str], length: int = 280) -> SafeString:
    """The part of `text` around the most terms, escaped, with the matches in <mark>."""
    matches = _matches(text, [_stem(term) for term in terms])
    start = 0
    if matches:
        # The window that holds the most different terms, the earliest if tied.
        best = -1
        for first, _end, _term in matches[:200]:
            window = max(0, first - length // 5)
            inside = {term for ms, me, term in matches if window <= ms and me <= window + length}
            if len(inside) > best:
                best, start = len(inside), window
    end = min(len(text), start + length)
    # Cut at word boundaries, so no half word opens or closes the passage.
    if start > 0:
        space = text.find(" ", start, start + 30)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 30, end)
        end = space if space > start else end
    body = _marked(text, matches, start, end)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(f"{prefix}{body}{suffix}")  # noqa: S308 (escaped by _marked)


def plain_text(body_html: str) -> str:
    """The text a reader sees of stored HTML, on one line."""
    return " ".join(html.unescape(strip_tags(body_html)).split())


@dataclass
class SearchResult:
    post: Post
    title: SafeString
    passage: SafeString


def results_for(posts: list[Post], terms: list[str]) -> list[SearchResult]:
    return [
        SearchResult(
            post=post,
            title=highlight(post.title, terms),
            passage=passage(plain_text(post.body_html) or post.description, terms),
        )
        for post in posts
    ]


# -- Index upkeep on SQLite -----------------------------------------------------------------

# An external-content FTS5 table: it stores only the index and reads the text from blog_post.
# remove_diacritics also folds the accents of titles, which search_document already has none of.
SQLITE_CREATE = """CREATE VIRTUAL TABLE IF NOT EXISTS blog_post_fts USING fts5(
    title, search_document, content='blog_post', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)"""
SQLITE_TRIGGERS = {
    "blog_post_fts_insert": """CREATE TRIGGER IF NOT EXISTS blog_post_fts_insert
        AFTER INSERT ON blog_post BEGIN
        INSERT INTO blog_post_fts(rowid, title, search_document)
        VALUES (new.id, new.title, new.search_document);
        END""",
    "blog_post_fts_delete": """CREATE TRIGGER IF NOT EXISTS blog_post_fts_delete
        AFTER DELETE ON blog_post BEGIN
        INSERT INTO blog_post_fts(blog_post_fts, rowid, title, search_document)
        VALUES ('delete', old.id, old.title, old.search_document);
        END""",
    "blog_post_fts_update": """CREATE TRIGGER IF NOT EXISTS blog_post_fts_update
        AFTER UPDATE OF title, search_document ON blog_post BEGIN
        INSERT INTO blog_post_fts(blog_post_fts, rowid, title, search_document)
        VALUES ('delete', old.id, old.title, old.search_document);
        INSERT INTO blog_post_fts(rowid, title, search_document)
        VALUES (new.id, new.title, new.search_document);
        END""",
}
SQLITE_REBUILD = "INSERT INTO blog_post_fts(blog_post_fts) VALUES ('rebuild')"
# The expression Django writes for SearchVector("search_document", config="french").
# A generated column: PostgreSQL keeps it in step with search_document on every write, bulk
# ones included. (A later migration changing search_document must drop it first.)
POSTGRES_CREATE = [
    """ALTER TABLE blog_post ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('french'::regconfig, COALESCE(search_document, '')))
    STORED""",
    "CREATE INDEX IF NOT EXISTS blog_post_search_fr_idx ON blog_post USING gin (search_vector)",
]


def create_search_index(db: BaseDatabaseWrapper) -> None:
    """Build the search index of the database `db` (called by migration 0002)."""
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            for statement in [SQLITE_CREATE, *SQLITE_TRIGGERS.values()]:
                cursor.execute(statement)
            cursor.execute(SQLITE_REBUILD)
        elif db.vendor == "postgresql":
            for statement in POSTGRES_CREATE:
                cursor.execute(statement)


def drop_search_index(db: BaseDatabaseWrapper) -> None:
    with db.cursor() as cursor:
        if db.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute("DROP TABLE IF EXISTS blog_post_fts")
        elif db.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS blog_post_search_fr_idx")
            cursor.execute("ALTER TABLE blog_post DROP COLUMN IF EXISTS search_vector")


def repair_search_index(db: BaseDatabaseWrapper) -> bool:
    """Put back the SQLite triggers a migration dropped; True when the index was rebuilt.

    Django alters a SQLite table by copying it to a new one and dropping the old, which drops
    its triggers with it: after such a migration the index would silently stop following.
    """
    if db.vendor != "sqlite":
        return False
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE name = %s OR name LIKE %s",
            ["blog_post_fts", "blog_post_fts_%"],
        )
        present = {name for _type, name in cursor.fetchall()}
    if "blog_post_fts" not in present or set(SQLITE_TRIGGERS) <= present:
        return False
    create_search_index(db)
    return True
