"""Call-sheet use cases on PostgreSQL: versions, booking moves, who is told, confirm, drop out, reminders."""

from datetime import timedelta

import pytest

from bookings import services as booking_services
from bookings.callsheets import services
from bookings.callsheets.models import CallSheetPlayer, CallSheetRecipient, CallSheetVersion
from bookings.models import Booking, BookingEvent
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from musicians.models import BusyInterval
from tests.bookings.factories import make_profile, offer
from tests.callsheets.factories import later

pytestmark = pytest.mark.django_db


def sheet_messages():
    return Notification.objects.filter(kind__startswith="callsheet_")


def players(session):
    return {slug: CallSheetPlayer.objects.get(booking=b) for slug, b in session.bookings.items()}


def test_the_sheet_covers_the_session_and_starts_silently(session):
    sax = session.bookings["alto-sax"]
    sheet = services.sheet_get_or_create(booking=sax)
    assert sheet.current_version == 1
    assert set(sheet.players.values_list("booking_id", flat=True)) == {b.pk for b in session.bookings.values()}
    assert services.sheet_get_or_create(booking=session.bookings["drums"]).pk == sheet.pk
    assert not sheet_messages().exists()


def test_a_parking_change_informs_everyone_and_asks_nobody_to_confirm(session, producer):
    version = services.call_sheet_edit(booking_id=session.bookings["drums"].pk, actor=producer,
                                       parking="Behind the studio, code 1234")
    assert version.number == 2 and not version.critical
    assert version.changes[0]["text"] == "Parking added: Behind the studio, code 1234"
    assert sorted(sheet_messages().values_list("recipient_id", flat=True)) == sorted(
        m.pk for m in session.musicians.values())
    assert set(sheet_messages().values_list("kind", flat=True)) == {"callsheet_updated"}
    assert not CallSheetPlayer.objects.filter(reconfirm_version__isnull=False).exists()


def test_a_sax_part_does_not_message_the_drummer(session, producer):
    services.call_sheet_edit(booking_id=session.bookings["drums"].pk, actor=producer, materials=[
        {"title": "Alto part, bars 1-64", "instruments": ["alto-sax"]}])
    assert list(sheet_messages().values_list("recipient_id", flat=True)) == [session.musicians["alto-sax"].pk]
    assert "Alto part" in sheet_messages().get().body


def test_a_later_start_moves_every_booking_and_asks_each_player_to_confirm(session, producer, now):
    before = {slug: (b.starts_at, b.sequence, b.fee_total) for slug, b in session.bookings.items()}
    version = services.call_sheet_edit(booking_id=session.bookings["alto-sax"].pk, actor=producer,
                                       message="Studio overran", **later(session, timedelta(hours=1)))
    assert version.critical and [c["field"] for c in version.changes] == ["start", "end"]
    session.refresh()
    for slug, booking in session.bookings.items():
        starts_at, sequence, fee = before[slug]
        assert booking.starts_at == starts_at + timedelta(hours=1)
        assert booking.sequence == sequence + 1  # calendars replace the event
        assert booking.fee_total == fee  # same hours, same hourly terms
        assert booking.remind_24h_at == booking.starts_at - timedelta(hours=24)
        assert BookingEvent.objects.filter(booking=booking, action="reschedule").count() == 1
        busy = BusyInterval.objects.get(source=BusyInterval.Source.BOOKING, source_id=str(booking.pk))
        assert busy.starts_at == booking.starts_at
    rows = players(session)
    assert all(row.reconfirm_needed and row.reconfirm_version == 2 for row in rows.values())
    assert all(row.next_reminder_at == now + timedelta(hours=6) for row in rows.values())
    message = sheet_messages().get(recipient=session.musicians["drums"])
    assert message.kind == "callsheet_changed" and message.url.startswith("/c/")
    assert "Start time changed from 11:00 to 12:00" in message.body and "Studio overran" in message.body
    assert message.attachments[0]["filename"].endswith(".ics")
    assert "SEQUENCE:" in message.attachments[0]["content"]


