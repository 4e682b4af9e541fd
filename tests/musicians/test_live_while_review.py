"""A live profile stays public and searchable while an edit of a reviewed field waits, after the
edit is rejected, and shows the new text once it is approved. Only a first profile or a
suspension takes a musician out of search."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gigbook.core.errors import InvalidTransition
from gigbook.notifications.models import Notification
from musicians import selectors, services
from musicians.models import MusicianProfile

pytestmark = pytest.mark.django_db
S = MusicianProfile.Status


def _searched(api_client, q: str) -> list[str]:
    response = api_client.get("/api/musicians/", {"q": q})
    assert response.status_code == 200
    return [card["headline"] for card in response.json()["results"]]


def test_reviewed_edit_waits_and_rejected_edit_leaves_the_approved_version_live(
    make_profile, staff_user, api_client, client
):
    profile = make_profile(headline="Soul keys", bio="Hammond player.", hourly_rate=Decimal("60"))
    services.profile_update(user=profile.user, changes={
        "headline": "Soul and gospel keys", "bio": "Call me on 07911 000000",
        "media": [{"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "title": "Live"}],
        "hourly_rate": Decimal("65"),
    })
    profile.refresh_from_db()
    assert profile.status == S.APPROVED and profile.changes_state == "pending"
    assert profile.hourly_rate == Decimal("65")  # not reviewed: live at once
    assert not profile.media.exists()  # the waiting demo link is not public yet
    # Public API, search API, search page and public page all show the approved text.
    assert _searched(api_client, "soul") == ["Soul keys"]
    assert _searched(api_client, "gospel") == []
    public = api_client.get(f"/api/musicians/{profile.pk}/").json()
    assert public["headline"] == "Soul keys" and public["bio"] == "Hammond player." and public["media"] == []
    page = client.get(f"/musicians/{profile.pk}/")
    assert page.status_code == 200 and b"Soul keys" in page.content and b"07911" not in page.content
    assert b"Soul keys" in client.get("/musicians/", {"q": "soul"}).content

    # The owner sees what they typed and what is waiting.
    client.force_login(profile.user)
    own = client.get("/api/me/profile/").json()
    assert own["headline"] == "Soul and gospel keys"
    assert own["media"][0]["kind"] == "youtube"
    assert own["changes_state"] == "pending"
    assert [c["field"] for c in own["waiting_changes"]] == ["headline", "bio", "media"]
    assert own["waiting_changes"][0]["before"] == "Soul keys"
    client.logout()

    services.profile_reject(profile=profile, by=staff_user, reason="No phone numbers in the bio, please.")
    profile.refresh_from_db()
    assert profile.status == S.APPROVED and profile.changes_state == "rejected"
    assert profile.rejection_reason == "No phone numbers in the bio, please."
    assert _searched(api_client, "soul") == ["Soul keys"]
    assert client.get(f"/musicians/{profile.pk}/").status_code == 200
    told = Notification.objects.filter(recipient=profile.user).latest("id")
    assert told.kind == "profile_changes_rejected" and "stays live" in told.body and "phone numbers" in told.body

    # Fixing the bio queues the changes again; approving them publishes them.
    services.profile_update(user=profile.user, changes={"bio": "Hammond and Rhodes player."})
    profile.refresh_from_db()
    assert profile.changes_state == "pending"
    assert _searched(api_client, "gospel") == []
    services.profile_approve(profile=profile, by=staff_user)
    profile.refresh_from_db()
    assert profile.status == S.APPROVED and profile.changes_state == "" and profile.pending_changes == {}
    assert profile.headline == "Soul and gospel keys" and profile.bio == "Hammond and Rhodes player."
    assert [m.embed_url for m in profile.media.all()] == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"]
    assert _searched(api_client, "gospel") == ["Soul and gospel keys"]
    assert Notification.objects.filter(recipient=profile.user).latest("id").kind == "profile_changes_approved"


def test_undoing_an_edit_withdraws_it_from_review(make_profile):
    profile = make_profile(headline="Session bass")
    services.profile_update(user=profile.user, changes={"headline": "Session bass and synth"})
    services.profile_update(user=profile.user, changes={"headline": "Session bass"})
    profile.refresh_from_db()
    assert profile.pending_changes == {} and profile.changes_state == ""
    assert selectors.musician_search(q="bass").filter(pk=profile.pk).exists()


def test_a_new_photo_waits_and_the_approved_one_stays(make_profile, staff_user, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    profile = make_profile()

    def upload(colour):
        from io import BytesIO

        buffer = BytesIO()
        Image.new("RGB", (40, 40), colour).save(buffer, format="PNG")
        return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")

    services.profile_photo_set(user=profile.user, upload=upload("red"))
    profile.refresh_from_db()
    assert not profile.photo  # nothing public yet: a first photo of a live profile waits too
    waiting = profile.pending_changes["photo"]
    assert (tmp_path / waiting).exists()
    services.profile_approve(profile=profile, by=staff_user)
    profile.refresh_from_db()
    assert profile.photo.name == waiting and profile.pending_changes == {}


def test_only_a_first_profile_or_a_suspension_takes_a_player_out_of_search(make_profile, staff_user):
    first = make_profile(status=S.PENDING, headline="First timer")
    live = make_profile(headline="Old hand")
    services.profile_update(user=live.user, changes={"headline": "Old hand, new tricks"})
    found = set(selectors.musician_search().values_list("pk", flat=True))
    assert live.pk in found and first.pk not in found
    services.profile_suspend(profile=live, by=staff_user, reason="Reported no-show")
    assert not selectors.musician_search().filter(pk=live.pk).exists()
    # The waiting changes are not in the queue while suspended, and cannot be approved then.
    live.refresh_from_db()
    with pytest.raises(InvalidTransition):
        services.profile_approve(profile=live, by=staff_user)


def test_an_empty_years_of_experience_is_not_shown_as_zero_years(make_profile, client, api_client):
    profile = make_profile(years_experience=None)
    page = client.get(f"/musicians/{profile.pk}/").content.decode()
    assert "Experience" not in page and "0 years" not in page
    assert "0 years" not in client.get("/musicians/", {"q": "player"}).content.decode()
    assert api_client.get(f"/api/musicians/{profile.pk}/").json()["years_experience"] is None


def test_a_typed_city_is_placed_from_the_gazetteer_or_the_checklist_says_to_pick_one(make_user):
    user = make_user(musician=True, time_zone="Europe/London")
    profile = services.profile_update(user=user, changes={"city": "london"})
    assert (profile.city, profile.latitude, profile.longitude) == ("London, GB", 51.5074, -0.1278)
    profile = services.profile_update(user=user, changes={"city": "Xyzzyville"})
    assert profile.latitude is None
    step = next(s for s in selectors.profile_completeness(profile) if s.field == "city")
    assert not step.done and "Pick your city from the suggestions" in step.todo
