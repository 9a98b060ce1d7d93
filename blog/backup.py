"""Backups of the whole site in one archive: the database as portable JSON, and the media folder.

The database goes through Django's `dumpdata --natural-foreign`, not through `pg_dump` or a
copy of the SQLite file: one format for both engines, which can also move a site from SQLite
to PostgreSQL. Content types and permissions are left out (`migrate` recreates them, under
other ids, and natural foreign keys name them), as are sessions and login-throttle records.
Primary keys are kept as they are (restore wants an empty database, so none clash): with
`--natural-primary`, django-taggit's tagged items, whose natural key is the object id alone,
would merge a post's tags into one. Times are kept to the millisecond (Django's JSON).

An archive `carnet-YYYYMMDD-HHMMSS.tar.gz` holds:
    manifest.json   format version, date, database engine, row counts
    data.json       the database
    media/…         the uploaded and imported files
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from io import StringIO
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem

from blog.cache import one_bump
from blog.models import Post, SiteIdentity
from blog.summaries import refresh_stale_summaries
from blog.taxonomy import repair_tag_addresses

FORMAT_VERSION = 1
ARCHIVE_PREFIX = "carnet-"
ARCHIVE_SUFFIX = ".tar.gz"
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "axes"]


class BackupError(Exception):
    """An archive that cannot be made or restored, with the reason in plain words."""


@dataclass
class BackupReport:
    path: Path
    counts: dict[str, int] = field(default_factory=dict)
    media_files: int = 0


def dump_database(destination: Path) -> None:
    """Write the database to `destination` as JSON, from one consistent snapshot.

    One transaction: on SQLite it holds the write lock (the site opens immediate
    transactions), so no write lands halfway through the dump; on PostgreSQL a repeatable-read
    transaction reads one snapshot while the site goes on writing.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=EXCLUDED,
            output=str(destination),
            stdout=StringIO(),
        )


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def _free_name(directory: Path, moment: datetime) -> Path:
    stem = f"{ARCHIVE_PREFIX}{timezone.localtime(moment):%Y%m%d-%H%M%S}"
    path = directory / f"{stem}{ARCHIVE_SUFFIX}"
    number = 1
    while path.exists():
        number += 1
        path = directory / f"{stem}-{number}{ARCHIVE_SUFFIX}"
    return path


def create_backup(directory: Path, now: datetime | None = None) -> BackupReport:
    """Write a new archive of the database and the media folder into `directory`.

    The archive is readable by its owner only: it holds password hashes and readers'
    messages. It is written under a temporary name and renamed when complete, so a
    crash never leaves a truncated archive that looks like a good one.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = now or timezone.now()
    target = _free_name(directory, now)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as work:
        data = Path(work) / "data.json"
        dump_database(data)
        counts = Counter(record["model"] for record in json.loads(data.read_text("utf-8")))
        media = _media_files(media_root)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.isoformat(),
            "database": connection.vendor,
            "counts": dict(sorted(counts.items())),
            "media_files": len(media),
        }
        partial = target.with_name(f".{target.name}.part")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                os.chmod(partial, 0o600)
                manifest_path = Path(work) / "manifest.json"
                manifest_path.write_text(json.dumps(manifest, indent=2), "utf-8")
                archive.add(manifest_path, arcname="manifest.json")
                archive.add(data, arcname="data.json")
                for path in media:
                    archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
    return BackupReport(path=target, counts=manifest["counts"], media_files=len(media))


def prune_backups(directory: Path, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives in `directory`; return what was deleted."""
    archives = sorted(
        Path(directory).glob(f"{ARCHIVE_PREFIX}*{ARCHIVE_SUFFIX}"),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    removed = archives[keep:] if keep > 0 else []
    for path in removed:
        path.unlink()
    return removed


def _extract(archive: Path, work: Path) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar.getmembers():
                name = member.name
                if name not in ("manifest.json", "data.json") and not name.startswith("media/"):
                    raise BackupError(f"{archive}: unexpected entry {name!r}")
            # The "data" filter refuses absolute paths, `..`, links out and device files.
            tar.extractall(work, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise BackupError(f"{archive}: not a readable backup archive ({error})") from error
    try:
        manifest = json.loads((work / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive}: no readable manifest.json") from error
    if manifest.get("format") != FORMAT_VERSION or not (work / "data.json").is_file():
        raise BackupError(f"{archive}: not a Carnet backup of format {FORMAT_VERSION}")
    return manifest


def _check_database_empty(labels: set[str]) -> None:
    occupied = []
    for label in sorted(labels):
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError) as error:
            raise BackupError(
                f"the archive holds {label}, which this site does not know"
            ) from error
        if model._default_manager.exists():
            occupied.append(label)
    if occupied:
        raise BackupError(
            "restore needs an empty database (a fresh `migrate`); these already hold rows: "
            + ", ".join(occupied)
        )


def _check_media_free(source: Path, media_root: Path) -> tuple[list[Path], int]:
    """The archive's media files to copy, and how many it holds. A file already there with
    the same bytes is kept (the media folder survived the database); another is a clash."""
    files = _media_files(source)
    to_copy, clashes = [], []
    for path in files:
        there = media_root / path.relative_to(source)
        if not there.exists():
            to_copy.append(path)
        elif not there.is_file() or not filecmp.cmp(path, there, shallow=False):
            clashes.append(path)
    if clashes:
        names = ", ".join(str(path.relative_to(source)) for path in clashes[:5])
        raise BackupError(
            f"{len(clashes)} media file(s) already exist in {media_root}, with other contents: "
            f"{names}"
        )
    return to_copy, len(files)


def restore_backup(archive: Path) -> BackupReport:
    """Load an archive made by `create_backup` into an empty database and media folder.

    Everything is checked before anything is written: the archive, the empty database,
    media files that would be overwritten. The database is loaded in one transaction.
    """
    archive = Path(archive)
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        manifest = _extract(archive, work)
        data = work / "data.json"
        try:
            records = json.loads(data.read_text("utf-8"))
        except ValueError as error:
            raise BackupError(f"{archive}: data.json is not valid JSON") from error
        _check_database_empty({record["model"] for record in records})
        media, media_count = _check_media_free(work / "media", media_root)
        # One stamp change for the whole load, rather than one per row.
        with one_bump():
            call_command("loaddata", str(data), stdout=StringIO())
        for path in media:
            destination = media_root / path.relative_to(work / "media")
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
    # loaddata saves rows raw, past SiteIdentity.save() and the signals that render the frame
    # around pages and each post's entry in lists (from another version, maybe).
    identity = SiteIdentity.objects.first()
    if identity is not None:
        identity.refresh_frame()
    # A backup from an earlier version may hold tags without an address, which no entry
    # can show.
    repaired = repair_tag_addresses(Tag, TaggedItem, ContentType.objects.get_for_model(Post).pk)
    Post.objects.filter(pk__in=repaired).update(summary_key="")
    refresh_stale_summaries()
    # The same for readers' messages, from before the inbox's folded search.
    from contact.models import Message

    Message.objects.fill_search_documents()
    return BackupReport(path=archive, counts=manifest.get("counts", {}), media_files=media_count)