def test_a_time_that_is_taken_for_one_player_is_a_409_and_nothing_is_saved(session, producer, make_user):
    drummer = session.musicians["drums"]
    other_producer = make_user(producer=True, email="other@example.com")
    from tests.bookings.factories import make_venue
    elsewhere = offer(other_producer, drummer.musician_profile, venue=make_venue(other_producer),
                      starts_at=session.bookings["drums"].ends_at + timedelta(hours=1), instrument="drums")
    booking_services.booking_accept(booking_id=elsewhere.pk, actor=drummer)
    with pytest.raises(booking_services.BookingConflict):
        services.call_sheet_edit(booking_id=session.bookings["alto-sax"].pk, actor=producer,
                                 parking="Moved", **later(session, timedelta(hours=2)))
    session.refresh()
    sax = session.bookings["alto-sax"]
    assert sax.sequence == 1 and not BookingEvent.objects.filter(action="reschedule").exists()
    assert not CallSheetVersion.objects.filter(number__gt=1).exists() and not sheet_messages().exists()
    assert not CallSheetPlayer.objects.filter(reconfirm_version__isnull=False).exists()


def test_a_producers_own_fee_change_concerns_that_player_only(session, producer):
    bass = session.bookings["double-bass"]
    version = services.call_sheet_edit(booking_id=bass.pk, actor=producer, rates={bass.pk: "80.00"})
    assert [(c["field"], c["bookings"]) for c in version.changes] == [("fee", [bass.pk])]
    assert list(sheet_messages().values_list("recipient_id", flat=True)) == [session.musicians["double-bass"].pk]
    assert Booking.objects.get(pk=bass.pk).rate == 80
    assert players(session)["double-bass"].reconfirm_needed and not players(session)["drums"].reconfirm_needed


def test_the_player_confirms_once_and_a_newer_change_must_be_seen_first(session, producer, frozen_clock):
    sax = session.bookings["alto-sax"]
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, **later(session, timedelta(hours=1)))
    frozen_clock.advance(timedelta(minutes=5))
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, **later(session, timedelta(hours=2)))
    player_musician = session.musicians["alto-sax"]
    with pytest.raises(Conflict):
        services.call_sheet_confirm(booking_id=sax.pk, actor=player_musician, version=2)
    frozen_clock.advance(timedelta(minutes=5))
    row = services.call_sheet_confirm(booking_id=sax.pk, actor=player_musician, version=3)
    assert not row.reconfirm_needed and row.confirmed_version == 3 and row.next_reminder_at is None
    receipts = CallSheetRecipient.objects.filter(player=row)
    assert all(r.confirmed_at == frozen_clock.now() and r.opened_at == frozen_clock.now() for r in receipts)
    again = services.call_sheet_confirm(booking_id=sax.pk, actor=player_musician, version=3)
    assert again.confirmed_at == row.confirmed_at
    assert players(session)["drums"].reconfirm_needed


def test_only_the_parties_see_it_and_only_the_right_side_acts(session, producer, make_user):
    sax = session.bookings["alto-sax"]
    stranger = make_user(producer=True, email="stranger@example.com")
    with pytest.raises(NotFound):
        services.call_sheet_edit(booking_id=sax.pk, actor=stranger, parking="x")
    with pytest.raises(Forbidden):
        services.call_sheet_edit(booking_id=sax.pk, actor=session.musicians["alto-sax"], parking="x")
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, **later(session, timedelta(hours=1)))
    with pytest.raises(NotFound):  # the drummer cannot confirm for the saxophonist
        services.call_sheet_confirm(booking_id=sax.pk, actor=session.musicians["drums"], version=2)


def test_bad_input_is_a_400_in_plain_words_and_nothing_moves(session, producer):
    sax = session.bookings["alto-sax"]
    cases = [
        ({"call_time": "9.30am"}, "call_time"),
        ({"materials": [{"title": ""}]}, "materials"),
        ({"materials": [{"title": "Part", "bookings": [999999]}]}, "materials"),
        ({"materials": [{"title": "Part", "instruments": ["kazoo-xl"]}]}, "materials"),
        ({"starts_at": sax.starts_at + timedelta(hours=5)}, "ends_at"),
        ({"venue": 999999}, "venue"),
        ({}, "non_field_errors"),
    ]
    for given, field in cases:
        with pytest.raises(ValidationFailed) as caught:
            services.call_sheet_edit(booking_id=sax.pk, actor=producer, **given)
        assert field in caught.value.fields, given
        for message in caught.value.fields[field]:
            assert "_" not in message and "ISO" not in message
    assert not CallSheetVersion.objects.filter(number__gt=1).exists()
    assert Booking.objects.get(pk=sax.pk).sequence == sax.sequence


