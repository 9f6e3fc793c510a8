"""Restoring a backup set: check everything first, then replace, then say what was found.

The order is the point. Nothing in the database or the media folder is touched until:

1. the manifest is whole (its own SHA-256) and every part is present with the size and
   SHA-256 the manifest gives;
2. the set was made by this version of Delaktig or an older one, on the same kind of
   database, and every migration it had applied is one this code knows;
3. the parts decrypt with the key at hand, and the dump and the archive open;
4. the database and media folder are empty, or ``force`` is given, in which case a
   backup of what is about to be replaced is taken first.

Then the database is replaced in one step (operations.connectors), the media files are
written, the rows per model are compared with the manifest, and migrations newer than
the set are applied.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import gnupg
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from packaging.version import InvalidVersion, Version

from .backup import (
    MANIFEST_FORMAT,
    copy_hashing,
    create_backup,
    delaktig_version,
    manifest_digest,
    model_tables,
    walk_storage,
)
from .connectors import CHUNK, RestoreFailed, connector_for_database, count_rows
from .sets import MANIFEST, backup_storage

Progress = Callable[[str], None]

# A row in any of these means the database holds someone's data. (Migrations alone
# create rows elsewhere: permissions, content types, the page-cache version.)
DATA_MODELS = (
    "auth.user",
    "organisations.organisation",
    "people.person",
    "projects.workinggroup",
    "meetings.meetingseries",
    "meetings.meeting",
)


class PartlyRestored(RuntimeError):
    """The database was restored but the media files were not; the message says what to do."""


class SetRefused(RuntimeError):
    """The set cannot be restored; nothing was touched. The message says why, in Swedish."""


@dataclass
class RestoreResult:
    name: str
    safety_backup: str | None
    differences: dict[str, tuple[int, int]]  # label: (in the manifest, after restoring)
    models: int
    rows: int
    migrated: list[str] = field(default_factory=list)


def load_manifest(storage: Storage, name: str) -> dict:
    if not storage.exists(f"{name}/{MANIFEST}"):
        if storage.exists(name):
            raise SetRefused(
                _("The backup set %(name)s has no manifest: it was never finished.")
                % {"name": name}
            )
        raise SetRefused(_("There is no backup set named %(name)s.") % {"name": name})
    with storage.open(f"{name}/{MANIFEST}", "rb") as file:
        body = file.read()
    try:
        manifest = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("sha256") != manifest_digest(manifest):
        raise SetRefused(
            _("The manifest of %(name)s is damaged: its checksum does not match.") % {"name": name}
        )
    if manifest.get("format") != MANIFEST_FORMAT:
        raise SetRefused(
            _("The manifest of %(name)s has a format this version cannot read.") % {"name": name}
        )
    return manifest


def fetch_part(storage: Storage, name: str, part: str, manifest: dict, folder: Path) -> Path:
    """Copy a part out of the storage, checking its size and SHA-256 on the way."""
    entry = manifest["parts"][part]
    stored = f"{name}/{entry['file']}"
    if not storage.exists(stored):
        raise SetRefused(
            _("The part %(file)s is missing from the backup set.") % {"file": entry["file"]}
        )
    target = folder / PurePosixPath(entry["file"]).name
    with storage.open(stored, "rb") as source, open(target, "wb") as out:
        sha256 = copy_hashing(source, out)  # the part is read once, checked twice
    if target.stat().st_size != entry["size"]:
        raise SetRefused(
            _(
                "The part %(file)s is %(actual)s bytes but should be %(expected)s: "
                "the set is truncated or damaged."
            )
            % {"file": entry["file"], "actual": target.stat().st_size, "expected": entry["size"]}
        )
    if sha256 != entry["sha256"]:
        raise SetRefused(
            _("The part %(file)s does not match its checksum: the set is damaged.")
            % {"file": entry["file"]}
        )
    return target


def check_versions(manifest: dict) -> None:
    try:
        theirs, ours = Version(manifest["delaktig_version"]), Version(delaktig_version())
    except (InvalidVersion, KeyError, TypeError) as error:
        raise SetRefused(_("The manifest does not say which version made the set.")) from error
    if theirs > ours:
        raise SetRefused(
            _(
                "The set was made by Delaktig %(theirs)s, which is newer than this "
                "installation (%(ours)s). Upgrade Delaktig first, then restore."
            )
            % {"theirs": theirs, "ours": ours}
        )
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest.get("migrations", [])) - known)
    if unknown:
        raise SetRefused(
            _(
                "The set holds migrations this installation does not know (%(names)s): it "
                "was made by a newer Delaktig. Upgrade Delaktig first, then restore."
            )
            % {"names": ", ".join(unknown[:5])}
        )
    if manifest.get("database_vendor") != connection.vendor:
        raise SetRefused(
            _(
                "The set holds a %(theirs)s database, but this site uses %(ours)s. A set "
                "can only be restored to the same kind of database."
            )
            % {"theirs": manifest.get("database_vendor"), "ours": connection.vendor}
        )


def decrypt(path: Path) -> Path:
    """Decrypt a ``.gpg`` part with the secret key in GNUPGHOME's keyring."""
    target = path.with_suffix("")
    with open(path, "rb") as sealed:
        result = gnupg.GPG().decrypt_file(
            sealed, passphrase=settings.BACKUP_GPG_PASSPHRASE, output=str(target)
        )
    if not result.ok:
        target.unlink(missing_ok=True)
        raise SetRefused(
            _(
                "The part %(file)s could not be decrypted (%(status)s). Check that the "
                "secret key of the set is in the keyring and that its passphrase is set."
            )
            % {"file": path.name, "status": result.status or "no key"}
        )
    path.unlink()
    return target


