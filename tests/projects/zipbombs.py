"""Real zip bombs for the upload tests, written in seconds with a few kilobytes of memory.

zipfile would have to deflate every byte of a 2 GB member (10 s). Deflate output after
a full flush does not depend on what came before, so one megabyte of zeros is
compressed once and its bytes repeated (and the CRC of so many zeros computed once):
the stream is valid and unpacks to exactly the zeros promised, with the right CRC (``test_the_zip_bomb_builder_writes_real_zips``
unpacks one whole through zipfile, which checks it).
"""

from __future__ import annotations

import functools
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MB = 1024 * 1024
_ZEROS = bytes(MB)


@dataclass
class Member:
    name: str
    data: bytes = b""
    zeros: int = 0  # this many zero bytes follow ``data``
    deflate: bool = True
    # What the directory claims the member unpacks to; None for the truth. A lying
    # directory gives the size (and CRC) of only the first ``declared_size`` bytes.
    declared_size: int | None = None


@functools.cache
def _crc_with_zeros(start: int, count: int) -> int:
    zeros, crc = memoryview(_ZEROS), start
    while count:
        step = min(count, MB)
        crc = zlib.crc32(zeros[:step], crc)
        count -= step
    return crc


def _crc_of_first(member: Member, count: int) -> int:
    crc = zlib.crc32(member.data[:count])
    return _crc_with_zeros(crc, max(count - len(member.data), 0))


def _segment(data: bytes, *, last: bool = False) -> bytes:
    # After a full flush the next segment refers to nothing before it, so segments
    # compressed on their own can follow each other in one valid deflate stream.
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(
        zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH
    )


@functools.cache
def _zeros_segment(count: int, *, last: bool = False) -> bytes:
    return _segment(bytes(count), last=last)


def _write_data(member: Member, out) -> int:
    """Write the member's stored or deflated bytes to ``out``; return how many."""
    if not member.deflate:
        assert not member.zeros
        return out.write(member.data)
    written = out.write(_segment(member.data))
    whole, rest = divmod(member.zeros, MB)
    for _ in range(whole):
        written += out.write(_zeros_segment(MB))
    return written + out.write(_zeros_segment(rest, last=True))


def write_zip(path: Path, members: list[Member]) -> Path:
    """A plain zip (no zip64: every member unpacks to less than 4 GiB)."""
    entries = []
    with path.open("wb") as out:
        for member in members:
            name = member.name.encode()
            method = 8 if member.deflate else 0
            offset = out.tell()
            out.write(b"\0" * (30 + len(name)))  # the local header, written once sizes are known
            compressed = _write_data(member, out)
            size = len(member.data) + member.zeros
            if member.declared_size is not None:
                size = member.declared_size
            crc = _crc_of_first(member, size)
            assert size < 2**32 and compressed < 2**32
            end = out.tell()
            header = struct.pack(
                "<4s5H3L2H",
                b"PK\x03\x04",
                20,
                0,
                method,
                0,
                0x21,
                crc,
                compressed,
                size,
                len(name),
                0,
            )
            out.seek(offset)
            out.write(header + name)
            out.seek(end)
            entries.append((name, method, crc, compressed, size, offset))
        directory_start = out.tell()
        for name, method, crc, compressed, size, offset in entries:
            out.write(
                struct.pack(
                    "<4s6H3L5H2L",
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    method,
                    0,
                    0x21,
                    crc,
                    compressed,
                    size,
                    len(name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + name
            )
        directory_size = out.tell() - directory_start
        count = len(entries)
        assert count < 0xFFFF
        out.write(
            struct.pack(
                "<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, directory_size, directory_start, 0
            )
        )
    return path


ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


def odt_bomb(path: Path, zeros: int) -> Path:
    """A real OpenDocument text whose content.xml unpacks to ``zeros`` zero bytes."""
    return write_zip(
        path,
        [
            Member("mimetype", ODT_MIMETYPE, deflate=False),
            Member("META-INF/manifest.xml", b"<manifest:manifest/>"),
            Member("content.xml", zeros=zeros),
        ],
    )


def docx_bomb(path: Path, zeros: int) -> Path:
    """A real Word document whose word/document.xml unpacks to ``zeros`` zero bytes."""
    return write_zip(
        path,
        [
            Member("[Content_Types].xml", b"<Types/>"),
            Member("word/document.xml", zeros=zeros),
        ],
    )


def odt_with_mimetype_bomb(path: Path, zeros: int) -> Path:
    """The member the old check read whole (to compare it with ODT_MIMETYPE) is the bomb."""
    return write_zip(
        path,
        [
            Member("mimetype", zeros=zeros),
            Member("content.xml", b"<x/>"),
        ],
    )


def odt_with_lying_mimetype(path: Path, zeros: int) -> Path:
    """The directory says "mimetype" is 39 bytes; its data unpacks to ``zeros`` more."""
    return write_zip(
        path,
        [
            Member("mimetype", ODT_MIMETYPE, zeros=zeros, declared_size=len(ODT_MIMETYPE)),
            Member("content.xml", b"<x/>"),
        ],
    )