def test_a_finished_or_cancelled_booking_cannot_change(session, producer, frozen_clock):
    sax, drums = session.bookings["alto-sax"], session.bookings["drums"]
    booking_services.booking_cancel(booking_id=drums.pk, actor=producer, reason="Not needed")
    with pytest.raises(InvalidTransition) as caught:
        services.call_sheet_edit(booking_id=drums.pk, actor=producer, parking="x")
    assert caught.value.code == "booking_finished" and "cancelled" in caught.value.detail
    frozen_clock.set(sax.ends_at + timedelta(minutes=1))
    with pytest.raises(InvalidTransition):
        services.call_sheet_edit(booking_id=sax.pk, actor=producer, parking="x")


def test_a_stale_edit_is_refused(session, producer):
    sax = session.bookings["alto-sax"]
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, expected_version=1, parking="A")
    with pytest.raises(Conflict) as caught:
        services.call_sheet_edit(booking_id=sax.pk, actor=producer, expected_version=1, parking="B")
    assert caught.value.code == "call_sheet_changed"


def test_reminders_chase_until_confirmed_each_once(session, producer, frozen_clock, now):
    sax = session.bookings["alto-sax"]
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, **later(session, timedelta(hours=1)))
    frozen_clock.set(now + timedelta(hours=6) - timedelta(seconds=1))
    assert services.call_sheet_reminders_send_due() == 0
    frozen_clock.set(now + timedelta(hours=6))
    services.call_sheet_confirm(booking_id=sax.pk, actor=session.musicians["alto-sax"], version=2)
    assert services.call_sheet_reminders_send_due() == 2  # drums and bass; the saxophonist confirmed
    assert services.call_sheet_reminders_send_due() == 0
    frozen_clock.set(now + timedelta(hours=24))
    assert services.call_sheet_reminders_send_due() == 2
    frozen_clock.set(now + timedelta(hours=48))
    assert services.call_sheet_reminders_send_due() == 0  # two reminders, no more
    reminders = Notification.objects.filter(kind="callsheet_reminder")
    assert reminders.count() == 4
    assert session.musicians["alto-sax"].pk not in reminders.values_list("recipient_id", flat=True)


def test_a_player_who_cannot_make_it_drops_out_under_the_terms(session, producer):
    sax = session.bookings["alto-sax"]
    services.call_sheet_edit(booking_id=sax.pk, actor=producer, **later(session, timedelta(hours=1)))
    row = services.call_sheet_drop_out(booking_id=sax.pk, actor=session.musicians["alto-sax"],
                                       reason="I teach at that time")
    booking = Booking.objects.get(pk=sax.pk)
    assert booking.status == "cancelled" and booking.cancelled_by_id == session.musicians["alto-sax"].pk
    assert booking.cancellation_fee == 0  # the player cancelling owes no late fee under the terms
    assert row.dropped_out_at is not None and not row.reconfirm_needed
    told = Notification.objects.get(kind="callsheet_dropped_out")
    assert told.recipient_id == producer.pk and told.url == f"/bookings/{sax.pk}/call-sheet/"
    # The next edit no longer tells the player who left.
    services.call_sheet_edit(booking_id=session.bookings["drums"].pk, actor=producer, dress="Black")
    assert not sheet_messages().filter(recipient=session.musicians["alto-sax"], kind="callsheet_updated").exists()


def test_a_player_booked_into_the_session_later_joins_the_sheet(session, producer, make_user):
    sax = session.bookings["alto-sax"]
    sheet = services.sheet_get_or_create(booking=sax)
    keys = make_user(musician=True, email="keys@example.com", full_name="Kim Keys")
    late = offer(producer, make_profile(keys), venue=session.venue, starts_at=sax.starts_at,
                 hours=3, instrument="piano")
    booking_services.booking_accept(booking_id=late.pk, actor=keys)
    assert services.sheet_get_or_create(booking=sax).pk == sheet.pk
    assert sheet.players.filter(booking=late).exists()
