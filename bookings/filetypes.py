"""Recognise a material upload by its content, never by its name or the browser's Content-Type.

Accepted: PDF, PNG, JPEG, MusicXML (plain ``.musicxml``/``.xml`` or compressed ``.mxl``) and MP3.
Each check reads the file's own bytes: magic numbers, and for the formats where a magic number is
easy to fake on a hostile file, a parse (Pillow for images, the XML root element for MusicXML, the
ZIP container for ``.mxl`` (bounded: see ``_is_mxl``), pypdf for PDF, two consecutive MPEG audio frame headers for MP3).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import ParseError, XMLPullParser

MAX_MATERIAL_BYTES = 20 * 1024 * 1024


class UnsupportedFile(ValueError):
    pass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG image")
JPEG = FileType("image/jpeg", "jpg", "JPEG image")
MUSICXML = FileType("application/vnd.recordare.musicxml+xml", "musicxml", "MusicXML")
MXL = FileType("application/vnd.recordare.musicxml", "mxl", "MusicXML (compressed)")
MP3 = FileType("audio/mpeg", "mp3", "MP3 audio")

ALLOWED_LABELS = "PDF, PNG, JPEG, MusicXML or MP3"
ALL_TYPES = (PDF, PNG, JPEG, MUSICXML, MXL, MP3)

_MUSICXML_ROOTS = {"score-partwise", "score-timewise"}


def _read_head(stream: BinaryIO, size: int) -> bytes:
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def _is_image(stream: BinaryIO, expected_format: str) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        stream.seek(0)
        with Image.open(stream) as image:
            ok = image.format == expected_format
            image.verify()  # walks the chunks/markers; raises on a truncated or forged file
        return ok
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return False
    finally:
        stream.seek(0)


def _musicxml_root(data: bytes) -> str | None:
    """Name of the XML root element, parsing only as far as it. None when it is not XML."""
    # Internal entity declarations are how XML bombs work; a real MusicXML file never has them.
    if re.search(rb"<!ENTITY", data[:65536], flags=re.IGNORECASE):
        return None
    parser = XMLPullParser(events=("start",))
    try:
        for offset in range(0, len(data), 8192):
            parser.feed(data[offset : offset + 8192])
            for _event, element in parser.read_events():
                tag = element.tag
                return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else None
    except ParseError:
        return None
    return None


# A compressed score is small: these bounds refuse zip bombs from the archive's own directory,
# before anything is inflated, and every read below is a bounded stream (never a whole member).
MXL_MAX_MEMBERS = 200
MXL_MAX_TOTAL_BYTES = 50 * 1024 * 1024  # declared, uncompressed
MXL_MAX_RATIO = 100  # real MusicXML deflates 10-30x; bombs are 1000x and more
_CONTAINER_MAX_BYTES = 65536
_SCORE_HEAD_BYTES = 262144


class ArchiveTooLarge(UnsupportedFile):
    pass


_TOO_BIG = "This compressed score unpacks to far more than a real score would, so it was not accepted."


def _zip_entry_count(stream: BinaryIO) -> int | None:
    """Number of entries declared by the end-of-central-directory record, read before zipfile
    builds its (memory-hungry) list of members. None when there is no such record."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_size = min(size, 65536 + 22)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    return int.from_bytes(tail[at + 10 : at + 12], "little")


def _bounded_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """At most ``limit`` bytes of a member, inflated lazily (zipfile decompresses on demand).
    Raises ArchiveTooLarge when the member holds more than that."""
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ArchiveTooLarge(_TOO_BIG)
    return data


def _is_mxl(stream: BinaryIO) -> bool:
    """Raises ArchiveTooLarge for a zip bomb; False for anything else that is not a compressed score."""
    try:
        count = _zip_entry_count(stream)
        if count is None:
            return False
        if count > MXL_MAX_MEMBERS:  # 0xFFFF also means ZIP64, which no score needs
            raise ArchiveTooLarge("This archive holds too many files to be a compressed score.")
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            members = archive.infolist()
            if len(members) > MXL_MAX_MEMBERS:
                raise ArchiveTooLarge("This archive holds too many files to be a compressed score.")
            if sum(info.file_size for info in members) > MXL_MAX_TOTAL_BYTES:
                raise ArchiveTooLarge(_TOO_BIG)
            for info in members:
                # zipfile inflates bzip2/LZMA without an output bound; scores use deflate or store.
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    return False
                if info.file_size > 1024 * 1024 and info.file_size > MXL_MAX_RATIO * max(info.compress_size, 1):
                    raise ArchiveTooLarge(_TOO_BIG)
            by_name = {info.filename: info for info in members}
            if "META-INF/container.xml" not in by_name:
                return False
            container = _bounded_member(archive, by_name["META-INF/container.xml"], _CONTAINER_MAX_BYTES)
            match = re.search(rb'full-path\s*=\s*"([^"]+)"', container)
            if not match:
                return False
            root_path = match.group(1).decode("utf-8", "replace")
            if root_path not in by_name:
                return False
            # Declared sizes can lie; reading a bounded prefix is safe either way.
            with archive.open(by_name[root_path]) as member:
                return _musicxml_root(member.read(_SCORE_HEAD_BYTES)) in _MUSICXML_ROOTS
    except ArchiveTooLarge:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError, EOFError, NotImplementedError):
        return False
    finally:
        stream.seek(0)


