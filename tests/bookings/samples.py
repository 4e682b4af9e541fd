"""Small real files of each accepted type (and impostors), built in memory."""

from __future__ import annotations

import io
import zipfile

from PIL import Image
from pypdf import PdfWriter


def _pdf() -> bytes:
    """A real one-page PDF written by pypdf (cross-reference table, catalog, page tree)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = _pdf()
# Starts like a PDF, but is a web page: what a header-only check used to store as a chart.
HTML_AS_PDF = b"%PDF-1.7\n<html><head><script>alert(document.cookie)</script></head><body>chart</body></html>\n"

MUSICXML = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
<score-partwise version="4.0">
  <part-list><score-part id="P1"><part-name>Piano</part-name></score-part></part-list>
  <part id="P1"><measure number="1"><note><rest/><duration>4</duration></note></measure></part>
</score-partwise>
"""

NOT_MUSICXML = b'<?xml version="1.0"?><html><body>hello</body></html>'

XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE score-partwise [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<score-partwise>&b;</score-partwise>
"""


def image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def mxl(root: bytes = MUSICXML) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.recordare.musicxml")
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container><rootfiles><rootfile full-path="score.musicxml"/></rootfiles></container>',
        )
        archive.writestr("score.musicxml", root)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a score")
    return buffer.getvalue()


def mp3(frames: int = 8, with_id3: bool = True) -> bytes:
    # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames.
    header = bytes([0xFF, 0xFB, 0x90, 0x64])
    frame = header + b"\x00" * (417 - 4)
    tag = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 if with_id3 else b""
    return tag + frame * frames


def fake_mp3() -> bytes:
    return b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"this is really a text file" * 20


def mxl_bomb(inflated_mb: int = 200, declared_size: int | None = None) -> bytes:
    """A compressed score whose META-INF/container.xml inflates to ``inflated_mb`` MB of spaces
    (~1000:1, so 200 MB fits in ~200 KB), written a megabyte at a time. With ``declared_size`` the
    archive's headers lie about the member's size, so only a bounded read can catch it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("META-INF/container.xml", "w") as member:
            member.write(b'<?xml version="1.0"?><container><rootfiles><rootfile full-path="score.musicxml"/>')
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated_mb):
                member.write(chunk)
            member.write(b"</rootfiles></container>")
        archive.writestr("score.musicxml", MUSICXML)
    data = bytearray(buffer.getvalue())
    if declared_size is not None:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            info = archive.getinfo("META-INF/container.xml")
            central = data.index(b"PK\x01\x02")  # the container is the first member
            data[info.header_offset + 22 : info.header_offset + 26] = declared_size.to_bytes(4, "little")
            data[central + 24 : central + 28] = declared_size.to_bytes(4, "little")
    return bytes(data)
