"""Whether an uploaded document is acceptable, decided before anything reads it whole.

Used by the working groups' documents (members' page and admin) and by the protocol
importer in meetings. The checks, in order:

- the size: refused above the limit, however the file arrived. ``BoundedUploadHandler``
  (installed in settings) already stops storing a file once it passes the limit, so a
  huge POST fills neither memory nor disk and the form can still say "too big";
- the kind: the extension must be one the caller allows;
- the content must be what the extension says (a renamed program is refused);
- a zip-based document (docx, odt, xlsx) is judged from the zip's directory alone:
  the number of members, their total unpacked size and how tightly each is packed.
  Nothing is unpacked, so a zip bomb costs a few kilobytes of memory.

An accepted document is then stored while the form is checked, so that a full disk is a
form error too (``store_upload``, ``uploads_kept_only_if_saved``).
"""

from __future__ import annotations

import codecs
import errno
import io
import logging
import struct
import zipfile
import zlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import PurePath

from django import forms
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_UPLOAD_SIZE = 10 * MB

# A zip-based document is refused when its directory says it holds more members than
# this (a large report has a few hundred: pages of XML, images, styles) ...
MAX_ZIP_ENTRIES = 1000
# ... or that it unpacks to more than this in all (a 10 MB document of text XML
# unpacks to well under it; a zip bomb to gigabytes) ...
MAX_ZIP_UNPACKED_SIZE = 100 * MB
# ... or that a member of more than RATIO_CHECKED_FROM is packed more tightly than
# this. Office XML packs 5 to 30 times; zeros pack about 1,000 times. Small members
# are left alone: a short run of spaces packs tightly and harms nobody.
MAX_ZIP_RATIO = 100
RATIO_CHECKED_FROM = 1 * MB

# Documents of working groups: extension -> the content type they are served with.
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".txt": "text/plain; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",  # read as ".jpg"; listed so that file pickers offer it
    ".png": "image/png",
}

# How each kind is named to a person choosing a file.
KIND_NAMES = {
    ".pdf": "PDF",
    ".docx": "docx",
    ".odt": "odt",
    ".xlsx": "xlsx",
    ".txt": "txt",
    ".jpg": "JPG",
    ".jpeg": "JPG",
    ".png": "PNG",
}

SIGNATURES = {
    ".pdf": b"%PDF-",
    ".jpg": b"\xff\xd8\xff",
    ".png": b"\x89PNG\r\n\x1a\n",
}

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# The member every zip-based document of a kind has (an odt's is checked by content).
ZIP_MEMBERS = {
    ".docx": "word/document.xml",
    ".odt": "mimetype",
    ".xlsx": "xl/workbook.xml",
}

# What reading an untrusted zip can raise: each means "not a document".
ZIP_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    ValueError,  # also UnicodeDecodeError of a member's name
    RuntimeError,  # an encrypted member
    NotImplementedError,  # an unknown compression method
    zlib.error,
    struct.error,
)

TEXT_CHUNK_SIZE = 64 * 1024


def document_extension(name: str) -> str:
    suffix = PurePath(name or "").suffix.lower()
    return ".jpg" if suffix == ".jpeg" else suffix


# --- Size ----------------------------------------------------------------------------


class TooBigUploadedFile(UploadedFile):
    """What is kept of a file that passed the upload limit: its name and real size only."""

    def __init__(self, name, content_type, size, charset, content_type_extra=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset, content_type_extra)


def _too_big(size: int, max_size: int) -> forms.ValidationError:
    return forms.ValidationError(
        _("The file is too big (%(size)s). It can be at most %(max)s.")
        % {"size": filesizeformat(size), "max": filesizeformat(max_size)},
        code="too_big",
    )


def check_upload_size(upload: UploadedFile, *, max_size: int = MAX_UPLOAD_SIZE) -> None:
    if upload.size > max_size or isinstance(upload, TooBigUploadedFile):
        raise _too_big(upload.size, max_size)


def read_upload(upload: UploadedFile, *, max_size: int) -> bytes:
    """The whole content of a small upload, read in chunks and never past ``max_size``."""
    check_upload_size(upload, max_size=max_size)
    parts, total = [], 0
    for chunk in upload.chunks():
        total += len(chunk)
        # ``size`` comes from whoever built the upload; the bytes themselves decide.
        if total > max_size:
            raise _too_big(total, max_size)
        parts.append(chunk)
    upload.seek(0)
    return b"".join(parts)


