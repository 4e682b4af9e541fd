"""Materials: type judged by content, size limit, private storage, download only for parties and staff."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bookings import filetypes, services
from bookings.models import Material
from gigbook.core.errors import InvalidTransition, NotFound, ValidationFailed
from tests.bookings import samples
from tests.bookings.factories import offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(now, producer, profile, venue):
    return offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (samples.PDF, filetypes.PDF),
        (samples.image("PNG"), filetypes.PNG),
        (samples.image("JPEG"), filetypes.JPEG),
        (samples.MUSICXML, filetypes.MUSICXML),
        (b"\xef\xbb\xbf" + samples.MUSICXML, filetypes.MUSICXML),
        (samples.mxl(), filetypes.MXL),
        (samples.mp3(), filetypes.MP3),
        (samples.mp3(with_id3=False), filetypes.MP3),
    ],
)
def test_accepted_types_are_recognised_by_content(content, expected):
    assert filetypes.detect(io.BytesIO(content)) == expected


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"<html><script>alert(1)</script></html>",
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        b"\x89PNG\r\n\x1a\n" + b"garbage" * 50,
        b"\xff\xd8\xff\xe0" + b"garbage" * 50,
        samples.NOT_MUSICXML,
        samples.XML_BOMB,
        samples.plain_zip(),
        samples.mxl(root=samples.NOT_MUSICXML),
        samples.fake_mp3(),
        samples.mp3(frames=1),
        b"GIF89a" + b"\x00" * 40,
    ],
)
def test_everything_else_is_refused(content):
    with pytest.raises(filetypes.UnsupportedFile):
        filetypes.detect(io.BytesIO(content))


def test_upload_is_stored_privately_under_a_random_name_with_the_detected_type(booking, producer, settings):
    material = services.material_add(booking_id=booking.pk, actor=producer,
                                     upload=upload("chart.mp3", samples.PDF, "audio/mpeg"))
    assert material.content_type == "application/pdf"  # the name and the browser's type are ignored
    assert material.original_name == "chart.mp3"
    assert material.file.name.startswith(f"bookings/{booking.pk}/") and material.file.name.endswith(".pdf")
    stored = settings.MATERIALS_ROOT / material.file.name
    assert stored.read_bytes() == samples.PDF
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(NotImplementedError):
        material.file.url  # noqa: B018 - there is no public URL to leak


def test_renamed_executable_is_refused(booking, producer):
    with pytest.raises(ValidationFailed) as info:
        services.material_add(booking_id=booking.pk, actor=producer,
                              upload=upload("chart.pdf", b"MZ\x90\x00" * 100, "application/pdf"))
    assert "file" in info.value.fields
    assert not Material.objects.exists()


def test_files_over_20_mb_are_refused(booking, producer):
    big = samples.PDF + b"0" * (filetypes.MAX_MATERIAL_BYTES + 1 - len(samples.PDF))
    with pytest.raises(ValidationFailed) as info:
        services.material_add(booking_id=booking.pk, actor=producer, upload=upload("big.pdf", big))
    assert "20 MB" in info.value.fields["file"][0]


def test_exactly_20_mb_is_fine(booking, producer):
    exact = samples.PDF + b"0" * (filetypes.MAX_MATERIAL_BYTES - len(samples.PDF))
    material = services.material_add(booking_id=booking.pk, actor=producer, upload=upload("exact.pdf", exact))
    assert material.size == filetypes.MAX_MATERIAL_BYTES


def test_musician_can_add_references_too(booking, musician):
    material = services.material_add(booking_id=booking.pk, actor=musician, upload=upload("ref.mp3", samples.mp3()),
                                     kind="reference")
    assert material.kind == "reference" and material.content_type == "audio/mpeg"


def test_strangers_cannot_upload(booking, make_user):
    with pytest.raises(NotFound):
        services.material_add(booking_id=booking.pk, actor=make_user(), upload=upload("a.pdf", samples.PDF))


def test_closed_bookings_take_no_uploads(booking, musician, producer):
    services.booking_decline(booking_id=booking.pk, actor=musician)
    with pytest.raises(InvalidTransition):
        services.material_add(booking_id=booking.pk, actor=producer, upload=upload("a.pdf", samples.PDF))


# --- over HTTP ---------------------------------------------------------------------------------


def test_upload_list_download_and_delete_through_the_api(booking, client_for, producer, musician, staff_user,
                                                         make_user, api_client):
    url = f"/api/bookings/{booking.pk}/materials/"
    created = client_for(producer).post(url, {"file": upload("Chart (v2).png", samples.image("PNG")), "kind": "chart"},
                                        format="multipart")
    assert created.status_code == 201, created.json()
    material_id = created.json()["id"]
    download = created.json()["download_url"]
    assert download == f"{url}{material_id}/"

    listed = client_for(musician).get(url)
    assert [m["original_name"] for m in listed.json()] == ["Chart (v2).png"]

    for user in (producer, musician, staff_user):
        response = client_for(user).get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content) == samples.image("PNG")

    stranger = client_for(make_user(producer=True, musician=True))
    assert stranger.get(download).status_code == 404
    assert stranger.get(url).status_code == 404
    assert stranger.delete(download).status_code == 404
    assert api_client.get(download).status_code in (401, 403)

    assert client_for(musician).delete(download).status_code == 403  # not the uploader
    assert client_for(producer).delete(download).status_code == 204
    assert client_for(producer).get(download).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "file"),
        ({"file": "not a file"}, "file"),
        ({"file": upload("x.pdf", samples.PDF), "kind": "lyrics"}, "kind"),
        ({"file": upload("x.html", b"<html></html>")}, "file"),
        ({"file": upload("empty.pdf", b"")}, "file"),
    ],
)
def test_bad_uploads_are_400(booking, client_for, producer, data, field):
    response = client_for(producer).post(f"/api/bookings/{booking.pk}/materials/", data, format="multipart")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_material_list_query_count_is_fixed(booking, client_for, producer, django_assert_num_queries):
    for n in range(3):
        services.material_add(booking_id=booking.pk, actor=producer, upload=upload(f"chart{n}.pdf", samples.PDF))
    # is it visible to this user, then the materials
    with django_assert_num_queries(2):
        assert len(client_for(producer).get(f"/api/bookings/{booking.pk}/materials/").json()) == 3
