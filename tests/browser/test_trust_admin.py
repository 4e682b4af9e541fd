"""A moderator works the queue in real headless Chromium: diff, approve one, reject in bulk, suspend."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from bookings.models import Booking
from gigbook.notifications.models import Notification
from musicians import services as musician_services
from musicians.models import MusicianProfile
from tests.bookings.factories import make_profile, make_venue, offer
from tests.trust.conftest import NOW
from trust import services
from trust.models import BookingFlag
from trust.permissions import MODERATORS_GROUP

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
S = MusicianProfile.Status


@pytest.fixture
def browser_context_args(browser_context_args):
    # Moderators work at a desk: the admin at a laptop width.
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "is_mobile": False,
            "has_touch": False}


def test_a_moderator_works_the_queue(live_server, page, make_user, producer, frozen_clock):
    from bookings import services as booking_services

    frozen_clock.set(NOW)
    mod = make_user(staff=True, full_name="Mo Moderator", email="mo@example.com", password="pw-Str0ng-enough")
    mod.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    players = {}
    for name, status in (("Edited Player", S.PENDING), ("New One", S.PENDING), ("New Two", S.PENDING),
                         ("Busy Player", S.APPROVED)):
        user = make_user(musician=True, full_name=name, email=f"{name.replace(' ', '.').lower()}@example.com")
        players[name] = make_profile(user, status=status, headline="Soul keys")
    services.moderation_approve(profile_id=players["Edited Player"].pk, by=mod)
    frozen_clock.advance(timedelta(minutes=1))
    musician_services.profile_update(user=players["Edited Player"].user,
                                     changes={"headline": "Soul keys, call 07911 000000"})
    for name in ("New One", "New Two"):
        frozen_clock.advance(timedelta(minutes=1))
        MusicianProfile.objects.filter(pk=players[name].pk).update(submitted_at=frozen_clock.now())
    busy = players["Busy Player"]
    venue = make_venue(producer)
    open_offer = offer(producer, busy, venue=venue, starts_at=NOW + timedelta(days=5))
    confirmed = offer(producer, busy, venue=venue, starts_at=NOW + timedelta(days=7))
    booking_services.booking_accept(booking_id=confirmed.pk, actor=busy.user)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Email").fill("mo@example.com")
    page.get_by_label("Password").fill("pw-Str0ng-enough")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Profiles awaiting review").click()

    # Oldest first, with what changed.
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Edited Player")
    expect(rows.nth(0)).to_contain_text("Headline")
    expect(rows.nth(1)).to_contain_text("New profile")

    # The diff, then approve this one.
    page.get_by_role("link", name="Edited Player").click()
    expect(page.locator(".trust-diff del")).to_have_text("keys")
    expect(page.locator(".trust-diff ins")).to_have_text("keys, call 07911 000000")
    page.get_by_role("link", name="Approve").click()
    page.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".messagelist")).to_have_text("Changes approved: Edited Player")
    expect(page.locator("#result_list tbody tr")).to_have_count(2)

    # Reject the other two at once, with a reason from the list.
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("reject_profiles")
    page.get_by_role("button", name="Run").click()
    page.get_by_label("Reason").select_option("incomplete")
    page.get_by_label("Details for the musician").fill("Add at least one recording.")
    page.get_by_role("button", name="Reject").click()
    expect(page.locator(".messagelist")).to_contain_text("2 profiles rejected.")
    assert MusicianProfile.objects.filter(status=S.REJECTED).count() == 2

    # Suspend a profile with an open offer and a confirmed booking.
    page.goto(f"{live_server.url}/admin/trust/moderatedprofile/{busy.pk}/change/")
    page.get_by_role("link", name="Suspend…").click()
    page.get_by_label("Reason").select_option("harassment")
    page.get_by_label("Details for the musician").fill("Abusive messages to a producer.")
    page.get_by_role("button", name=re.compile("^Suspend")).click()
    expect(page.locator(".messagelist")).to_contain_text(
        "1 offer withdrawn, 1 booking flagged, 1 producer told")
    assert Booking.objects.get(pk=open_offer.pk).status == Booking.Status.WITHDRAWN
    assert Booking.objects.get(pk=confirmed.pk).status == Booking.Status.ACCEPTED
    assert BookingFlag.objects.get().booking_id == confirmed.pk
    assert Notification.objects.filter(recipient=producer, kind="trust_musician_suspended").count() == 1

    page.goto(f"{live_server.url}/admin/trust/bookingflag/")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    page.goto(f"{live_server.url}/admin/trust/auditentry/")
    expect(page.locator("#result_list")).to_contain_text("profile.suspend")
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
