"""Tags created before blog.signals.give_tag_an_address whose slug the tag page's address
cannot hold (empty for `{}` or `🙂`, or not ASCII) had an unreachable page and broke the pages
that listed them: they get one now, and the entries of their posts are rendered again."""

from django.db import migrations


def give_addresses(apps, schema_editor):
    from blog.taxonomy import repair_tag_addresses

    content_type = (
        apps.get_model("contenttypes", "ContentType")
        .objects.filter(app_label="blog", model="post")
        .first()
    )
    posts = repair_tag_addresses(
        apps.get_model("taggit", "Tag"),
        apps.get_model("taggit", "TaggedItem"),
        content_type.pk if content_type else None,
    )
    # Stale: `migrate` renders them once it is done (blog.signals).
    apps.get_model("blog", "Post").objects.filter(pk__in=posts).update(summary_key="")


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_post_summary"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(give_addresses, migrations.RunPython.noop, elidable=True),
    ]
