"""The storage of uploaded documents (STORAGES["default"]): the media folder, and never a
partly written file in it.

Django's FileSystemStorage leaves what it wrote so far when a write fails: a full disk
(ENOSPC), a file size limit (EFBIG), a quota (EDQUOT). The row that would have named the
file is never saved, so nothing ever points to the piece and nothing ever removes it.
``MediaStorage`` writes each file itself and removes it again when anything goes wrong
before the file is whole, then re-raises, so the caller can say "not saved" and mean it.
"""

from __future__ import annotations

import contextlib
import os

from django.core.exceptions import ImproperlyConfigured
from django.core.files import File, locks
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs

# As FileSystemStorage opens a new file: O_EXCL, so a file of the same name made by
# another request at the same moment is never written into (or removed).
OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


class MediaStorage(FileSystemStorage):
    """FileSystemStorage that removes a file whose writing failed, and re-raises.

    Only the file this call created is removed (it was opened with O_EXCL, so it is
    ours). An upload that Django kept in a temporary file is copied in chunks like any
    other, not moved: a move between file systems that failed halfway would leave a
    piece too, and a document is at most 10 MB. Files are never overwritten, so
    ``allow_overwrite`` is refused.
    """

    def __init__(self, *args, allow_overwrite: bool = False, **kwargs) -> None:
        if allow_overwrite:
            raise ImproperlyConfigured("MediaStorage never overwrites a file.")
        super().__init__(*args, **kwargs)

    def _save(self, name: str, content: File) -> str:
        full_path = self.path(name)
        self._make_directory(os.path.dirname(full_path))
        while True:
            try:
                fd = os.open(full_path, OPEN_FLAGS, 0o666)
            except FileExistsError:
                # Taken since get_available_name() chose it: choose again.
                name = self.get_available_name(name)
                full_path = self.path(name)
            else:
                break
        try:
            _write(fd, content)
            if self.file_permissions_mode is not None:
                os.chmod(full_path, self.file_permissions_mode)
            self._ensure_location_group_id(full_path)
        except BaseException:
            # Whatever stopped the write (OSError, or an upload that broke off), the
            # piece must not stay; the original error is what the caller needs to see.
            with contextlib.suppress(OSError):
                os.remove(full_path)
            raise
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _make_directory(self, directory: str) -> None:
        try:
            if self.directory_permissions_mode is not None:
                # os.makedirs() does not give intermediate folders the mode.
                safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)
            else:
                os.makedirs(directory, exist_ok=True)
        except FileExistsError as error:
            raise FileExistsError(f"{directory} exists and is not a directory.") from error


def _write(fd: int, content: File) -> None:
    """Write ``content`` to the open file ``fd`` and close it, as FileSystemStorage does."""
    file = None
    try:
        locks.lock(fd, locks.LOCK_EX)
        for chunk in content.chunks():
            if file is None:
                file = os.fdopen(fd, "wb" if isinstance(chunk, bytes) else "wt")
            file.write(chunk)
    finally:
        locks.unlock(fd)
        if file is not None:
            file.close()  # flushes: a full disk may show only here, and still closes
        else:
            os.close(fd)
