"""The musician's own profile over the API: editing, nesting, permissions, bad input, photos."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from musicians.models import BusyInterval, MusicianProfile, UnavailabilityBlock

pytestmark = pytest.mark.django_db

ME = "/api/me/profile/"

FULL = {
    "stage_name": "Mia Reeds",
    "headline": "Tenor sax, flute and clarinet; reads anything",
    "bio": "Twenty years of pit bands and sessions.",
    "city": "London",
    "latitude": 51.5074,
    "longitude": -0.1278,
    "travel_radius_km": 80,
    "willing_to_tour": True,
    "records_remotely": True,
    "reads_notation": True,
    "reads_chords": True,
    "reads_nashville": False,
    "years_experience": 20,
    "union_membership": "Musicians' Union",
    "equipment_notes": "Selmer Mk VI, Yamaha flute",
    "languages": ["en", "fr"],
    "currency": "GBP",
    "hourly_rate": "65.00",
    "session_rate": "180.00",
    "day_rate": "450.00",
    "live_rate": "250.00",
    "minimum_call_hours": "3.0",
    "overtime_rate_per_half_hour": "35.00",
    "doubling_fee": "30.00",
    "cartage_fee": "20.00",
    "late_cancellation_window_hours": 48,
    "late_cancellation_fee": "90.00",
    "rate_notes": "Cartage extra for baritone.",
    "instruments": [
        {"instrument": "tenor-sax", "is_primary": True, "skill_level": "expert"},
        {"instrument": "flute", "skill_level": "professional"},
        {"instrument": "clarinet", "skill_level": "capable"},
    ],
    "genres": [{"genre": "jazz"}, {"genre": "soul"}, {"genre": "musical-theatre"}],
    "media": [
        {"url": "https://youtu.be/dQw4w9WgXcQ", "title": "Live at Ronnie's"},
        {"url": "https://soundcloud.com/mia/solo-take", "title": ""},
        {"url": "https://mia.bandcamp.com/album/first", "title": "Album"},
        {"url": "https://mia-reeds.example.com/", "title": "Website"},
    ],
    "credits": [{"artist": "The Horns", "title": "Brass Tacks", "year": 2019, "role": "Tenor sax"}],
}


@pytest.fixture
def mia(client_for, musician):
    return client_for(musician)


def test_first_get_starts_an_empty_draft(mia, musician):
    body = mia.get(ME).json()
    assert body["status"] == "draft"
    assert body["display_name"] == "Mia Musician"
    assert set(body["publish_problems"]) == {"headline", "instruments", "genres", "hourly_rate", "city"}
    assert "headline" in body["review_fields"]
    assert MusicianProfile.objects.filter(user=musician).count() == 1
    mia.get(ME)
    assert MusicianProfile.objects.filter(user=musician).count() == 1


def test_put_saves_everything_and_get_round_trips(mia):
    response = mia.put(ME, FULL, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["publish_problems"] == {}
    assert [(i["instrument"], i["is_primary"], i["skill_level"]) for i in body["instruments"]] == [
        ("tenor-sax", True, "expert"), ("flute", False, "professional"), ("clarinet", False, "capable"),
    ]
    assert [(g["genre"], g["strength"]) for g in body["genres"]] == [("jazz", 1), ("soul", 2), ("musical-theatre", 3)]
    assert [(m["kind"], m["embed_url"]) for m in body["media"]] == [
        ("youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("soundcloud", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Fmia%2Fsolo-take&visual=false"),
        ("bandcamp", ""),
        ("website", ""),
    ]
    assert body["rates"]["session_rate"] == "180.00" and body["hourly_rate"] == "65.00"
    assert body["languages"] == ["en", "fr"]
    # GET -> PUT of the same document changes nothing.
    again = mia.put(ME, mia.get(ME).json(), format="json")
    assert again.status_code == 200, again.json()
    assert {k: v for k, v in again.json().items()} == body


def test_patch_changes_only_what_it_names_and_put_resets_the_rest(mia):
    mia.put(ME, FULL, format="json")
    body = mia.patch(ME, {"hourly_rate": "70.00"}, format="json").json()
    assert body["hourly_rate"] == "70.00" and body["headline"] == FULL["headline"]
    assert len(body["instruments"]) == 3
    body = mia.put(ME, {"headline": "Just sax"}, format="json").json()
    assert body["headline"] == "Just sax"
    assert body["stage_name"] == "" and body["instruments"] == [] and body["hourly_rate"] is None


def test_first_instrument_becomes_primary_when_none_is_marked(mia):
    body = mia.patch(ME, {"instruments": [{"instrument": "cello"}, {"instrument": "viola"}]}, format="json").json()
    assert [(i["instrument"], i["is_primary"]) for i in body["instruments"]] == [("cello", True), ("viola", False)]


def test_submit_then_pending(mia):
    incomplete = mia.post("/api/me/profile/submit/")
    assert incomplete.status_code == 400
    assert "instruments" in incomplete.json()["errors"]
    mia.put(ME, FULL, format="json")
    submitted = mia.post("/api/me/profile/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "pending"


def test_submit_from_approved_is_409(mia, musician, make_profile):
    make_profile(user=musician)
    response = mia.post("/api/me/profile/submit/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"headline": "x" * 161}, "headline"),
        ({"bio": "x" * 5001}, "bio"),
        ({"stage_name": ["not", "text"]}, "stage_name"),
        ({"latitude": 91}, "latitude"),
        ({"latitude": "north"}, "latitude"),
        ({"latitude": 51.5, "longitude": None}, "longitude"),
        ({"travel_radius_km": -5}, "travel_radius_km"),
        ({"travel_radius_km": 20001}, "travel_radius_km"),
        ({"years_experience": "lots"}, "years_experience"),
        ({"hourly_rate": "-1"}, "hourly_rate"),
        ({"hourly_rate": "12.345"}, "hourly_rate"),
        ({"hourly_rate": "cheap"}, "hourly_rate"),
        ({"hourly_rate": "12345678901"}, "hourly_rate"),
        ({"minimum_call_hours": "25"}, "minimum_call_hours"),
        ({"currency": "POUNDS"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"languages": ["english"]}, "languages"),
        ({"languages": "en"}, "languages"),
        ({"instruments": [{"instrument": "kazoo-9000"}]}, "instruments"),
        ({"instruments": [{"instrument": 7}]}, "instruments"),
        ({"instruments": [{"instrument": "cello"}, {"instrument": "cello"}]}, "instruments"),
        ({"instruments": [{"instrument": "cello", "is_primary": True},
                          {"instrument": "viola", "is_primary": True}]}, "instruments"),
        ({"instruments": [{"instrument": "cello", "skill_level": "godlike"}]}, "instruments"),
        ({"instruments": "cello"}, "instruments"),
        ({"genres": [{"genre": "polka-metal"}]}, "genres"),
        ({"genres": [{"genre": "jazz"}, {"genre": "jazz"}]}, "genres"),
        ({"media": [{"url": "javascript:alert(1)"}]}, "media"),
        ({"media": [{"url": "https://www.youtube.com/playlist?list=PL123"}]}, "media"),
        ({"media": [{"url": "https://vimeo.com/channels/staffpicks"}]}, "media"),
        ({"media": [{"url": "http://plain-site.example.com/"}]}, "media"),
        ({"media": [{"url": "https://user:pw@example.com/"}]}, "media"),
        ({"media": [{"url": "https://example.com/" + "a" * 500}]}, "media"),
        ({"credits": [{"artist": "A", "title": "T", "year": 1850}]}, "credits"),
        ({"credits": [{"artist": "A", "title": "T", "year": 2999}]}, "credits"),
        ({"credits": [{"title": "No artist"}]}, "credits"),
    ],
)
def test_bad_input_is_400_with_a_message_on_the_field(mia, payload, field):
    response = mia.patch(ME, payload, format="json")
    assert response.status_code == 400, response.json()
    body = response.json()
    assert field in body["errors"], body
    assert str(body["errors"][field]).strip("[]{}' ")


def test_non_object_body_is_400(mia):
    response = mia.patch(ME, ["headline"], format="json")
    assert response.status_code == 400


def test_media_error_points_at_the_bad_row(mia):
    body = mia.patch(ME, {"media": [{"url": "https://vimeo.com/1234"}, {"url": "ftp://x.example.com/a"}]},
                     format="json").json()
    assert body["errors"]["media"][0] == {}
    assert "https://" in body["errors"]["media"][1]["url"][0]


def test_producers_and_strangers_have_no_profile_editor(client_for, producer, api_client):
    assert client_for(producer).get(ME).status_code == 403
    assert client_for(producer).patch(ME, {"headline": "x"}, format="json").status_code == 403
    assert api_client.get(ME).status_code in (401, 403)
    assert not MusicianProfile.objects.exists()


def test_each_musician_edits_only_their_own_profile(client_for, make_user, make_profile):
    other = make_profile(headline="Original")
    intruder = make_user(musician=True)
    response = client_for(intruder).patch(ME, {"headline": "Hacked", "id": other.pk, "user": other.user_id},
                                          format="json")
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.headline == "Original"
    assert MusicianProfile.objects.get(user=intruder).headline == "Hacked"


def _image_bytes(fmt="PNG", size=(1600, 1200), mode="RGB"):
    buffer = io.BytesIO()
    Image.new(mode, size, "red" if mode == "RGB" else None).save(buffer, format=fmt)
    return buffer.getvalue()


def test_photo_upload_is_checked_resized_and_reencoded(mia, musician, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("me.png", _image_bytes("PNG", (2000, 1500)), content_type="image/png")
    response = mia.post("/api/me/profile/photo/", {"photo": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    profile = MusicianProfile.objects.get(user=musician)
    with Image.open(profile.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1024
    first = profile.photo.path
    upload = SimpleUploadedFile("me.webp", _image_bytes("WEBP", (300, 300)), content_type="image/webp")
    assert mia.post("/api/me/profile/photo/", {"photo": upload}, format="multipart").status_code == 200
    profile.refresh_from_db()
    assert profile.photo.path != first
    assert mia.delete("/api/me/profile/photo/").json()["photo_url"] is None


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("evil.jpg", b"<?php echo 1; ?>", "image/jpeg"),
        ("anim.gif", _image_bytes("GIF", (10, 10), "P"), "image/gif"),
        ("truncated.png", _image_bytes("PNG")[:200], "image/png"),
        ("big.bmp", _image_bytes("BMP", (100, 100)), "image/jpeg"),
    ],
)
def test_photo_upload_rejects_what_is_not_a_supported_picture(mia, name, content, content_type, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    response = mia.post("/api/me/profile/photo/", {"photo": SimpleUploadedFile(name, content, content_type)},
                        format="multipart")
    assert response.status_code == 400
    assert "photo" in response.json()["errors"]


def test_photo_over_5_mb_is_refused(mia, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024 + 10), "image/png")
    response = mia.post("/api/me/profile/photo/", {"photo": big}, format="multipart")
    assert response.status_code == 400
    assert "5 MB" in response.json()["errors"]["photo"][0]


def test_photo_missing_is_400(mia):
    response = mia.post("/api/me/profile/photo/", {}, format="multipart")
    assert response.status_code == 400
    assert "photo" in response.json()["errors"]


# --- Unavailability API ----------------------------------------------------------------------


def test_unavailability_create_list_delete(mia, musician, frozen_clock, django_assert_num_queries):
    frozen_clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))
    once = mia.post("/api/me/unavailability/", {"kind": "once", "starts_at": "2027-01-10T09:00",
                                                "ends_at": "2027-01-10T17:00", "note": "Dentist"}, format="json")
    assert once.status_code == 201, once.json()
    # Naive times are the musician's own wall clock (London: GMT in January).
    assert once.json()["starts_at"].startswith("2027-01-10T09:00:00")
    weekly = mia.post("/api/me/unavailability/", {"kind": "weekly", "weekday": 1, "start_time": "18:00",
                                                  "end_time": "22:00"}, format="json")
    assert weekly.status_code == 201, weekly.json()
    assert weekly.json()["summary"].startswith("Every Tuesday 18:00–22:00")
    for n in range(3):
        mia.post("/api/me/unavailability/", {"kind": "once", "starts_at": f"2027-02-0{n + 1}T09:00",
                                             "ends_at": f"2027-02-0{n + 1}T10:00"}, format="json")
    # Constant queries for the list (token-less test auth): count and page.
    with django_assert_num_queries(2):
        listing = mia.get("/api/me/unavailability/")
    assert listing.json()["count"] == 5
    block_id = once.json()["id"]
    assert mia.delete(f"/api/me/unavailability/{block_id}/").status_code == 204
    assert not BusyInterval.objects.filter(source_id=str(block_id)).exists()
    assert mia.delete(f"/api/me/unavailability/{block_id}/").status_code == 404


def test_unavailability_list_query_count_does_not_grow(mia, frozen_clock, django_assert_num_queries):
    frozen_clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))
    for n in range(12):
        mia.post("/api/me/unavailability/", {"kind": "once", "starts_at": f"2027-03-{n + 1:02d}T09:00",
                                             "ends_at": f"2027-03-{n + 1:02d}T10:00"}, format="json")
    with django_assert_num_queries(2):
        assert len(mia.get("/api/me/unavailability/?page_size=12").json()["results"]) == 12


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "kind"),
        ({"kind": "sometimes"}, "kind"),
        ({"kind": "once", "starts_at": "tomorrow", "ends_at": "2027-01-10T10:00"}, "starts_at"),
        ({"kind": "once", "starts_at": "2027-01-10T10:00"}, "ends_at"),
        ({"kind": "once", "starts_at": "2027-01-10T10:00", "ends_at": "2027-01-10T09:00"}, "ends_at"),
        ({"kind": "weekly", "weekday": 7, "start_time": "09:00", "end_time": "10:00"}, "weekday"),
        ({"kind": "weekly", "weekday": 2, "start_time": "25:00", "end_time": "10:00"}, "start_time"),
        ({"kind": "weekly", "weekday": 2, "start_time": "09:00"}, "end_time"),
        ({"kind": "once", "starts_at": "2027-01-10T10:00", "ends_at": "2027-01-10T11:00", "note": "x" * 201}, "note"),
    ],
)
def test_unavailability_bad_input(mia, frozen_clock, payload, field):
    frozen_clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))
    response = mia.post("/api/me/unavailability/", payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not UnavailabilityBlock.objects.exists()


def test_unavailability_of_another_musician_is_404(client_for, make_user, make_profile, frozen_clock):
    frozen_clock.set(datetime(2027, 1, 4, 9, tzinfo=UTC))
    owner = make_user(musician=True)
    client_for(owner).get(ME)
    block = client_for(owner).post("/api/me/unavailability/", {"kind": "once", "starts_at": "2027-01-10T09:00",
                                                                "ends_at": "2027-01-10T10:00"}, format="json").json()
    other = make_user(musician=True)
    client_for(other).get(ME)
    assert client_for(other).delete(f"/api/me/unavailability/{block['id']}/").status_code == 404
    assert client_for(other).get("/api/me/unavailability/").json()["count"] == 0
    assert UnavailabilityBlock.objects.filter(pk=block["id"]).exists()


def test_shape_and_rule_problems_come_back_in_one_answer_and_nothing_is_saved(mia, musician):
    mia.put(ME, FULL, format="json")
    response = mia.patch(ME, {
        "headline": "Changed",
        "hourly_rate": "lots",  # the serializer's own check
        "instruments": [{"instrument": "cello"}, {"instrument": "cello"}],  # the service's rule
        "latitude": 51.5,  # the service's rule: a position needs both halves
        "longitude": None,
    }, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) >= {"hourly_rate", "instruments", "longitude"}, errors
    assert "listed twice" in str(errors["instruments"])
    assert MusicianProfile.objects.get(user=musician).headline == FULL["headline"]