class BoundedUploadHandler(TemporaryFileUploadHandler):
    """Stores an uploaded file in a temporary file until it passes the upload limit.

    Past the limit the stored part is deleted and the rest of the file is only counted,
    so the form gets a ``TooBigUploadedFile`` with the real size and says "too big"
    instead of "this field is required". Django's ``MemoryFileUploadHandler`` comes
    first in FILE_UPLOAD_HANDLERS and keeps only requests smaller than
    FILE_UPLOAD_MAX_MEMORY_SIZE in memory, so neither memory nor disk grows with the POST.
    """

    limit = MAX_UPLOAD_SIZE

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.too_big = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if not self.too_big and start + len(raw_data) > self.limit:
            self.too_big = True
            self.file.close()  # a NamedTemporaryFile: closing it removes it from the disk
        if self.too_big:
            return None
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> UploadedFile:
        if self.too_big:
            return TooBigUploadedFile(
                self.file_name,
                self.content_type,
                file_size,
                self.charset,
                self.content_type_extra,
            )
        return super().file_complete(file_size)


# --- Kind and content --------------------------------------------------------------


def check_document(
    upload: UploadedFile,
    *,
    allowed: Collection[str] = DOCUMENT_TYPES,
    max_size: int = MAX_UPLOAD_SIZE,
) -> str:
    """Refuse an upload that is too big, not an allowed kind, not what its name says or
    a zip bomb, with a form error; return its extension (".jpeg" reads as ".jpg")."""
    check_upload_size(upload, max_size=max_size)
    extension = document_extension(upload.name)
    kinds = ", ".join(dict.fromkeys(KIND_NAMES.get(kind, kind.lstrip(".")) for kind in allowed))
    if extension not in allowed:
        raise forms.ValidationError(
            _("This kind of file cannot be added. Choose one of these kinds: %(kinds)s.")
            % {"kinds": kinds},
            code="wrong_type",
        )
    if not document_matches_type(upload, extension):
        raise forms.ValidationError(
            _("The file is not what its name says. Choose one of these kinds: %(kinds)s.")
            % {"kinds": kinds},
            code="wrong_content",
        )
    return extension


def document_matches_type(upload: UploadedFile, extension: str) -> bool:
    """Whether the content is what the extension says. A zip-based document that is
    unsafe to unpack raises a form error instead."""
    if extension in SIGNATURES:
        return _starts_with(upload, SIGNATURES[extension])
    if extension in ZIP_MEMBERS:
        return _zip_document_matches(upload, extension)
    if extension == ".txt":
        return _is_utf8_text(upload)
    return False


def _starts_with(upload: UploadedFile, prefix: bytes) -> bool:
    upload.seek(0)
    head = upload.read(len(prefix))
    upload.seek(0)
    return head == prefix


