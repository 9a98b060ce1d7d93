import unicodedata

from django.db import migrations, models


def folded(text):
    # As blog.models.folded when this migration was written: lower-cased, no accents.
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fill_search_documents(apps, schema_editor):
    Message = apps.get_model("contact", "Message")
    messages = Message.objects.only("name", "email", "subject", "message")
    for message in messages.iterator(chunk_size=500):
        message.search_document = folded(
            " ".join((message.name, message.email, message.subject, message.message))
        )
        message.save(update_fields=["search_document"])


class Migration(migrations.Migration):
    """The inbox's search ignores accents and case, as the post list's does."""

    dependencies = [
        ("contact", "0001_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="message",
            name="search_document",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
    ]
