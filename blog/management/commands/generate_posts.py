"""Create many published posts with tags and categories, for benchmarks and scale tests."""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from blog.cache import one_bump
from blog.importer import refresh_query_statistics
from blog.models import Category, Post
from blog.summaries import refresh_summaries

WORDS = [
    "coopérative",
    "écoconception",
    "logiciel",
    "libre",
    "territoire",
    "commun",
    "design",
    "code",
    "sobriété",
    "web",
    "association",
    "projet",
    "habitant",
    "outil",
    "numérique",
    "mutualisation",
    "prototype",
]


def generate_posts(count: int, tag_count: int, *, render: bool = True, seed: int = 7) -> None:
    """Bulk-create `count` published posts over `tag_count` tags and five categories.

    With render=False the HTML is a copy of the text: enough for query counts, and fast.
    """
    rng = random.Random(seed)
    with one_bump(), transaction.atomic():
        categories = [
            Category.objects.get_or_create(slug=f"cat{i}", defaults={"name": f"Catégorie {i}"})[0]
            for i in range(5)
        ]
        Tag.objects.bulk_create(
            [Tag(name=f"étiquette {i}", slug=f"etiquette-{i}") for i in range(tag_count)],
            ignore_conflicts=True,
        )
        tags = list(Tag.objects.all())
        start = Post.objects.count()
        now = timezone.now()
        posts = []
        for i in range(start, start + count):
            body = "\n\n".join(" ".join(rng.choices(WORDS, k=60)) for _ in range(6))
            post = Post(
                title=f"Billet {i}",
                slug=f"billet-genere-{i}",
                status=Post.Status.PUBLISHED,
                published_at=now - timedelta(hours=i + 1),
                body=f"{body[:200]}\n\n<!--more-->\n\n{body}",
            )
            if render:
                post.render()
            else:
                post.body_html = post.excerpt_html = post.body
                post.has_more = True
            posts.append(post)
        created = Post.objects.bulk_create(posts, batch_size=500)
        content_type = ContentType.objects.get_for_model(Post)
        links, items = [], []
        for post in created:
            links.append(
                Post.categories.through(post_id=post.id, category_id=rng.choice(categories).id)
            )
            for tag in rng.sample(tags, k=min(4, len(tags))):
                items.append(TaggedItem(content_type=content_type, object_id=post.id, tag=tag))
        Post.categories.through.objects.bulk_create(links, batch_size=1000)
        TaggedItem.objects.bulk_create(items, batch_size=1000)
        refresh_summaries(post.id for post in created)
    refresh_query_statistics()


class Command(BaseCommand):
    help = "Create many published posts (benchmarks and scale tests)."

    def add_arguments(self, parser):
        parser.add_argument("--posts", type=int, default=100)
        parser.add_argument("--tags", type=int, default=200)
        parser.add_argument("--no-render", action="store_true")

    def handle(self, *args, **options):
        generate_posts(options["posts"], options["tags"], render=not options["no_render"])
        self.stdout.write(f"{Post.objects.count()} posts")
