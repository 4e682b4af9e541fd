"""Moderation services: snapshots and diffs, reasons, suspension effects (once), bulk, audit."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from bookings.models import Booking, BookingEvent
from gigbook.core.errors import InvalidTransition, ValidationFailed
from gigbook.notifications.models import Notification
from musicians import services as musician_services
from musicians.models import MusicianProfile
from trust import selectors, services
from trust.models import ApprovedSnapshot, AuditEntry, BookingFlag

pytestmark = pytest.mark.django_db
S = MusicianProfile.Status


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("id").values_list("kind", flat=True))


# --- Approve, diff, reject ----------------------------------------------------------------------


def test_approval_keeps_a_snapshot_and_later_edits_show_as_a_diff(make_musician, moderator, now):
    profile = make_musician("Lena Keys", status=S.PENDING, headline="Soul keys", bio="Hammond and Rhodes player.")
    first = selectors.profile_changes(selectors.moderation_profile_get(profile_id=profile.pk))
    assert {"stage_name", "headline", "bio", "instruments", "genres"} <= {c.field for c in first}

    services.moderation_approve(profile_id=profile.pk, by=moderator)
    snapshot = ApprovedSnapshot.objects.get(profile=profile)
    assert snapshot.data["headline"] == "Soul keys"
    assert snapshot.approved_by == moderator

    musician_services.profile_update(user=profile.user, changes={
        "headline": "Soul and gospel keys", "bio": "Hammond and Rhodes player. Call me at 07911 000000!",
    })
    profile.refresh_from_db()
    assert profile.status == S.APPROVED and profile.changes_state == "pending"  # live while it waits
    assert profile.pk in set(selectors.moderation_profiles(status=S.PENDING).values_list("pk", flat=True))
    changes = {c.field: c for c in selectors.profile_changes(selectors.moderation_profile_get(profile_id=profile.pk))}
    assert set(changes) == {"headline", "bio"}
    assert changes["bio"].before == "Hammond and Rhodes player."
    assert changes["bio"].inline == "Hammond and Rhodes player.<ins> Call me at 07911 000000!</ins>"
    assert changes["headline"].inline == "Soul <ins>and gospel </ins>keys"

    services.moderation_approve(profile_id=profile.pk, by=moderator)
    snapshot = ApprovedSnapshot.objects.get(profile=profile)
    assert snapshot.data["headline"] == "Soul and gospel keys"
    assert selectors.profile_changes(selectors.moderation_profile_get(profile_id=profile.pk)) == []
    assert AuditEntry.objects.filter(action="profile.approve").count() == 2


def test_diff_escapes_what_the_musician_typed(make_musician, moderator, now):
    profile = make_musician(status=S.PENDING, headline="Keys")
    services.moderation_approve(profile_id=profile.pk, by=moderator)
    musician_services.profile_update(user=profile.user, changes={"headline": "<script>alert(1)</script>"})
    (change,) = selectors.profile_changes(selectors.moderation_profile_get(profile_id=profile.pk))
    assert "<script>" not in change.inline
    assert "&lt;script&gt;" in change.inline


def test_reject_needs_a_listed_reason_and_the_musician_reads_it(make_musician, moderator, now):
    profile = make_musician(status=S.PENDING)
    with pytest.raises(ValidationFailed) as excinfo:
        services.moderation_reject(profile_id=profile.pk, by=moderator, reason_code="nope")
    assert "reason_code" in excinfo.value.fields
    with pytest.raises(ValidationFailed) as excinfo:
        services.moderation_reject(profile_id=profile.pk, by=moderator, reason_code="other", details="  ")
    assert "details" in excinfo.value.fields
    assert MusicianProfile.objects.get(pk=profile.pk).status == S.PENDING

    services.moderation_reject(profile_id=profile.pk, by=moderator, reason_code="contact_details",
                               details="Please remove your phone number from the bio.")
    profile.refresh_from_db()
    assert profile.status == S.REJECTED
    expected = "Contact details or links to book outside GigBook. Please remove your phone number from the bio."
    assert profile.rejection_reason == expected
    note = Notification.objects.get(recipient=profile.user, kind="profile_rejected")
    assert expected in note.body
    entry = AuditEntry.objects.get(action="profile.reject")
    assert (entry.actor, entry.reason_code, entry.target_id) == (moderator, "contact_details", str(profile.pk))
    assert entry.before == {"status": "pending", "rejection_reason": ""}
    assert entry.after == {"status": "rejected", "rejection_reason": expected}


def test_illegal_moves_are_409_and_leave_no_trace(make_musician, moderator, now):
    profile = make_musician(status=S.DRAFT)
    for call in (
        lambda: services.moderation_approve(profile_id=profile.pk, by=moderator),
        lambda: services.moderation_reject(profile_id=profile.pk, by=moderator, reason_code="photo"),
        lambda: services.moderation_suspend(profile_id=profile.pk, by=moderator, reason_code="fraud"),
        lambda: services.moderation_unsuspend(profile_id=profile.pk, by=moderator),
    ):
        with pytest.raises(InvalidTransition):
            call()
    assert not AuditEntry.objects.exists()
    assert not ApprovedSnapshot.objects.exists()


# --- Suspension and its effects -------------------------------------------------------------------


@pytest.fixture
def busy_musician(make_musician, make_user, gig, producer, now):
    """A musician with: a completed past gig, an accepted future gig, an open offer, a counter from
    another producer, and an offer that expired unanswered."""
    profile = make_musician("Sam Strings")
    other = make_user(producer=True, full_name="Olly Other", email="olly@example.com", time_zone="America/New_York")
    past = gig(profile, state="completed")
    accepted = gig(profile, state="accepted", starts_at=now + timedelta(days=10))
    offered = gig(profile, state="offered", starts_at=now + timedelta(days=12), expires_at=now + timedelta(days=9))
    countered = gig(profile, state="countered", starts_at=now + timedelta(days=14), by=other)
    stale = gig(profile, state="offered", starts_at=now + timedelta(days=20), expires_at=now + timedelta(days=3))
    return {"profile": profile, "past": past, "accepted": accepted, "offered": offered, "countered": countered,
            "stale": stale, "other": other}


def test_suspension_hides_withdraws_flags_and_tells_everyone_once(busy_musician, moderator, producer, frozen_clock,
                                                                     now):
    b = busy_musician
    profile = b["profile"]
    frozen_clock.set(now + timedelta(days=4))  # the stale offer's answer-by time has passed
    before = {user.pk: len(kinds(user)) for user in (producer, b["other"], profile.user)}

    _p, effects = services.moderation_suspend(profile_id=profile.pk, by=moderator, reason_code="no_show",
                                              details="Missed two sessions in May.")

    assert MusicianProfile.objects.get(pk=profile.pk).status == S.SUSPENDED
    status = dict(Booking.objects.values_list("pk", "status"))
    assert status[b["offered"].pk] == Booking.Status.WITHDRAWN
    assert status[b["countered"].pk] == Booking.Status.DECLINED
    assert status[b["accepted"].pk] == Booking.Status.ACCEPTED  # never cancelled by a suspension
    assert status[b["past"].pk] == Booking.Status.COMPLETED
    assert status[b["stale"].pk] == Booking.Status.OFFERED  # expired on read; nothing to withdraw
    assert sorted(effects.withdrawn) == sorted([b["offered"].pk, b["countered"].pk])
    assert effects.flagged == [b["accepted"].pk]
    flag = BookingFlag.objects.get()
    assert (flag.booking_id, flag.reason, flag.created_by) == (b["accepted"].pk, "musician_suspended", moderator)
    assert BookingEvent.objects.filter(booking=b["offered"], action="withdraw", actor=moderator).exists()

    # One message per affected producer, naming their bookings; the musician is told the reason.
    mine = Notification.objects.get(recipient=producer, kind="trust_musician_suspended")
    assert "were withdrawn" in mine.body and "stand for now" in mine.body
    theirs = Notification.objects.get(recipient=b["other"], kind="trust_musician_suspended")
    assert "withdrawn" in theirs.body and "stand for now" not in theirs.body
    told = Notification.objects.get(recipient=profile.user, kind="profile_suspended")
    assert "Missed booked sessions. Missed two sessions in May." in told.body
    assert sorted(effects.producers_told) == sorted([producer.pk, b["other"].pk])
    assert AuditEntry.objects.filter(action="profile.suspend", target_id=str(profile.pk)).count() == 1
    effects_entry = AuditEntry.objects.get(action="profile.suspend.effects")
    assert effects_entry.after["flagged_bookings"] == [b["accepted"].pk]

    # Again: refused before anything happens; nothing is written twice.
    counts = {user.pk: len(kinds(user)) for user in (producer, b["other"], profile.user)}
    with pytest.raises(InvalidTransition):
        services.moderation_suspend(profile_id=profile.pk, by=moderator, reason_code="no_show")
    assert {user.pk: len(kinds(user)) for user in (producer, b["other"], profile.user)} == counts
    assert BookingFlag.objects.count() == 1
    assert AuditEntry.objects.filter(action__startswith="profile.suspend").count() == 2
    assert counts != before


def test_reinstating_keeps_the_flag_and_a_second_suspension_does_not_flag_twice(busy_musician, moderator, now):
    profile = busy_musician["profile"]
    services.moderation_suspend(profile_id=profile.pk, by=moderator, reason_code="reports")
    services.moderation_unsuspend(profile_id=profile.pk, by=moderator)
    assert MusicianProfile.objects.get(pk=profile.pk).status == S.APPROVED
    assert BookingFlag.objects.filter(resolved_at__isnull=True).count() == 1

    _p, effects = services.moderation_suspend(profile_id=profile.pk, by=moderator, reason_code="reports")
    assert effects.flagged == [] and effects.withdrawn == []
    assert BookingFlag.objects.count() == 1


def test_resolving_a_flag_is_recorded_and_never_touches_the_booking(busy_musician, moderator, now):
    services.moderation_suspend(profile_id=busy_musician["profile"].pk, by=moderator, reason_code="fraud")
    flag = BookingFlag.objects.get()
    with pytest.raises(ValidationFailed):
        services.flag_resolve(flag_id=flag.pk, by=moderator, resolution=" ")
    services.flag_resolve(flag_id=flag.pk, by=moderator, resolution="Producer keeps the booking.")
    flag.refresh_from_db()
    assert flag.resolved_by == moderator and flag.resolution == "Producer keeps the booking."
    assert Booking.objects.get(pk=busy_musician["accepted"].pk).status == Booking.Status.ACCEPTED
    assert AuditEntry.objects.filter(action="flag.resolve").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_moderators_suspending_at_once_cause_one_set_of_effects(make_musician, make_user, gig, moderator,
                                                                     superuser, producer, now):
    profile = make_musician("Race Condition")
    gig(profile, state="offered", starts_at=now + timedelta(days=5))
    gig(profile, state="accepted", starts_at=now + timedelta(days=6))
    barrier = threading.Barrier(2)
    outcomes = []

    def suspend(user):
        try:
            barrier.wait(timeout=10)
            services.moderation_suspend(profile_id=profile.pk, by=user, reason_code="fraud")
            outcomes.append("ok")
        except InvalidTransition:
            outcomes.append("409")
        finally:
            connection.close()

    threads = [threading.Thread(target=suspend, args=(user,)) for user in (moderator, superuser)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["409", "ok"]
    assert BookingFlag.objects.count() == 1
    assert Notification.objects.filter(recipient=producer, kind="trust_musician_suspended").count() == 1
    assert Notification.objects.filter(recipient=profile.user, kind="profile_suspended").count() == 1
    assert Booking.objects.filter(status=Booking.Status.WITHDRAWN).count() == 1


# --- Bulk ----------------------------------------------------------------------------------------------


def test_bulk_approve_goes_through_one_by_one_and_reports_the_rest(make_musician, moderator, now):
    ready = [make_musician(f"Player {n}", status=S.PENDING) for n in range(3)]
    live = make_musician("Already Live")
    no_rate = make_musician("No Rate", status=S.PENDING)
    MusicianProfile.objects.filter(pk=no_rate.pk).update(hourly_rate=None)

    result = services.moderation_bulk(action="approve", profile_ids=[p.pk for p in (*ready, live, no_rate)],
                                      by=moderator)
    assert sorted(result.done) == sorted([p.pk for p in (*ready, live)])
    assert list(result.failed) == [no_rate.pk]
    assert "hourly rate" in result.failed[no_rate.pk]
    assert MusicianProfile.objects.filter(status=S.APPROVED).count() == 4
    assert ApprovedSnapshot.objects.count() == 3
    assert AuditEntry.objects.filter(action="profile.approve").count() == 3


def test_bulk_reject_checks_the_reason_once_before_touching_anything(make_musician, moderator, now):
    profiles = [make_musician(f"Player {n}", status=S.PENDING) for n in range(2)]
    with pytest.raises(ValidationFailed):
        services.moderation_bulk(action="reject", profile_ids=[p.pk for p in profiles], by=moderator,
                                 reason_code="other")
    assert MusicianProfile.objects.filter(status=S.PENDING).count() == 2
    result = services.moderation_bulk(action="reject", profile_ids=[p.pk for p in profiles], by=moderator,
                                      reason_code="photo")
    assert sorted(result.done) == sorted(p.pk for p in profiles)
    assert Notification.objects.filter(kind="profile_rejected").count() == 2


def test_pending_queue_is_oldest_first(make_musician, frozen_clock, now):
    made = []
    for n in range(3):
        frozen_clock.advance(timedelta(minutes=5))
        profile = make_musician(f"Player {n}", status=S.DRAFT)
        musician_services.profile_submit(profile=profile)
        made.append(profile.pk)
    assert list(selectors.moderation_profiles(status=S.PENDING).values_list("pk", flat=True)) == made


# --- Audit log is append-only -------------------------------------------------------------------------


def test_audit_entries_cannot_be_changed_or_deleted(make_musician, moderator, now):
    profile = make_musician(status=S.PENDING)
    services.moderation_approve(profile_id=profile.pk, by=moderator)
    entry = AuditEntry.objects.get()
    entry.reason = "rewritten"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    # Even raw SQL is refused by the database.
    for sql in ("UPDATE trust_auditentry SET reason = 'x'", "DELETE FROM trust_auditentry"):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEntry.objects.get().reason == ""


def test_deleting_a_staff_user_keeps_their_entries(make_musician, make_user, now):
    admin_user = make_user(staff=True, is_superuser=True, email="gone@example.com")
    profile = make_musician(status=S.PENDING)
    services.moderation_approve(profile_id=profile.pk, by=admin_user)
    profile.refresh_from_db()
    MusicianProfile.objects.filter(pk=profile.pk).update(reviewed_by=None)
    admin_user.delete()
    entry = AuditEntry.objects.get()
    assert entry.actor is None and entry.actor_label == "gone@example.com"