def unpack(path: Path) -> Path:
    if path.suffix == ".gpg":
        path = decrypt(path)
    if path.suffix == ".gz":
        target = path.with_suffix("")
        try:
            with gzip.open(path, "rb") as packed, open(target, "wb") as out:
                shutil.copyfileobj(packed, out, CHUNK)
        except (OSError, EOFError) as error:
            raise SetRefused(
                _("The part %(file)s cannot be unpacked: %(error)s")
                % {"file": path.name, "error": error}
            ) from error
        path.unlink()
        path = target
    return path


def media_members(path: Path, expected: int) -> list[tarfile.TarInfo]:
    try:
        with tarfile.open(path, "r") as archive:
            members = archive.getmembers()
    except tarfile.TarError as error:
        raise SetRefused(
            _("The media archive cannot be read: %(error)s") % {"error": error}
        ) from error
    for member in members:
        parts = PurePosixPath(member.name).parts
        if not member.isfile() or member.name.startswith("/") or ".." in parts:
            raise SetRefused(
                _("The media archive holds an unsafe entry: %(name)s") % {"name": member.name}
            )
    if len(members) != expected:
        raise SetRefused(
            _("The media archive holds %(actual)s files but should hold %(expected)s.")
            % {"actual": len(members), "expected": expected}
        )
    return members


def data_present() -> list[str]:
    """What the database and media folder hold that a restore would replace."""
    tables = {label: table for label, table in model_tables().items() if label in DATA_MODELS}
    with connection.cursor() as cursor:
        counts = count_rows(cursor, tables)
    found = []
    for label in DATA_MODELS:
        if count := counts.get(label):
            found.append(f"{count} {apps.get_model(label)._meta.verbose_name_plural}")
    try:
        media = sum(1 for _name in walk_storage(default_storage))
    except OSError as error:
        raise SetRefused(
            _("The media folder cannot be read: %(error)s") % {"error": error}
        ) from error
    if media:
        found.append(_("%(count)s media files") % {"count": media})
    return found


def restore_media(archive_path: Path, members: list[tarfile.TarInfo], progress: Progress) -> None:
    for name in list(walk_storage(default_storage)):
        default_storage.delete(name)
    with tarfile.open(archive_path, "r") as archive:
        for number, member in enumerate(members, 1):
            source = archive.extractfile(member)
            saved = default_storage.save(member.name, File(source, name=member.name))
            if saved != member.name:
                raise RestoreFailed(f"The media storage saved {member.name} as {saved}.")
            if number % 100 == 0 or number == len(members):
                progress(_("  media: %(done)s of %(all)s") % {"done": number, "all": len(members)})


def restore_backup(
    name: str,
    *,
    force: bool = False,
    progress: Progress = lambda line: None,
    storage: Storage | None = None,
) -> RestoreResult:
    storage = storage or backup_storage()
    progress(_("Checking the set %(name)s …") % {"name": name})
    manifest = load_manifest(storage, name)
    check_versions(manifest)
    connector = connector_for_database()
    with tempfile.TemporaryDirectory(prefix="delaktig-restore-") as scratch:
        folder = Path(scratch)
        database = unpack(fetch_part(storage, name, "database", manifest, folder))
        media = unpack(fetch_part(storage, name, "media", manifest, folder))
        if problem := connector.check(database):
            raise SetRefused(
                _("The database dump cannot be read: %(problem)s") % {"problem": problem}
            )
        members = media_members(media, manifest["parts"]["media"]["files"])
        progress(_("  every part is whole and matches the manifest."))

        safety_backup = None
        if present := data_present():
            if not force:
                raise SetRefused(
                    _(
                        "This site holds data already (%(found)s). Restoring would replace "
                        "it. Use --force to replace it; a backup of it is taken first."
                    )
                    % {"found": ", ".join(present[:6])}
                )
            progress(_("Backing up what is replaced …"))
            safety_backup = create_backup(progress=progress, storage=storage, retention=False).name
            progress(_("  saved as %(name)s") % {"name": safety_backup})

        progress(_("Restoring the database …"))
        connector.restore_file(database)
        connection.close()
        progress(_("Restoring the media files …"))
        try:
            restore_media(media, members, progress)
        except (OSError, RestoreFailed) as error:
            raise PartlyRestored(
                _(
                    "The database is restored, but the media files could not be: %(error)s. "
                    "Make room or fix the media folder, then restore the set again with "
                    "--force."
                )
                % {"error": error}
                + (
                    " " + _("What was replaced is kept in %(name)s.") % {"name": safety_backup}
                    if safety_backup
                    else ""
                )
            ) from error

    tables = {
        label: table for label, table in model_tables().items() if label in manifest["row_counts"]
    }
    with connection.cursor() as cursor:
        counts = count_rows(cursor, tables)
    differences = {
        label: (expected, counts.get(label, 0))
        for label, expected in manifest["row_counts"].items()
        if counts.get(label, 0) != expected
    }
    migrated = unapplied_migrations()
    if migrated:
        progress(_("Applying %(count)s newer migrations …") % {"count": len(migrated)})
        call_command("migrate", interactive=False, verbosity=0)
    for cache in ("default", "pages"):
        caches[cache].clear()  # pages and counts cached from the replaced data
    return RestoreResult(
        name=name,
        safety_backup=safety_backup,
        differences=differences,
        models=len(manifest["row_counts"]),
        rows=sum(manifest["row_counts"].values()),
        migrated=migrated,
    )


def unapplied_migrations() -> list[str]:
    """Migrations of this code that the restored database has not had (a set made earlier)."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]
