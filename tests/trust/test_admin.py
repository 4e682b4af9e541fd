"""The admin: who may reach what (the permission matrix), and the moderation work done there."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.test import Client

from bookings.models import Booking
from gigbook.notifications.models import Notification
from musicians import services as musician_services
from musicians.models import MusicianProfile
from trust import services
from trust.models import AuditEntry, BookingFlag, Endorsement
from trust.permissions import MODERATOR_PERMISSIONS, MODERATORS_GROUP

pytestmark = pytest.mark.django_db
S = MusicianProfile.Status
QUEUE = "/admin/trust/pendingprofile/"
ALL = "/admin/trust/moderatedprofile/"


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- Permission matrix -----------------------------------------------------------------------------


def test_the_moderators_group_holds_exactly_the_listed_permissions():
    group = Group.objects.get(name=MODERATORS_GROUP)
    held = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(MODERATOR_PERMISSIONS)
    assert ("bookings", "change_booking") not in held and ("accounts", "change_user") not in held


@pytest.mark.parametrize("path", [QUEUE, ALL, "/admin/trust/report/", "/admin/trust/auditentry/",
                                  "/admin/trust/bookingflag/", "/admin/"])
def test_signed_out_and_non_staff_users_cannot_reach_admin_pages(path, producer, musician):
    for client in (browser(), browser(producer), browser(musician)):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_moderator_role_cannot_moderate(staff_user, make_musician, now):
    profile = make_musician(status=S.PENDING)
    client = browser(staff_user)
    assert client.get(QUEUE).status_code == 403
    response = client.post(QUEUE, {"action": "approve_profiles", ACTION_CHECKBOX_NAME: [profile.pk]})
    assert response.status_code == 403
    assert client.post(f"{QUEUE}{profile.pk}/moderate/approve/").status_code == 403
    assert MusicianProfile.objects.get(pk=profile.pk).status == S.PENDING


def test_a_moderator_can_view_but_not_edit_bookings_or_users(moderator, gig, profile, producer, now):
    from django.contrib import admin

    if not admin.site.is_registered(Booking):
        pytest.skip("the bookings app registers no admin for bookings")
    booking = gig(profile, state="accepted")
    client = browser(moderator)
    page = f"/admin/bookings/booking/{booking.pk}/change/"
    assert client.get(page).status_code == 200
    assert client.post(page, {"title": "Changed"}).status_code == 403
    # The bookings admin's cancel action is an edit: not offered to someone who may only view.
    response = client.post("/admin/bookings/booking/", {"action": "cancel_selected",
                                                        ACTION_CHECKBOX_NAME: [booking.pk]})
    assert response.status_code in (200, 302)
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.ACCEPTED
    user_page = f"/admin/accounts/user/{producer.pk}/change/"
    assert client.get(user_page).status_code == 200
    assert client.post(user_page, {"email": "hijack@example.com", "full_name": "X"}).status_code == 403
    assert client.post(f"/admin/accounts/user/{producer.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/accounts/user/add/").status_code == 403


def test_nobody_can_edit_or_delete_audit_entries_in_the_admin(superuser, moderator, make_musician, now):
    profile = make_musician(status=S.PENDING)
    services.moderation_approve(profile_id=profile.pk, by=moderator)
    entry = AuditEntry.objects.get()
    for user in (moderator, superuser):
        client = browser(user)
        assert client.get(f"/admin/trust/auditentry/{entry.pk}/change/").status_code == 200  # read-only view
        assert client.post(f"/admin/trust/auditentry/{entry.pk}/change/", {"reason": "x"}).status_code == 403
        assert client.post(f"/admin/trust/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
        assert client.get("/admin/trust/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get().reason == ""


# --- Working the queue ------------------------------------------------------------------------------


def test_the_queue_lists_pending_profiles_oldest_first_with_what_changed(moderator, make_musician, frozen_clock, now,
                                                                         django_assert_max_num_queries):
    edited = make_musician("Edited Player", status=S.PENDING, headline="Soul keys")
    services.moderation_approve(profile_id=edited.pk, by=moderator)
    frozen_clock.advance(timedelta(hours=1))
    musician_services.profile_update(user=edited.user, changes={"headline": "Soul keys, now with synths"})
    frozen_clock.advance(timedelta(hours=1))
    newcomer = make_musician("New Player", status=S.DRAFT)
    musician_services.profile_submit(profile=newcomer)
    for n in range(5):
        extra = make_musician(f"Extra {n}", status=S.DRAFT)
        musician_services.profile_submit(profile=extra)

    client = browser(moderator)
    with django_assert_max_num_queries(20):  # the same with 7 rows as with 2: prefetched, not per row
        response = client.get(QUEUE)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Edited Player") < html.index("New Player")
    assert "Headline" in html and "New profile" in html

    detail = client.get(f"{QUEUE}{edited.pk}/change/").content.decode()
    assert "Soul <del>keys</del><ins>keys, now with synths</ins>" in detail
    assert "Approve" in detail and "Reject…" in detail


def test_bulk_approve_from_the_queue(moderator, make_musician, now):
    profiles = [make_musician(f"Player {n}", status=S.PENDING) for n in range(3)]
    response = browser(moderator).post(
        QUEUE, {"action": "approve_profiles", ACTION_CHECKBOX_NAME: [p.pk for p in profiles]}, follow=True)
    assert "3 profiles approved." in response.content.decode()
    assert MusicianProfile.objects.filter(status=S.APPROVED).count() == 3
    assert AuditEntry.objects.filter(action="profile.approve", source="admin").count() == 3


def test_bulk_reject_asks_for_a_reason_then_tells_each_musician(moderator, make_musician, now):
    profiles = [make_musician(f"Player {n}", status=S.PENDING) for n in range(2)]
    client = browser(moderator)
    ids = [p.pk for p in profiles]
    page = client.post(QUEUE, {"action": "reject_profiles", ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200 and "Reject profiles" in page.content.decode()
    # "Other" without details: the form says so and nothing changes.
    again = client.post(QUEUE, {"action": "reject_profiles", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                "reason_code": "other", "details": ""})
    assert again.status_code == 200
    assert "Say what the reason is" in again.content.decode()
    assert MusicianProfile.objects.filter(status=S.PENDING).count() == 2
    done = client.post(QUEUE, {"action": "reject_profiles", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                               "reason_code": "photo", "details": "Use a photo of you playing."}, follow=True)
    assert "2 profiles rejected." in done.content.decode()
    for profile in profiles:
        note = Notification.objects.get(recipient=profile.user, kind="profile_rejected")
        assert "The photo is not a clear picture of you. Use a photo of you playing." in note.body


def test_suspending_from_the_profile_page_has_every_effect_once(moderator, make_musician, gig, producer, now):
    profile = make_musician("Suspend Me")
    accepted = gig(profile, state="accepted", starts_at=now + timedelta(days=6))
    offered = gig(profile, state="offered", starts_at=now + timedelta(days=8))
    client = browser(moderator)
    url = f"{ALL}{profile.pk}/moderate/suspend/"
    assert "Suspend…" in client.get(f"{ALL}{profile.pk}/change/").content.decode()
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason_code": "harassment", "details": "Abusive messages to a producer."},
                           follow=True)
    body = response.content.decode()
    assert "Profile suspended: Suspend Me. 1 offer withdrawn, 1 booking flagged, 1 producer told." in body
    assert MusicianProfile.objects.get(pk=profile.pk).status == S.SUSPENDED
    assert Booking.objects.get(pk=offered.pk).status == Booking.Status.WITHDRAWN
    assert BookingFlag.objects.get().booking_id == accepted.pk
    # Pressing again (a double submit) changes nothing.
    client.post(url, {"reason_code": "harassment", "details": "again"}, follow=True)
    assert BookingFlag.objects.count() == 1
    assert Notification.objects.filter(recipient=producer, kind="trust_musician_suspended").count() == 1
    flags = client.get("/admin/trust/bookingflag/").content.decode()
    assert f"Booking {accepted.pk}" in flags


def test_reports_are_grouped_by_profile_and_resolved_from_the_admin(moderator, make_musician, make_user, now):
    profile = make_musician("Reported Player")
    reporters = [make_user(producer=True, email=f"r{n}@example.com") for n in range(2)]
    for reporter in reporters:
        services.report_create(reporter=reporter, profile_id=profile.pk, reason="no_show")
    client = browser(moderator)
    grouped = client.get("/admin/trust/reportedprofile/").content.decode()
    assert "Reported Player" in grouped
    done = client.post("/admin/trust/reportedprofile/", {
        "action": "resolve_profile_reports", ACTION_CHECKBOX_NAME: [profile.pk], "apply": "1",
        "outcome": "warned", "note": "Spoke to them."}, follow=True)
    assert "2 reports resolved;" in done.content.decode()
    assert Notification.objects.filter(kind="trust_report_resolved").count() == 2


def test_audit_log_exports_as_csv(moderator, make_musician, now):
    profile = make_musician(status=S.PENDING, stage_name="=HYPERLINK(\"http://evil\")")
    services.moderation_reject(profile_id=profile.pk, by=moderator, reason_code="other",
                               details="+SUM(A1) looks like a formula")
    response = browser(moderator).get("/admin/trust/auditentry/export.csv?action=profile.reject")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["id", "at", "actor", "source", "action"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["actor"] == "mo@example.com" and row["action"] == "profile.reject"
    assert row["target"].startswith("'=")  # no formula injection in spreadsheets
    assert row["reason"].startswith("'+")
    assert '"status": "rejected"' in row["after"]


def test_plain_staff_cannot_export_the_audit_log(staff_user):
    assert browser(staff_user).get("/admin/trust/auditentry/export.csv").status_code == 403


def test_staff_changes_to_a_profile_through_the_admin_are_audited(superuser, make_musician, now):
    profile = make_musician("Audited Player", headline="Old headline")
    client = browser(superuser)
    page = client.get(f"/admin/musicians/musicianprofile/{profile.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or name == "photo":
            continue
        data[name] = value
    data["headline"] = "New headline"
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, 0)
        for index, inline_form in enumerate(formset.formset.forms):
            for name, field in inline_form.fields.items():
                value = inline_form.initial.get(name, field.initial)
                if value is not None:
                    data[f"{formset.formset.prefix}-{index}-{name}"] = value
    response = client.post(f"/admin/musicians/musicianprofile/{profile.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    entry = AuditEntry.objects.get(action="admin.change")
    assert entry.actor == superuser and entry.source == "admin"
    assert entry.before == {"headline": "Old headline"}
    assert entry.after == {"headline": "New headline"}


def test_deleting_an_endorsement_in_the_admin_is_audited(moderator, superuser, bandmates_done):
    keys, bass = bandmates_done
    vouch = services.endorsement_create(endorser=keys.user, profile_id=bass.pk, genre="funk")
    response = browser(moderator).post(f"/admin/trust/endorsement/{vouch.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Endorsement.objects.exists()
    entry = AuditEntry.objects.get(action="admin.delete")
    assert entry.target_type == "trust.endorsement" and entry.before["note"] == ""


@pytest.fixture
def bandmates_done(make_musician, gig, frozen_clock, now):
    from bookings import services as booking_services

    keys = make_musician("Kim Keys")
    bass = make_musician("Ben Bass", instruments=("bass-guitar",), genres=("funk",))
    start = now + timedelta(days=3)
    gig(keys, state="accepted", starts_at=start)
    gig(bass, state="accepted", starts_at=start, instrument="bass-guitar")
    frozen_clock.set(start + timedelta(days=1))
    for booking in Booking.objects.filter(status=Booking.Status.ACCEPTED):
        booking_services.booking_complete(booking_id=booking.pk)
    return keys, bass


def test_a_superuser_cancelling_through_the_bookings_admin_is_audited(superuser, gig, profile, now):
    from django.contrib import admin

    if not admin.site.is_registered(Booking):
        pytest.skip("the bookings app registers no admin for bookings")
    booking = gig(profile, state="accepted", starts_at=now + timedelta(days=9))
    response = browser(superuser).post("/admin/bookings/booking/", {
        "action": "cancel_selected", ACTION_CHECKBOX_NAME: [booking.pk]})
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
    entry = AuditEntry.objects.get(action="admin.action:cancel_selected")
    assert entry.target_type == "bookings.booking" and entry.target_id == str(booking.pk)
    assert (entry.before["status"], entry.after["status"]) == ("accepted", "cancelled")
