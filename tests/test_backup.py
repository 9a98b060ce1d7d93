"""Backups: `backup_site` writes one archive, `restore_site` brings the whole site back from it."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import tarfile
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from blog.backup import create_backup, prune_backups
from blog.models import Category, OldURL, Page, Post, PostRevision, SiteIdentity, Upload
from contact.models import Message

PASSWORD = "un mot de passe assez long"
PHOTO = b"\x89PNG\r\n\x1a\n pas vraiment une image, mais des octets"


def run(command: str, *args, **options) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def site(make_post, settings):
    """A little of everything a site holds, in the database and in the media folder."""
    author = get_user_model().objects.create_superuser("claire", "claire@example.org", PASSWORD)
    now = timezone.now()
    post = make_post(
        "Coopérative et écoconception",
        body="Un texte sur la **coopérative**.\n\n<!--more-->\n\nLa suite.",
        tags=["et moi", "écoconception"],
        categories=["lubies"],
        old_permalink="https://ancien.example/2017/01/03/cooperative.html",
    )
    make_post("Brouillon", status=Post.Status.DRAFT, days_ago=None)
    make_post("Plus tard", published_at=now + timedelta(days=2), tags=["et moi"])
    PostRevision.objects.create(post=post, title="Ancien titre", body="Avant.", author=author)
    page = Page.objects.create(title="À propos", slug="a-propos", body="Moi.", show_in_menu=True)
    OldURL.objects.create(path="/2017/01/03/cooperative.html", post=post)
    OldURL.objects.create(path="/a-propos.html", page=page)
    SiteIdentity.objects.create(title="Mon carnet", tagline="Des notes.")
    Message.objects.create(
        name="Lectrice", email="lectrice@example.org", subject="Bravo", message="Merci !"
    )
    upload = Upload(alt_text="une photo")
    upload.file.save("photo.png", ContentFile(PHOTO))
    imported = Path(settings.MEDIA_ROOT) / "img" / "2017" / "carte.jpg"
    imported.parent.mkdir(parents=True)
    imported.write_bytes(b"une carte")
    return post


def to_millisecond(moment):
    # JSON (DjangoJSONEncoder) keeps times to the millisecond: what a backup can promise.
    return moment and moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def snapshot() -> dict:
    """What the site holds, in terms that survive new primary keys for users and types."""
    return {
        "posts": sorted(
            (
                p.title,
                p.slug,
                p.status,
                to_millisecond(p.published_at),
                p.body,
                p.body_html,
                p.excerpt_html,
                p.old_permalink,
                sorted(p.tags.names()),
                sorted(c.slug for c in p.categories.all()),
            )
            for p in Post.objects.all()
        ),
        "revisions": sorted(
            (r.post.slug, r.title, r.author.username if r.author else None)
            for r in PostRevision.objects.all()
        ),
        "pages": sorted(Page.objects.values_list("slug", "title", "body_html", "show_in_menu")),
        "old_urls": sorted(
            (o.path, o.destination()) for o in OldURL.objects.select_related("post", "page")
        ),
        "tags": sorted(Tag.objects.values_list("name", "slug")),
        "categories": sorted(Category.objects.values_list("slug", "name")),
        "identity": list(SiteIdentity.objects.values_list("title", "tagline")),
        "messages": sorted(Message.objects.values_list("name", "email", "subject", "message")),
        "uploads": sorted(Upload.objects.values_list("file", "alt_text")),
        "users": sorted(get_user_model().objects.values_list("username", "is_superuser")),
    }


def empty_the_site(media_root: Path) -> None:
    """What a new server starts from: a freshly migrated database, no media."""
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(media_root, ignore_errors=True)
    cache.clear()


# transactional_db: `flush` (a fresh database) cannot run inside a test's transaction on
# PostgreSQL, whose deferred foreign-key checks are still pending there.
def test_backup_then_restore_brings_the_whole_site_back(
    transactional_db, site, settings, tmp_path, client
):
    before = snapshot()
    output = run("backup_site", output_dir=tmp_path / "backups")
    archives = list((tmp_path / "backups").glob("carnet-*.tar.gz"))
    assert len(archives) == 1
    archive = archives[0]
    assert str(archive) in output
    # Password hashes and readers' messages: readable by its owner only.
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.load(tar.extractfile("manifest.json"))
    upload_name = Upload.objects.get().file.name
    assert {"manifest.json", "data.json", f"media/{upload_name}", "media/img/2017/carte.jpg"} <= (
        names
    )
    assert manifest["counts"]["blog.post"] == 3
    assert manifest["counts"]["contact.message"] == 1
    assert manifest["media_files"] == 2
    assert not any(label.startswith(("contenttypes.", "sessions.")) for label in manifest["counts"])

    media_root = Path(settings.MEDIA_ROOT)
    empty_the_site(media_root)
    assert not Post.objects.exists()
    assert not get_user_model().objects.exists()

    output = run("restore_site", str(archive))
    assert "2 media files" in output
    assert snapshot() == before
    assert (media_root / upload_name).read_bytes() == PHOTO
    assert (media_root / "img" / "2017" / "carte.jpg").read_bytes() == b"une carte"
    # The account works with its old password; the site shows the restored content.
    login = client.post(reverse("admin:login"), {"username": "claire", "password": PASSWORD})
    assert login.status_code == 302
    home = client.get(reverse("blog:home"))
    assert "Mon carnet" in home.content.decode()
    assert "Coopérative et écoconception" in home.content.decode()
    found = client.get(reverse("blog:search"), {"q": "cooperative"})
    assert site.get_absolute_url() in found.content.decode()  # the full-text index too
    old = client.get("/2017/01/03/cooperative.html")
    assert old.status_code == 301
    assert old["Location"] == site.get_absolute_url()


def test_restore_refuses_a_site_that_is_not_empty(site, tmp_path):
    archive = create_backup(tmp_path).path
    with pytest.raises(CommandError, match="empty database"):
        run("restore_site", str(archive))
    assert Post.objects.count() == 3


def test_restore_after_losing_the_database_keeps_the_media_folder_that_survived(
    transactional_db, site, settings, tmp_path
):
    archive = create_backup(tmp_path).path
    media_root = Path(settings.MEDIA_ROOT)
    before = snapshot()
    # The database is lost; the media folder, the same files, is still there.
    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    output = run("restore_site", str(archive))
    assert "2 media files" in output
    assert snapshot() == before
    assert (media_root / "img" / "2017" / "carte.jpg").read_bytes() == b"une carte"


def test_restore_refuses_to_overwrite_media_and_writes_nothing(
    transactional_db, site, settings, tmp_path
):
    archive = create_backup(tmp_path).path
    media_root = Path(settings.MEDIA_ROOT)
    empty_the_site(media_root)
    clash = media_root / "img" / "2017" / "carte.jpg"
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"une autre carte")
    with pytest.raises(CommandError, match="already exist"):
        run("restore_site", str(archive))
    assert not Post.objects.exists()
    assert clash.read_bytes() == b"une autre carte"


@pytest.mark.parametrize("name", ["../evil.txt", "media/../../evil.txt", "/tmp/evil.txt"])
def test_restore_refuses_an_archive_that_writes_outside_its_folders(db, settings, tmp_path, name):
    good = create_backup(tmp_path / "good").path
    # Where the entry would land, from the temporary folder restore extracts into.
    escaped = Path(tempfile.gettempdir()) / "evil.txt"
    existed = escaped.exists()
    # The same archive with one hostile entry added.
    archive = tmp_path / "hostile.tar.gz"
    with tarfile.open(good) as source, tarfile.open(archive, "w:gz") as target:
        for member in source.getmembers():
            target.addfile(member, source.extractfile(member))
        info = tarfile.TarInfo(name)
        payload = b"gotcha"
        info.size = len(payload)
        target.addfile(info, io.BytesIO(payload))
    with pytest.raises(CommandError):
        run("restore_site", str(archive))
    assert existed or not escaped.exists()
    assert not Post.objects.exists()


def test_restore_refuses_what_is_not_a_backup(db, tmp_path):
    junk = tmp_path / "notes.tar.gz"
    junk.write_text("pas une archive")
    with pytest.raises(CommandError, match="not a readable backup"):
        run("restore_site", str(junk))
    with pytest.raises(CommandError, match="does not exist"):
        run("restore_site", str(tmp_path / "absent.tar.gz"))


def test_backup_keeps_only_the_newest_archives_when_asked(db, tmp_path):
    folder = tmp_path / "backups"
    moments = [timezone.now() - timedelta(days=days) for days in (3, 2, 1)]
    made = [create_backup(folder, now=moment).path for moment in moments]
    for age, path in enumerate(reversed(made)):
        # Oldest first by modification time, as cron would have left them.
        stamp = (timezone.now() - timedelta(days=age + 1)).timestamp()
        os.utime(path, (stamp, stamp))
    output = run("backup_site", output_dir=folder, keep=2)
    left = sorted(folder.glob("carnet-*.tar.gz"))
    assert len(left) == 2
    assert made[0] not in left and made[1] not in left  # the two oldest went
    assert "Deleted old backup" in output
    assert prune_backups(folder, 0) == []
    with pytest.raises(CommandError):
        run("backup_site", output_dir=folder, keep=-1)


def test_two_backups_in_the_same_second_do_not_overwrite_each_other(db, tmp_path):
    moment = timezone.now()
    first = create_backup(tmp_path, now=moment).path
    second = create_backup(tmp_path, now=moment).path
    assert first != second
    assert first.exists() and second.exists()
