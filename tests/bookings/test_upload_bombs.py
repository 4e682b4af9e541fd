"""Hostile uploads: zip bombs, decompression-bomb images and fake PDFs are refused cheaply."""

import io
import json
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from bookings import filetypes
from bookings.models import Material
from tests.bookings import samples
from tests.bookings.factories import offer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def booking(now, producer, profile, venue):
    return offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))


def _post(client, booking, name, content):
    return client.post(f"/api/bookings/{booking.pk}/materials/",
                       {"file": SimpleUploadedFile(name, content), "kind": "chart"}, format="multipart")


def _peak_rss_growth_kb(path: Path, *, control: bool = False) -> dict:
    """Run the content check on ``path`` in a fresh interpreter and report its peak RSS growth.

    A fresh process, and its peak RSS (VmHWM) reset just before the check: ru_maxrss would not do,
    since a child inherits the parent's high-water mark across fork and exec (the pytest process's
    peak would hide any growth), and current RSS would hide memory freed again."""
    script = textwrap.dedent(f"""
        import io, json
        from bookings import filetypes

        def peak_kb():
            for line in open("/proc/self/status"):
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])

        data = open({str(path)!r}, "rb").read()
        stream = io.BytesIO(data)
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current RSS
        before = peak_kb()
        try:
            if {control!r}:  # the measurement's own check: 64 MB written here must show
                ballast = b"x" * (64 << 20)  # noqa: F841
            filetypes.detect(stream)
            outcome = "accepted"
        except filetypes.UnsupportedFile as exc:
            outcome = str(exc)
        after = peak_kb()
        print(json.dumps({{"growth_kb": after - before, "outcome": outcome}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("declared_size", "expected"),
    [
        (None, "unpacks to far more than a real score"),
        # Headers that understate the size: the bounded read stops at the declared size and the
        # member's checksum no longer matches, so it is refused as a broken archive.
        (1000, "not a compressed MusicXML score"),
    ],
    ids=["honest-headers", "lying-headers"],
)
def test_a_199_kb_mxl_inflating_to_200_mb_is_refused_with_bounded_memory(booking, client_for, producer, tmp_path,
                                                                      declared_size, expected):
    bomb = samples.mxl_bomb(200, declared_size=declared_size)
    assert len(bomb) < 205 * 1024

    response = _post(client_for(producer), booking, "score.mxl", bomb)
    assert response.status_code == 400
    message = response.json()["errors"]["file"][0]
    assert expected in message
    assert not Material.objects.filter(booking=booking).exists()

    path = tmp_path / "bomb.mxl"
    path.write_bytes(bomb)
    measured = _peak_rss_growth_kb(path)
    assert expected in measured["outcome"]
    assert measured["growth_kb"] < 20 * 1024, f"peak RSS grew {measured['growth_kb']} KB for a {len(bomb)} B bomb"
    if declared_size is None:
        # The measurement can fail: the same run with 64 MB written shows it.
        assert _peak_rss_growth_kb(path, control=True)["growth_kb"] > 50 * 1024


def test_a_real_compressed_score_still_passes_the_archive_bounds():
    assert filetypes.detect(io.BytesIO(samples.mxl())) == filetypes.MXL


def test_archives_with_too_many_members_are_refused_before_they_are_listed():
    buffer = io.BytesIO()
    with samples.zipfile.ZipFile(buffer, "w") as archive:
        for n in range(filetypes.MXL_MAX_MEMBERS + 1):
            archive.writestr(f"f{n}", b"")
    with pytest.raises(filetypes.UnsupportedFile, match="too many files"):
        filetypes.detect(io.BytesIO(buffer.getvalue()))


def test_members_compressed_with_bzip2_or_lzma_are_not_inflated():
    # zipfile inflates these without an output bound, so they are refused unread.
    buffer = io.BytesIO()
    with samples.zipfile.ZipFile(buffer, "w", compression=samples.zipfile.ZIP_BZIP2) as archive:
        archive.writestr("META-INF/container.xml",
                         '<container><rootfiles><rootfile full-path="score.musicxml"/></rootfiles></container>')
        archive.writestr("score.musicxml", samples.MUSICXML)
    with pytest.raises(filetypes.UnsupportedFile, match="not a compressed MusicXML score"):
        filetypes.detect(io.BytesIO(buffer.getvalue()))


@pytest.mark.django_db
def test_an_html_file_named_pdf_is_refused(booking, client_for, producer):
    for content, expected in ((samples.HTML_AS_PDF, "is not a readable PDF document"),
                              (b"<html><body>chart</body></html>", "is not a MusicXML score")):
        response = _post(client_for(producer), booking, "chart.pdf", content)
        assert response.status_code == 400
        assert expected in response.json()["errors"]["file"][0]
    assert not Material.objects.filter(booking=booking).exists()


@pytest.mark.django_db
def test_a_real_pdf_is_still_accepted(booking, client_for, producer):
    response = _post(client_for(producer), booking, "chart.pdf", samples.PDF)
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "application/pdf"


def test_a_pdf_with_a_broken_structure_is_refused():
    truncated = samples.PDF[: len(samples.PDF) // 2]
    with pytest.raises(filetypes.UnsupportedFile, match="not a readable PDF document"):
        filetypes.detect(io.BytesIO(truncated))
    catalog_only = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    with pytest.raises(filetypes.UnsupportedFile):
        filetypes.detect(io.BytesIO(catalog_only))


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_photo_claiming_a_huge_pixel_count_is_refused_without_decoding(client_for, musician):
    from tests.bookings.factories import make_profile

    make_profile(musician)
    bomb = _png(20_000, 20_000)  # 400 MP of one colour: a few hundred KB on disk
    assert len(bomb) < 1024 * 1024
    response = client_for(musician).post("/api/me/profile/photo/", {"photo": SimpleUploadedFile("me.png", bomb)},
                                         format="multipart")
    assert response.status_code == 400
    assert "too many pixels" in json.dumps(response.json()) or "not a picture we can read" in json.dumps(
        response.json())
    # Pillow's own guard is tightened for every other caller too.
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb))
