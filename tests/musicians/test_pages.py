"""Server-rendered pages, the admin moderation actions, the demo seed and the beat task."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from gigbook.notifications.models import Notification
from musicians.models import BusyInterval, Genre, Instrument, MusicianProfile, UnavailabilityBlock
from musicians.selectors import profile_publish_problems
from musicians.tasks import extend_busy_horizon

pytestmark = pytest.mark.django_db


def test_search_page_lists_cards_with_rates_and_keeps_filters(client, make_profile):
    profile = make_profile(stage_name="Velvet Horns", instruments=("trumpet", "flugelhorn"), genres=("jazz",),
                           session_rate=Decimal("200"))
    make_profile(instruments=("cello",))
    response = client.get("/musicians/", {"instrument": "flugelhorn", "rate_kind": "session", "max_rate": "",
                                          "currency": "GBP"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 musician found" in html
    # The card's link carries the searched instrument on to the profile (and its Book button).
    assert "Velvet Horns" in html and f'href="/musicians/{profile.pk}/?instrument=flugelhorn"' in html
    assert "£200.00" in html  # the chosen rate kind, in its currency
    assert re.search(r'<option value="flugelhorn" selected>', html)


def test_search_page_shows_filter_errors_next_to_fields(client):
    response = client.get("/musicians/", {"instrument": "kazoo", "max_rate": "cheap"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="e-instrument"' in html and "Choose instruments from the list." in html
    assert 'aria-describedby="e-max_rate"' in html


def test_search_page_paginates_with_links_that_keep_the_filters(client, make_profile):
    for _ in range(23):
        make_profile(instruments=("viola",))
    html = client.get("/musicians/", {"instrument": "viola"}).content.decode()
    assert "23 musicians found, page 1 of 2" in html
    assert 'href="?instrument=viola&amp;page=2"' in html
    assert 'aria-current="page"' in html
    second = client.get("/musicians/", {"instrument": "viola", "page": 2}).content.decode()
    assert second.count('class="card mus-card"') == 3


@pytest.mark.parametrize("count", [3, 20])
def test_search_page_query_count_does_not_grow(client, make_profile, django_assert_num_queries, count):
    for _ in range(count):
        make_profile(instruments=("oboe",), genres=("classical", "baroque"))
    client.get("/musicians/", {"instrument": "oboe"})  # warm the slug map
    # count, page, instruments, genres, out-of-date imported calendars, instrument list, genre list
    # (filter dropdowns)
    with django_assert_num_queries(7):
        assert client.get("/musicians/", {"instrument": "oboe"}).status_code == 200


def test_profile_page_escapes_user_text_and_embeds_only_allowed_players(client, make_profile):
    from musicians.models import DemoMedia

    profile = make_profile(stage_name="<b>Bold</b>", bio="<script>alert(1)</script>\nSecond line")
    DemoMedia.objects.create(profile=profile, kind="youtube", url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                             embed_url="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", title="Live")
    DemoMedia.objects.create(profile=profile, kind="website", url="https://example.com/me", title="Site")
    html = client.get(f"/musicians/{profile.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>Bold</b>" not in html
    iframes = re.findall(r'<iframe src="([^"]+)"', html)
    assert iframes == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"]
    assert f'href="/bookings/new/?musician={profile.pk}"' in html
    assert profile.user.email not in html


@pytest.mark.parametrize("status", ["draft", "pending", "rejected", "suspended"])
def test_unapproved_profile_page_is_404_for_others_and_a_preview_for_its_owner(client, make_user, make_profile,
                                                                             staff_user, status):
    profile = make_profile(status=status)
    assert client.get(f"/musicians/{profile.pk}/").status_code == 404
    client.force_login(make_user(producer=True))
    assert client.get(f"/musicians/{profile.pk}/").status_code == 404
    client.force_login(profile.user)
    own = client.get(f"/musicians/{profile.pk}/").content.decode()
    assert "Preview." in own and "Book this player" not in own
    client.force_login(staff_user)
    assert client.get(f"/musicians/{profile.pk}/").status_code == 200


def test_editor_page_needs_a_musician(client, make_user, musician):
    assert client.get("/me/profile/").status_code == 302
    client.force_login(make_user(producer=True))
    assert client.get("/me/profile/").status_code == 403
    client.force_login(musician)
    response = client.get("/me/profile/")
    assert response.status_code == 200
    assert 'id="profile-data"' in response.content.decode()
    assert MusicianProfile.objects.get(user=musician).status == "draft"


def _admin_request(user, data=None):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.test import RequestFactory

    request = RequestFactory().post("/admin/musicians/musicianprofile/", data or {})
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_admin_actions_use_the_moderation_services(make_profile, staff_user):
    # The admin class itself (another app may wrap it in the site registry).
    from django.contrib.admin import AdminSite

    from musicians.admin import MusicianProfileAdmin

    admin = MusicianProfileAdmin(MusicianProfile, AdminSite())
    approve_me, reject_me = make_profile(status="pending"), make_profile(status="pending")
    admin.approve(_admin_request(staff_user), MusicianProfile.objects.filter(pk=approve_me.pk))
    approve_me.refresh_from_db()
    assert approve_me.status == "approved" and approve_me.reviewed_by == staff_user

    queryset = MusicianProfile.objects.filter(pk=reject_me.pk)
    form = admin.reject(_admin_request(staff_user, {"action": "reject"}), queryset)
    form.render()
    assert b"Reason" in form.content
    reject_me.refresh_from_db()
    assert reject_me.status == "pending"  # nothing happens until a reason is given
    admin.reject(_admin_request(staff_user, {"action": "reject", "confirm": "1", "reason": "Photo is a band logo"}),
                 queryset)
    reject_me.refresh_from_db()
    assert (reject_me.status, reject_me.rejection_reason) == ("rejected", "Photo is a band logo")

    # Illegal moves are reported to the admin, not crashed on.
    request = _admin_request(staff_user)
    admin.unsuspend(request, MusicianProfile.objects.filter(pk=approve_me.pk))
    assert any("cannot be reinstated" in str(m) for m in request._messages)
    assert {n.kind for n in Notification.objects.all()} == {"profile_approved", "profile_rejected"}


def test_admin_action_names_the_profile_it_approved_when_another_fails(make_profile, staff_user):
    from django.contrib.admin import AdminSite

    from musicians.admin import MusicianProfileAdmin

    admin = MusicianProfileAdmin(MusicianProfile, AdminSite())
    waiting = make_profile(status="pending", stage_name="Ready Player")
    drafting = make_profile(status="draft", stage_name="Draft Player")  # after the good one: the loop ends on it
    request = _admin_request(staff_user)
    admin.approve(request, MusicianProfile.objects.filter(pk__in=[waiting.pk, drafting.pk]).order_by("pk"))
    said = [str(m) for m in request._messages]
    assert "Profile approved: Ready Player" in said
    assert any(m.startswith("Draft Player: ") for m in said)
    assert not any("(s)" in m for m in said)


def test_demo_seed_builds_a_searchable_directory_and_is_idempotent(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    approved = MusicianProfile.objects.filter(status="approved")
    counts = (approved.count(), MusicianProfile.objects.count(), BusyInterval.objects.count(),
              UnavailabilityBlock.objects.count())
    assert counts[0] >= 200
    assert MusicianProfile.objects.filter(status="pending").count() >= 3
    played = set(approved.values_list("instruments__instrument__slug", flat=True))
    assert played >= set(Instrument.objects.values_list("slug", flat=True))
    assert set(approved.values_list("genres__genre__slug", flat=True)) >= set(Genre.objects.values_list("slug", flat=True))
    assert approved.filter(instruments__is_primary=False).distinct().count() > 100  # doubles
    assert len(set(approved.values_list("currency", flat=True))) > 5
    mia = MusicianProfile.objects.get(user__email="musician@gigbook.test")
    assert mia.status == "approved" and profile_publish_problems(mia) == {}
    assert mia.media.exists() and mia.credits.exists() and mia.unavailability.exists()
    call_command("seed_demo")
    assert (approved.count(), MusicianProfile.objects.count(), BusyInterval.objects.count(),
            UnavailabilityBlock.objects.count()) == counts
    assert client.get("/api/musicians/", {"instrument": "tenor-sax"}).json()["count"] >= 3


def test_busy_horizon_task_runs_the_service(make_profile, frozen_clock):
    from datetime import UTC, datetime, time, timedelta

    from musicians import services

    frozen_clock.set(datetime(2027, 1, 4, tzinfo=UTC))
    block = services.block_create(profile=make_profile(), kind="weekly", weekday=0, start_time=time(9),
                                  end_time=time(10))
    frozen_clock.set(datetime(2027, 1, 18, tzinfo=UTC))
    assert extend_busy_horizon() == 2
    block.refresh_from_db()
    assert block.expanded_until == datetime(2027, 1, 18, tzinfo=UTC) + timedelta(days=372)
