"""Upload requests as a browser sends them, for the upload tests and their child process.

``StreamedUpload`` is a multipart body read piece by piece, as a server reads it from
the socket: a 2 GB POST never exists whole in the test's memory, so the child's peak
memory is the server side's alone.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path

from django.test import Client
from django.utils.html import escape

CHUNK = 1024 * 1024
BOUNDARY = "----delaktig-upload-test"


class Zeros:
    """The content of an over-size file: a PDF header, then ``size`` zero bytes in all."""

    def __init__(self, size: int, head: bytes = b"%PDF-1.4\n") -> None:
        self.size, self.head = size, head

    def chunks(self) -> Iterator[bytes]:
        yield self.head
        left, zeros = self.size - len(self.head), bytes(CHUNK)
        while left > 0:
            yield zeros[: min(left, CHUNK)]
            left -= CHUNK


class OnDisk:
    """The content of a file on disk (a zip bomb is only a few MB packed)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size

    def chunks(self) -> Iterator[bytes]:
        with self.path.open("rb") as file:
            while chunk := file.read(CHUNK):
                yield chunk


class StreamedUpload(io.RawIOBase):
    """A multipart/form-data body with text fields and one file, produced as it is read."""

    def __init__(self, fields: Mapping[str, str], file_field: str, file_name: str, content) -> None:
        self.head = (
            b"".join(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                for name, value in fields.items()
            )
            + (
                f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
                f'name="{file_field}"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
        )
        self.tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.length = len(self.head) + content.size + len(self.tail)
        self._pieces = self._all_pieces(content)
        self._pending = b""

    def _all_pieces(self, content) -> Iterator[bytes]:
        yield self.head
        yield from content.chunks()
        yield self.tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._pieces, b"")
            if not self._pending:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size

    def post(self, client: Client, path: str):
        """POST this body through the client's full request handling (middleware included)."""
        return client.request(
            REQUEST_METHOD="POST",
            PATH_INFO=path,
            CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
            CONTENT_LENGTH=str(self.length),
            **{"wsgi.input": io.BufferedReader(self, CHUNK)},
        )


def admin_note_fields(group) -> dict[str, str]:
    """The admin change form of a working group without members, adding one note."""
    return {
        "name": group.name,
        "slug": group.slug,
        "status": group.status,
        "aliases": group.aliases,
        "description": group.description,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "notes-TOTAL_FORMS": "1",
        "notes-INITIAL_FORMS": "0",
        "notes-MIN_NUM_FORMS": "0",
        "notes-MAX_NUM_FORMS": "1000",
        "notes-0-title": "Från personalen",
        "notes-0-body": "",
        "_save": "Spara",
    }


def note_form(response):
    """The form of the note just posted: the members' page's, or the admin inline's first."""
    if "inline_admin_formsets" in response.context:
        for inline in response.context["inline_admin_formsets"]:
            if inline.formset.prefix == "notes":
                return inline.formset.forms[0]
        raise AssertionError("no notes inline on the page")
    return response.context["form"]


def refusal(response, field: str = "attachment") -> tuple[list[str], bool]:
    """The error codes of the form's file field, and whether all its messages are on the page."""
    form = note_form(response) if field == "attachment" else response.context["form"]
    errors = form.errors.as_data().get(field, [])
    page = response.content.decode()
    messages = [escape(message) for message in form.errors.get(field, [])]
    return [error.code for error in errors], all(message in page for message in messages)
