"""Recognise a material upload by its content, never by its name or the browser's Content-Type.

Accepted: PDF, PNG, JPEG, MusicXML (plain ``.musicxml``/``.xml`` or compressed ``.mxl``) and MP3.
Each check reads the file's own bytes: magic numbers, and for the formats where a magic number is
easy to fake on a hostile file, a parse (Pillow for images, the XML root element for MusicXML, the
ZIP container for ``.mxl``, two consecutive MPEG audio frame headers for MP3).
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


def _is_mxl(stream: BinaryIO) -> bool:
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "META-INF/container.xml" not in names:
                return False
            container = archive.read("META-INF/container.xml")[:65536]
            match = re.search(rb'full-path\s*=\s*"([^"]+)"', container)
            if not match:
                return False
            root_path = match.group(1).decode("utf-8", "replace")
            if root_path not in names:
                return False
            info = archive.getinfo(root_path)
            with archive.open(info) as member:
                return _musicxml_root(member.read(262144)) in _MUSICXML_ROOTS
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, RuntimeError):
        return False
    finally:
        stream.seek(0)


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
