"""The media archive of a set counts what it holds, which the restore checks."""

from __future__ import annotations

import tarfile

from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage

from operations.backup import write_media_archive


class DeletedWhileListed(InMemoryStorage):
    """A storage where a listed file is gone by the time it is opened, as when someone
    deletes a document while the backup runs."""

    def listdir(self, path):
        folders, files = super().listdir(path)
        return folders, [*files, "deleted-meanwhile.pdf"] if path == "" else files


def test_a_file_deleted_while_the_backup_runs_is_not_counted(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": f"{__name__}.DeletedWhileListed"},
    }
    from django.core.files.storage import default_storage

    default_storage.save("kept.txt", ContentFile(b"kvar"))
    default_storage.save("group-notes/2026/bilaga.pdf", ContentFile(b"%PDF-1.4"))
    archive = tmp_path / "media.tar"

    counted = write_media_archive(archive, progress=lambda line: None)

    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert counted == len(names) == 2
    assert sorted(names) == ["group-notes/2026/bilaga.pdf", "kept.txt"]
