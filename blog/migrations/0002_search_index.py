"""The full-text index of posts: an FTS5 table kept in sync by triggers on SQLite; on
PostgreSQL a stored French tsvector column with a GIN index. Nothing on other databases."""

from django.db import migrations


def create(apps, schema_editor):
    from blog.search import create_search_index

    create_search_index(schema_editor.connection)


def drop(apps, schema_editor):
    from blog.search import drop_search_index

    drop_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