# PDF: parsed structurally (cross-reference table, catalog, page tree) with decompression capped,
# so a file that only starts with "%PDF-" (an HTML page, a script) is refused.
_PDF_LIMITS = {
    "maximum_declared_stream_length": 20 * 1024 * 1024,
    "zlib_maximum_output_length": 16 * 1024 * 1024,
    "lzw_maximum_output_length": 16 * 1024 * 1024,
    "run_length_maximum_output_length": 16 * 1024 * 1024,
    "jbig2_maximum_output_length": 16 * 1024 * 1024,
    "brotli_maximum_output_length": 16 * 1024 * 1024,
    "array_based_stream_maximum_output_length": 16 * 1024 * 1024,
    "image_maximum_buffer_size": 16 * 1024 * 1024,
    "page_tree_maximum_entries": 20_000,
}


def _pdf_problem(stream: BinaryIO) -> str | None:
    """A reason the PDF is refused, or None when it parses as a document with at least one page."""
    import pypdf

    try:
        stream.seek(0)
        with pypdf.apply_configuration(**_PDF_LIMITS):
            reader = pypdf.PdfReader(stream, strict=False, xref_stream_maximum_entries=200_000)
            if reader.is_encrypted and not reader.decrypt(""):
                return "This PDF is protected by a password. Upload a copy without one."
            catalog = reader.trailer.get("/Root")
            if catalog is None or catalog.get_object().get("/Type") != "/Catalog":
                return _NOT_A_PDF
            if len(reader.pages) < 1:
                return "This PDF has no pages."
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on hostile input; any of them means "refuse"
        return _NOT_A_PDF
    finally:
        stream.seek(0)
    return None


_NOT_A_PDF = "This file is named or marked as a PDF but is not a readable PDF document."


# MPEG audio: bitrates (kbit/s) for Layer III, and sample rates, by version.
_BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0]
_BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0]
_SAMPLE_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def _mp3_frame_length(header: bytes) -> int | None:
    """Length in bytes of the Layer III frame starting with ``header`` (4 bytes), or None."""
    if len(header) < 4 or header[0] != 0xFF or (header[1] & 0xE0) != 0xE0:
        return None
    version = (header[1] >> 3) & 0x03  # 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5, 1 reserved
    layer = (header[1] >> 1) & 0x03  # 1 = Layer III
    bitrate_index = (header[2] >> 4) & 0x0F
    rate_index = (header[2] >> 2) & 0x03
    padding = (header[2] >> 1) & 0x01
    if version == 1 or layer != 1 or rate_index == 3:
        return None
    bitrate = (_BITRATES_V1_L3 if version == 3 else _BITRATES_V2_L3)[bitrate_index] * 1000
    if not bitrate:
        return None
    sample_rate = _SAMPLE_RATES[version][rate_index]
    samples = 144 if version == 3 else 72
    return samples * bitrate // sample_rate + padding


def _is_mp3(stream: BinaryIO) -> bool:
    head = _read_head(stream, 1_100_000)
    offset = 0
    if head[:3] == b"ID3" and len(head) >= 10:
        # ID3v2 size is a 28-bit "syncsafe" integer; skip the tag (and its footer if flagged).
        size = (head[6] & 0x7F) << 21 | (head[7] & 0x7F) << 14 | (head[8] & 0x7F) << 7 | (head[9] & 0x7F)
        offset = 10 + size + (10 if head[5] & 0x10 else 0)
    # Tolerate a little padding between the tag and the first frame.
    while offset < len(head) and head[offset] == 0 and offset < 10 + 4096 + 65536:
        offset += 1
    first = _mp3_frame_length(head[offset : offset + 4])
    if first is None:
        return False
    second_at = offset + first
    if second_at + 4 > len(head):
        # A single-frame file is too short to be real audio.
        return False
    return _mp3_frame_length(head[second_at : second_at + 4]) is not None


def detect(stream: BinaryIO) -> FileType:
    """The type of ``stream`` judged by content. Raises UnsupportedFile."""
    head = _read_head(stream, 4096)
    if not head:
        raise UnsupportedFile("The file is empty.")
    if head.startswith(b"%PDF-"):
        problem = _pdf_problem(stream)
        if problem:
            raise UnsupportedFile(problem)
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        if _is_image(stream, "PNG"):
            return PNG
        raise UnsupportedFile("This PNG image is damaged or incomplete.")
    if head.startswith(b"\xff\xd8\xff"):
        if _is_image(stream, "JPEG"):
            return JPEG
        raise UnsupportedFile("This JPEG image is damaged or incomplete.")
    if head.startswith(b"PK\x03\x04"):
        if _is_mxl(stream):
            return MXL
        raise UnsupportedFile(f"This archive is not a compressed MusicXML score. Upload {ALLOWED_LABELS}.")
    if head.startswith(b"ID3") or (head[0] == 0xFF and len(head) > 1 and (head[1] & 0xE0) == 0xE0):
        if _is_mp3(stream):
            return MP3
        raise UnsupportedFile("This does not look like a valid MP3 file.")
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        data = _read_head(stream, 1_048_576)
        if _musicxml_root(data.lstrip(b"\xef\xbb\xbf \t\r\n")) in _MUSICXML_ROOTS:
            return MUSICXML
        raise UnsupportedFile(f"This XML file is not a MusicXML score. Upload {ALLOWED_LABELS}.")
    raise UnsupportedFile(f"This file type is not accepted. Upload {ALLOWED_LABELS}.")
