"""Uploads on S3-compatible storage (MEDIA_STORAGE=s3), against a real S3 API server (moto in server mode).

Every web node reads the same bucket, so a file uploaded through one node downloads through another;
booking materials are private objects handed out as short-lived signed URLs after the party check.
"""

import io
import logging
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from moto.server import ThreadedMotoServer
from PIL import Image

from bookings.models import Material
from tests.bookings import samples
from tests.bookings.factories import offer

pytestmark = pytest.mark.django_db
BUCKET = "gigbook-media"


@pytest.fixture(scope="module")
def s3_server():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    client = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="test-key",
                          aws_secret_access_key="test-secret", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    options = {
        "bucket_name": BUCKET, "endpoint_url": s3_server, "region_name": "us-east-1",
        "access_key": "test-key", "secret_key": "test-secret", "default_acl": None,
        "querystring_auth": True, "file_overwrite": False, "signature_version": "s3v4",
        "addressing_style": "path",
    }
    settings.MEDIA_STORAGE = "s3"
    settings.MATERIALS_URL_SECONDS = 60
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**options, "location": "media", "querystring_expire": 3600}},
        "materials": {"BACKEND": "storages.backends.s3.S3Storage",
                      "OPTIONS": {**options, "location": "private/materials", "querystring_expire": 60}},
    }
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client, prefix=""):
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])]


def _fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the local test server
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


@pytest.fixture
def booking(now, producer, profile, venue):
    return offer(producer, profile, venue=venue, starts_at=now + timedelta(days=3))


def test_material_is_a_private_object_downloaded_by_a_short_lived_signed_url(s3, booking, client_for, musician,
                                                                               make_user):
    producer_client = client_for(booking.producer)
    created = producer_client.post(
        f"/api/bookings/{booking.pk}/materials/",
        {"file": SimpleUploadedFile("Chart – verse.pdf", samples.PDF, content_type="application/pdf"),
         "kind": "chart"},
        format="multipart",
    )
    assert created.status_code == 201, created.content
    material = Material.objects.get(pk=created.json()["id"])
    [key] = _keys(s3, "private/materials/")
    assert key == f"private/materials/{material.file.name}"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == samples.PDF

    # Not readable without a signature: the bucket is private.
    status, _, _ = _fetch(f"{s3.meta.endpoint_url}/{BUCKET}/{key}")
    assert status == 403

    # The other party gets a redirect to a signed URL, valid for MATERIALS_URL_SECONDS, that
    # downloads under the original name.
    response = client_for(musician).get(f"/api/bookings/{booking.pk}/materials/{material.pk}/")
    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    signed = response["Location"]
    query = parse_qs(urlsplit(signed).query)
    assert query["X-Amz-Expires"] == ["60"]
    assert "X-Amz-Signature" in query
    status, body, headers = _fetch(signed)
    assert status == 200 and body == samples.PDF
    assert headers["Content-Disposition"].startswith("attachment;")
    assert "Chart%20%E2%80%93%20verse.pdf" in headers["Content-Disposition"]

    # (moto checks that a request is signed, not the signature's value or its expiry, so those
    # two are asserted on the URL above rather than by the server.)

    # A stranger learns nothing, not even a signed URL.
    stranger = make_user(producer=True, email="stranger@example.com")
    assert client_for(stranger).get(f"/api/bookings/{booking.pk}/materials/{material.pk}/").status_code == 404


def test_a_signed_url_is_issued_per_request_with_the_configured_lifetime(s3, booking, client_for, settings):
    settings.MATERIALS_URL_SECONDS = 30
    client = client_for(booking.producer)
    created = client.post(f"/api/bookings/{booking.pk}/materials/",
                          {"file": SimpleUploadedFile("a.pdf", samples.PDF), "kind": "chart"}, format="multipart")
    assert created.status_code == 201
    url = client.get(f"/api/bookings/{booking.pk}/materials/{created.json()['id']}/")["Location"]
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["30"]


def test_deleting_a_material_deletes_the_object_after_commit(s3, booking, client_for, django_capture_on_commit_callbacks):
    client = client_for(booking.producer)
    created = client.post(f"/api/bookings/{booking.pk}/materials/",
                          {"file": SimpleUploadedFile("a.pdf", samples.PDF), "kind": "chart"}, format="multipart")
    assert _keys(s3, "private/materials/")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/bookings/{booking.pk}/materials/{created.json()['id']}/").status_code == 204
    assert _keys(s3, "private/materials/") == []


def test_an_upload_whose_row_is_rolled_back_leaves_no_object(s3, booking, client_for):
    # A real database failure after the file reached the bucket: a trigger refuses the row.
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION refuse_material() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'refused by test trigger'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_material BEFORE INSERT ON bookings_material
            FOR EACH ROW EXECUTE FUNCTION refuse_material();
        """)
    client = client_for(booking.producer)
    client.raise_request_exception = False
    response = client.post(f"/api/bookings/{booking.pk}/materials/",
                           {"file": SimpleUploadedFile("a.pdf", samples.PDF), "kind": "chart"}, format="multipart")
    assert response.status_code == 500
    assert _keys(s3, "private/materials/") == []
    assert not Material.objects.exists()


def test_profile_photos_go_to_the_bucket_with_signed_urls(s3, musician, profile, client_for):
    response = client_for(musician).post("/api/me/profile/photo/",
                                         {"photo": SimpleUploadedFile("me.png", samples.image("PNG"))},
                                         format="multipart")
    assert response.status_code in (200, 201), response.content
    profile.refresh_from_db()
    assert _keys(s3, "media/musicians/photos/")
    # A live profile's new photo waits for review; either way it is an object in the bucket.
    name = profile.photo.name or profile.pending_changes["photo"]
    url = default_storage.url(name)
    assert "X-Amz-Signature" in url
    status, body, _ = _fetch(url)
    assert status == 200
    assert Image.open(io.BytesIO(body)).format in ("JPEG", "PNG", "WEBP")