def _is_utf8_text(upload: UploadedFile) -> bool:
    """UTF-8 without NUL, read in chunks: a large text file never sits in memory whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in upload.chunks(TEXT_CHUNK_SIZE):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def _zip_document_matches(upload: UploadedFile, extension: str) -> bool:
    upload.seek(0)
    try:
        # Reads only the central directory, which the upload limit bounds: 10 MB of it
        # (220,000 empty members) took 45 MB and 1.5 s to read, then is refused.
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            check_zip_directory(members)
            if any(_size_does_not_add_up(member) for member in members):
                return False
            names = {member.filename for member in members}
            if ZIP_MEMBERS[extension] not in names:
                return False
            if extension == ".odt":
                return _zip_member_head(archive, "mimetype").strip() == ODT_MIMETYPE
            return True
    except ZIP_ERRORS:
        return False
    finally:
        upload.seek(0)


def _size_does_not_add_up(member: zipfile.ZipInfo) -> bool:
    # Deflate never grows data by more than a few bytes a block: a member whose packed
    # data is much larger than its declared size hides more than the directory says.
    return member.compress_size > member.file_size + member.file_size // 100 + 1024


def _zip_member_head(archive: zipfile.ZipFile, name: str, size: int = 200) -> bytes:
    # The directory may lie about a member's size, so unpacking a member whole is never
    # safe, whatever check_zip_directory said. Only its first bytes are read here;
    # zipfile unpacks no more than asked for (and stops at the declared size anyway).
    with archive.open(name) as member:
        return member.read(size)


def check_zip_directory(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a zip whose directory promises too many members, too much unpacked data
    or a member packed as tightly as only a zip bomb is."""
    if len(members) > MAX_ZIP_ENTRIES:
        raise forms.ValidationError(
            _(
                "The file holds too many parts (%(count)s; at most %(max)s). "
                "Save it again as an ordinary document and try once more."
            )
            % {"count": len(members), "max": MAX_ZIP_ENTRIES},
            code="zip_entries",
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_ZIP_UNPACKED_SIZE:
        raise forms.ValidationError(
            _(
                "Unpacked, the file would be %(size)s; at most %(max)s is accepted. "
                "Save it again as an ordinary document and try once more."
            )
            % {"size": filesizeformat(unpacked), "max": filesizeformat(MAX_ZIP_UNPACKED_SIZE)},
            code="zip_too_big",
        )
    for member in members:
        if (
            member.file_size > RATIO_CHECKED_FROM
            and member.file_size > MAX_ZIP_RATIO * member.compress_size
        ):
            raise forms.ValidationError(
                _(
                    "The file is packed far more tightly than a document ever is, "
                    "so it is not accepted. Save it again as an ordinary document "
                    "and try once more."
                ),
                code="zip_ratio",
            )


# --- Storing -----------------------------------------------------------------------
#
# Django writes an uploaded file when the row is saved. By then a form can no longer be
# shown again: the admin saves the object and its inlines in one transaction and has no
# way back to the page, so a full disk would be a server error. The document is therefore
# written while the form is checked, under its final name; a failed write becomes a form
# error and the row is never saved. The model field then holds the stored name, so saving
# the row writes nothing more.
#
# A file written for a save that then does not happen (another form on the page is not
# valid, or the save raised and its transaction rolled back) is deleted again by
# ``uploads_kept_only_if_saved`` around the whole request. The storage itself never
# leaves a partly written file (config/storage.py).

# A write that failed for want of room: the disk, the quota or the size a file may have.
NO_ROOM_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}

# (model, field name, storage, name) of each file stored in the current request.
_stored: ContextVar[list[tuple[type[models.Model], str, Storage, str]] | None] = ContextVar(
    "uploads_stored", default=None
)


def store_error(error: OSError) -> forms.ValidationError:
    if error.errno in NO_ROOM_ERRORS:
        return forms.ValidationError(
            _(
                "The document could not be saved: the server has no room for it right now. "
                "Nothing was saved. Please try again later, or tell the staff."
            ),
            code="no_room",
        )
    return forms.ValidationError(
        _(
            "The document could not be saved because of a fault on the server. "
            "Nothing was saved. Please try again later, or tell the staff."
        ),
        code="not_stored",
    )


def store_upload(form: forms.ModelForm, field_name: str) -> None:
    """Write the new upload in ``form.instance``'s file field to its storage now.

    Call it at the end of the form's validation, when everything else is valid. A write
    that fails (full disk, read-only folder) becomes a form error on the field; the
    storage has removed what it wrote. Without ``uploads_kept_only_if_saved`` around the
    request, a file stored for a form that is then not saved stays on the disk.
    """
    file = getattr(form.instance, field_name)
    if not file or file._committed:  # no new upload: nothing to write
        return
    try:
        # What FileField.pre_save would do when the row is saved.
        file.save(file.name, file.file, save=False)
    except OSError as error:
        logger.error("An uploaded document could not be stored: %s", error)
        form.add_error(field_name, store_error(error))
        return
    stored = _stored.get()
    if stored is not None:
        stored.append((type(form.instance), field_name, file.storage, file.name))


@contextmanager
def uploads_kept_only_if_saved() -> Iterator[None]:
    """Delete, when the block ends, each file ``store_upload`` wrote in it that no saved
    row points to.

    Put it around a whole view that saves uploads (a decorator, or around the admin's
    ``changeform_view``), outside the view's transaction: when the block raises, that
    transaction has rolled back and every file written is deleted; otherwise a file is
    kept only if its row exists (a page shown again with errors saved none).
    """
    stored: list[tuple[type[models.Model], str, Storage, str]] = []
    token = _stored.set(stored)
    finished = False
    try:
        yield
        finished = True
    finally:
        _stored.reset(token)
        for model, field_name, storage, name in stored:
            if finished and model._default_manager.filter(**{field_name: name}).exists():
                continue
            try:
                storage.delete(name)
            except OSError:  # never hide the error that ended the request
                logger.exception("A stored upload that was not saved could not be deleted")
