"""Tags created before blog.signals.give_tag_an_address whose slug is empty (`{}`, `🙂`) had a
page no address could reach, and broke the pages that listed them: they get one now."""

from django.db import migrations


def give_addresses(apps, schema_editor):
    from blog.taxonomy import addressable_tag_slug

    Tag = apps.get_model("taggit", "Tag")
    for tag in Tag.objects.filter(slug__regex=r"^(_[0-9]+)?$"):
        tag.slug = addressable_tag_slug(tag.name, tag.slug)
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0003_post_summary"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunPython(give_addresses, migrations.RunPython.noop, elidable=True),
    ]
