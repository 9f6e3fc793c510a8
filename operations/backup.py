"""Making a backup set: the database, the media files and a manifest that vouches for both.

A set (see ``operations.sets``) holds:

- ``database.sqlite3.gz`` or ``database.pgdump``: the dump (operations.connectors);
- ``media.tar.gz``: every file in the default storage (uploaded documents and
  generated files), taken after the database, so no row of the dump points at a file
  the archive lacks;
- ``manifest.json``, written last: the Delaktig version, the applied migrations, the
  time, rows per model (counted in the dumped data itself) and the size and SHA-256 of
  every part as stored, plus a SHA-256 of the manifest's own content.

With ``DBBACKUP_GPG_RECIPIENT`` set, each part is GPG-encrypted (django-dbbackup's
``encrypt_file``) before it is stored, since the set holds personal data. Parts are
stored with mode 0600 (STORAGES["backups"]). Nothing locks the site: readers and writers
go on while the dump reads its snapshot.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import BinaryIO

import django
from dbbackup import utils as dbbackup_utils
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .connectors import CHUNK, connector_for_database
from .sets import MANIFEST, backup_storage, list_sets, set_name_for, sets_to_keep

MANIFEST_FORMAT = 1
Progress = Callable[[str], None]


class BackupFailed(RuntimeError):
    pass


def delaktig_version() -> str:
    return version("delaktig")


def model_tables() -> dict[str, str]:
    """{model label: table} for every table Django manages (many-to-many tables included)
    that the database has: a set from an older version lacks the newer ones."""
    present = set(connection.introspection.table_names())
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and not meta.swapped and meta.db_table in present:
            tables[meta.label_lower] = meta.db_table
    return tables


def sha256_of(path: Path) -> str:
    with open(path, "rb") as file:
        return copy_hashing(file, None)


def copy_hashing(source: BinaryIO, target: BinaryIO | None) -> str:
    """Copy ``source`` to ``target`` (if any) in chunks; the SHA-256 of what was read."""
    digest = hashlib.sha256()
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest()


def manifest_digest(manifest: dict) -> str:
    """SHA-256 of the manifest without its own "sha256" key, in a canonical form."""
    body = {key: value for key, value in manifest.items() if key != "sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def walk_storage(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file name in a storage, depth first, in a stable order."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for name in sorted(folders):
        yield from walk_storage(storage, f"{folder}/{name}" if folder else name)


def write_media_archive(target: Path, progress: Progress) -> int:
    """A tar of every file in the default storage; returns how many files it holds."""
    names = list(walk_storage(default_storage))
    added = 0
    with tarfile.open(target, "w") as archive:
        for number, name in enumerate(names, 1):
            try:
                file = default_storage.open(name, "rb")
            except FileNotFoundError:  # deleted since it was listed: nothing to keep
                continue
            with file:
                info = tarfile.TarInfo(name)
                info.size = default_storage.size(name)
                info.mtime = int(timezone.now().timestamp())
                info.mode = 0o600
                archive.addfile(info, file)
            added += 1
            if number % 100 == 0 or number == len(names):
                progress(_("  media: %(done)s of %(all)s") % {"done": number, "all": len(names)})
    # What the archive holds, which the restore checks: not what was listed.
    return added


def gzip_file(source: Path, target: Path) -> None:
    with open(source, "rb") as raw, gzip.open(target, "wb", compresslevel=6) as packed:
        shutil.copyfileobj(raw, packed, CHUNK)


def encrypt(source: Path, target: Path) -> None:
    """GPG-encrypt to DBBACKUP_GPG_RECIPIENT through django-dbbackup."""
    with open(source, "rb") as raw:
        try:
            encrypted, _name = dbbackup_utils.encrypt_file(raw, source.name)
        except dbbackup_utils.EncryptionError as error:
            raise BackupFailed(f"GPG encryption failed: {error}") from error
    with encrypted, open(target, "wb") as out:
        encrypted.seek(0)
        shutil.copyfileobj(encrypted, out, CHUNK)


@dataclass
class StoredPart:
    file: str
    size: int
    sha256: str

    def as_dict(self) -> dict:
        return {"file": self.file, "size": self.size, "sha256": self.sha256}


def store_part(storage: Storage, set_name: str, path: Path, *, compress: bool) -> StoredPart:
    """Compress and encrypt as configured, then save under the set; size and hash as stored."""
    if compress:
        packed = path.with_name(path.name + ".gz")
        gzip_file(path, packed)
        path = packed
    if settings.DBBACKUP_GPG_RECIPIENT:
        sealed = path.with_name(path.name + ".gpg")
        encrypt(path, sealed)
        path = sealed
    name = f"{set_name}/{path.name}"
    with open(path, "rb") as file:
        saved = storage.save(name, File(file, name=path.name))
    if saved != name:
        raise BackupFailed(f"The storage saved {name} as {saved}.")
    return StoredPart(path.name, path.stat().st_size, sha256_of(path))


@dataclass
class BackupResult:
    name: str
    size: int
    manifest: dict
    deleted: list[str]


def create_backup(
    *,
    progress: Progress = lambda line: None,
    now: datetime | None = None,
    storage: Storage | None = None,
    retention: bool = True,
) -> BackupResult:
    """Write one complete set; apply retention afterwards. Raises BackupFailed."""
    storage = storage or backup_storage()
    started = now or timezone.now()
    name = set_name_for(started)
    while storage.exists(name):  # two sets within one second: the later one waits its turn
        started += timedelta(seconds=1)
        name = set_name_for(started)
    connector = connector_for_database()
    tables = model_tables()
    with tempfile.TemporaryDirectory(prefix="delaktig-backup-") as scratch:
        scratch_dir = Path(scratch)
        dump = scratch_dir / f"database.{connector.extension}"
        progress(_("Dumping the database …"))
        snapshot = connector.dump(dump, tables)
        # pg_dump's custom format is compressed already.
        database = store_part(storage, name, dump, compress=connection.vendor == "sqlite")
        progress(_("  database: %(size)s") % {"size": filesizeformat(database.size)})
        progress(_("Archiving the media files …"))
        media_tar = scratch_dir / "media.tar"
        media_files = write_media_archive(media_tar, progress)
        media = store_part(storage, name, media_tar, compress=True)
        progress(
            _("  media: %(count)s files, %(size)s")
            % {"count": media_files, "size": filesizeformat(media.size)}
        )
    manifest = {
        "format": MANIFEST_FORMAT,
        "name": name,
        "site": settings.BACKUP_SITE_NAME,
        "created": started.isoformat(),
        "delaktig_version": delaktig_version(),
        "django_version": django.get_version(),
        "database_vendor": connection.vendor,
        "encrypted": bool(settings.DBBACKUP_GPG_RECIPIENT),
        "migrations": snapshot.migrations,
        "row_counts": snapshot.row_counts,
        "parts": {
            "database": database.as_dict(),
            "media": {**media.as_dict(), "files": media_files},
        },
    }
    manifest["sha256"] = manifest_digest(manifest)
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    with tempfile.TemporaryFile() as file:
        file.write(body)
        file.seek(0)
        storage.save(f"{name}/{MANIFEST}", File(file, name=MANIFEST))
    size = database.size + media.size + len(body)
    deleted = apply_retention(storage, now=started) if retention else []
    return BackupResult(name, size, manifest, deleted)


def delete_set(storage: Storage, name: str) -> None:
    for file in walk_storage(storage, name):
        storage.delete(file)
    storage.delete(name)  # the folder itself, where the storage has folders


def apply_retention(storage: Storage, *, now: datetime) -> list[str]:
    """Delete the sets retention does not keep; returns their names.

    Unfinished sets (no manifest) older than a day are deleted too: a backup that died.
    """
    found = list_sets(storage)
    complete = [found_set for found_set in found if found_set.complete]
    keep = sets_to_keep(
        [found_set.created for found_set in complete],
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
        now=now,
    )
    deleted = []
    for found_set in found:
        stale = not found_set.complete and (now - found_set.created).days >= 1
        if (found_set.complete and found_set.created not in keep) or stale:
            delete_set(storage, found_set.name)
            deleted.append(found_set.name)
    return deleted
