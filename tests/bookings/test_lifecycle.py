"""The booking state machine: every edge, illegal transitions (409), idempotent repeats, side effects."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from bookings import services
from bookings.models import Booking, BookingEvent
from bookings.services import BookingConflict, MusicianUnavailable, OfferExpired, common
from gigbook.core.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.models import Notification
from musicians import services as musician_services
from musicians.models import BusyInterval
from tests.bookings.factories import make_profile, offer

pytestmark = pytest.mark.django_db
D = Decimal
S = Booking.Status


@pytest.fixture
def start(now):
    return now + timedelta(days=4)  # Saturday 5 June 2027, 10:00 London


@pytest.fixture
def offered(producer, profile, venue, start):
    return offer(producer, profile, venue=venue, starts_at=start)


def notes(kind=None, **filters):
    qs = Notification.objects.filter(**filters)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs)


def history(booking):
    return list(BookingEvent.objects.filter(booking=booking).values_list("action", "from_status", "to_status"))


# --- accept ------------------------------------------------------------------------------------


def test_accept_freezes_the_fee_holds_the_time_and_confirms_both_sides(offered, musician, producer, profile, now, start):
    booking = services.booking_accept(booking_id=offered.pk, actor=musician)

    assert booking.status == S.ACCEPTED
    assert booking.accepted_at == now
    assert booking.remind_24h_at == start - timedelta(hours=24)
    assert booking.remind_2h_at == start - timedelta(hours=2)
    assert history(booking) == [("offer", "", "offered"), ("accept", "offered", "accepted")]
    interval = BusyInterval.objects.get(source="booking", source_id=str(booking.pk))
    assert (interval.profile_id, interval.starts_at, interval.ends_at) == (profile.pk, booking.starts_at, booking.ends_at)
    for user in (producer, musician):
        confirmation = Notification.objects.get(recipient=user, kind="booking_accepted")
        assert confirmation.attachments[0]["mimetype"] == "text/calendar; method=REQUEST"
        assert "BEGIN:VEVENT" in confirmation.attachments[0]["content"]

    # The musician's rates change later: the agreed fee does not.
    profile.hourly_rate = D("90")
    profile.save()
    booking.refresh_from_db()
    assert booking.fee_total == D("150.00")


def test_accept_repeated_by_the_musician_returns_the_booking_and_does_nothing_twice(offered, musician):
    first = services.booking_accept(booking_id=offered.pk, actor=musician)
    before = Notification.objects.count()
    again = services.booking_accept(booking_id=offered.pk, actor=musician)
    assert again.status == S.ACCEPTED and again.sequence == first.sequence
    assert Notification.objects.count() == before
    assert len(history(again)) == 2
    assert BusyInterval.objects.filter(source="booking").count() == 1


def test_producer_cannot_accept_their_own_offer(offered, producer):
    with pytest.raises(Forbidden):
        services.booking_accept(booking_id=offered.pk, actor=producer)


def test_stranger_gets_not_found_for_every_action(offered, make_user):
    stranger = make_user(musician=True, producer=True)
    actions = [
        lambda: services.booking_accept(booking_id=offered.pk, actor=stranger),
        lambda: services.booking_decline(booking_id=offered.pk, actor=stranger),
        lambda: services.booking_counter(booking_id=offered.pk, actor=stranger, rate=D("80")),
        lambda: services.booking_withdraw(booking_id=offered.pk, actor=stranger),
        lambda: services.booking_accept_counter(booking_id=offered.pk, actor=stranger),
        lambda: services.booking_decline_counter(booking_id=offered.pk, actor=stranger),
        lambda: services.booking_cancel(booking_id=offered.pk, actor=stranger, reason="x"),
        lambda: services.booking_complete(booking_id=offered.pk, actor=stranger),
    ]
    for action in actions:
        with pytest.raises(NotFound):
            action()
    assert Booking.objects.get(pk=offered.pk).status == S.OFFERED


def test_missing_booking_is_not_found(musician):
    with pytest.raises(NotFound):
        services.booking_accept(booking_id=999999, actor=musician)


def test_expired_offer_cannot_be_accepted_even_before_the_sweep(offered, musician, frozen_clock):
    frozen_clock.set(offered.expires_at)
    with pytest.raises(OfferExpired) as info:
        services.booking_accept(booking_id=offered.pk, actor=musician)
    assert info.value.status_code == 409 and info.value.code == "offer_expired"
    stored = Booking.objects.get(pk=offered.pk)
    assert stored.status == S.OFFERED  # not swept yet...
    assert stored.effective_status(frozen_clock.now()) == S.EXPIRED  # ...but expired on read


def test_offer_can_be_accepted_one_second_before_it_expires(offered, musician, frozen_clock):
    frozen_clock.set(offered.expires_at - timedelta(seconds=1))
    assert services.booking_accept(booking_id=offered.pk, actor=musician).status == S.ACCEPTED


def test_accept_overlapping_an_accepted_booking_is_a_readable_409(producer, musician, profile, venue, start):
    first = offer(producer, profile, venue=venue, starts_at=start)
    second = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=2))  # 12:00-15:00 vs 10:00-13:00
    services.booking_accept(booking_id=first.pk, actor=musician)
    with pytest.raises(BookingConflict) as info:
        services.booking_accept(booking_id=second.pk, actor=musician)
    assert info.value.status_code == 409 and info.value.code == "double_booking"
    assert Booking.objects.get(pk=second.pk).status == S.OFFERED


def test_back_to_back_bookings_do_not_clash(producer, musician, profile, venue, start):
    first = offer(producer, profile, venue=venue, starts_at=start)
    second = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=3))
    services.booking_accept(booking_id=first.pk, actor=musician)
    assert services.booking_accept(booking_id=second.pk, actor=musician).status == S.ACCEPTED


def test_other_musicians_bookings_do_not_clash(producer, musician, profile, venue, start, make_user):
    other = make_user(musician=True)
    other_profile = make_profile(other)
    mine = offer(producer, profile, venue=venue, starts_at=start)
    theirs = offer(producer, other_profile, venue=venue, starts_at=start)
    services.booking_accept(booking_id=mine.pk, actor=musician)
    assert services.booking_accept(booking_id=theirs.pk, actor=other).status == S.ACCEPTED


def test_accept_clashing_with_an_unavailability_block_is_refused(offered, musician, profile, start):
    musician_services.block_create(profile=profile, kind="once", starts_at=start + timedelta(hours=2),
                                   ends_at=start + timedelta(hours=6))
    with pytest.raises(MusicianUnavailable) as info:
        services.booking_accept(booking_id=offered.pk, actor=musician)
    assert info.value.status_code == 409 and info.value.code == "musician_unavailable"


def test_offer_for_time_already_booked_or_blocked_is_refused_up_front(producer, musician, profile, venue, start):
    services.booking_accept(booking_id=offer(producer, profile, venue=venue, starts_at=start).pk, actor=musician)
    with pytest.raises(BookingConflict):
        offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
    musician_services.block_create(profile=profile, kind="once", starts_at=start + timedelta(days=1),
                                   ends_at=start + timedelta(days=1, hours=5))
    with pytest.raises(MusicianUnavailable):
        offer(producer, profile, venue=venue, starts_at=start + timedelta(days=1, hours=1))


def test_database_refuses_an_overlap_the_service_did_not_see(producer, musician, profile, venue, start):
    first = offer(producer, profile, venue=venue, starts_at=start)
    second = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
    # Bypass the service entirely: the exclusion constraint alone says no.
    Booking.objects.filter(pk=first.pk).update(status=S.ACCEPTED, accepted_at=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(status=S.ACCEPTED, accepted_at=start)
    # And the service maps that database error to the same readable 409.
    second.refresh_from_db()
    second.accepted_at = start
    with pytest.raises(BookingConflict):
        common._apply(second, action="accept", actor=musician, now=start - timedelta(days=1), fields=("accepted_at",))


def test_completed_bookings_keep_blocking_their_time(producer, musician, profile, venue, start):
    first = offer(producer, profile, venue=venue, starts_at=start)
    second = offer(producer, profile, venue=venue, starts_at=start)
    Booking.objects.filter(pk=first.pk).update(status=S.COMPLETED, accepted_at=start)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=second.pk).update(status=S.ACCEPTED, accepted_at=start)


# --- decline -----------------------------------------------------------------------------------


def test_decline_records_the_note_and_tells_the_producer(offered, musician, producer):
    booking = services.booking_decline(booking_id=offered.pk, actor=musician, note="On tour that week")
    assert booking.status == S.DECLINED
    assert history(booking)[-1] == ("decline", "offered", "declined")
    assert BookingEvent.objects.filter(booking=booking).last().note == "On tour that week"
    [note] = notes("booking_declined", recipient=producer)
    assert "On tour that week" in note.body


def test_decline_repeated_is_idempotent_and_accept_after_decline_is_409(offered, musician):
    services.booking_decline(booking_id=offered.pk, actor=musician)
    assert services.booking_decline(booking_id=offered.pk, actor=musician).status == S.DECLINED
    assert len(notes("booking_declined")) == 1
    with pytest.raises(InvalidTransition):
        services.booking_accept(booking_id=offered.pk, actor=musician)


def test_decline_note_too_long_is_a_field_error(offered, musician):
    with pytest.raises(ValidationFailed) as info:
        services.booking_decline(booking_id=offered.pk, actor=musician, note="x" * 2001)
    assert "note" in info.value.fields


# --- counter -----------------------------------------------------------------------------------


def test_counter_proposes_new_terms_and_tells_the_producer(offered, musician, producer):
    booking = services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"), cartage_fee=D("40"),
                                       note="Bringing the Rhodes")
    assert booking.status == S.COUNTERED
    assert booking.counter_total == D("250.00")  # 3h x 70 + 40 cartage
    assert booking.fee_total == D("150.00")  # the offer's own terms are untouched until accepted
    assert booking.counter_terms["rate"] == "70"
    [note] = notes("booking_countered", recipient=producer)
    assert "250.00" in note.title and "Bringing the Rhodes" in note.body


def test_counter_must_change_something(offered, musician):
    with pytest.raises(ValidationFailed):
        services.booking_counter(booking_id=offered.pk, actor=musician, rate=offered.rate)


def test_counter_with_bad_terms_is_a_field_error(offered, musician):
    with pytest.raises(ValidationFailed) as info:
        services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("-3"))
    assert "rate" in info.value.fields


def test_counter_repeated_is_idempotent(offered, musician):
    services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"))
    again = services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"))
    assert again.status == S.COUNTERED
    assert len(notes("booking_countered")) == 1


def test_producer_accepts_the_counter_on_its_terms(offered, musician, producer, profile):
    services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"), cartage_fee=D("40"))
    booking = services.booking_accept_counter(booking_id=offered.pk, actor=producer)
    assert booking.status == S.ACCEPTED
    assert booking.fee_total == D("250.00")
    assert booking.rate == D("70") and booking.cartage_fee == D("40")
    assert {line["code"] for line in booking.quote["lines"]} == {"base", "cartage"}
    assert history(booking)[-1] == ("accept_counter", "countered", "accepted")
    assert BusyInterval.objects.filter(source="booking", source_id=str(booking.pk)).exists()
    assert len(notes("booking_accepted")) == 2
    # Repeat: same state, nothing new.
    services.booking_accept_counter(booking_id=offered.pk, actor=producer)
    assert len(notes("booking_accepted")) == 2


def test_only_the_producer_answers_a_counter(offered, musician):
    services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"))
    with pytest.raises(Forbidden):
        services.booking_accept_counter(booking_id=offered.pk, actor=musician)
    with pytest.raises(Forbidden):
        services.booking_decline_counter(booking_id=offered.pk, actor=musician)


def test_counter_cannot_be_accepted_once_the_gig_started(offered, musician, producer, frozen_clock):
    services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"))
    frozen_clock.set(offered.starts_at)
    with pytest.raises(InvalidTransition) as info:
        services.booking_accept_counter(booking_id=offered.pk, actor=producer)
    assert info.value.code == "gig_started"


def test_counter_accept_still_refuses_a_double_booking(producer, musician, profile, venue, start):
    first = offer(producer, profile, venue=venue, starts_at=start)
    second = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
    services.booking_counter(booking_id=second.pk, actor=musician, rate=D("70"))
    services.booking_accept(booking_id=first.pk, actor=musician)
    with pytest.raises(BookingConflict):
        services.booking_accept_counter(booking_id=second.pk, actor=producer)


def test_producer_declines_the_counter(offered, musician, producer):
    services.booking_counter(booking_id=offered.pk, actor=musician, rate=D("70"))
    booking = services.booking_decline_counter(booking_id=offered.pk, actor=producer, note="Budget is fixed")
    assert booking.status == S.DECLINED
    assert history(booking)[-1] == ("decline_counter", "countered", "declined")
    [note] = notes("booking_counter_declined", recipient=musician)
    assert "Budget is fixed" in note.body


# --- withdraw ----------------------------------------------------------------------------------


def test_producer_withdraws_an_open_offer(offered, producer, musician):
    booking = services.booking_withdraw(booking_id=offered.pk, actor=producer, note="Session moved")
    assert booking.status == S.WITHDRAWN
    assert len(notes("booking_withdrawn", recipient=musician)) == 1
    assert services.booking_withdraw(booking_id=offered.pk, actor=producer).status == S.WITHDRAWN
    assert len(notes("booking_withdrawn")) == 1
    with pytest.raises(InvalidTransition):
        services.booking_accept(booking_id=offered.pk, actor=musician)


def test_musician_cannot_withdraw(offered, musician):
    with pytest.raises(Forbidden):
        services.booking_withdraw(booking_id=offered.pk, actor=musician)


# --- cancel ------------------------------------------------------------------------------------


@pytest.fixture
def accepted(offered, musician):
    return services.booking_accept(booking_id=offered.pk, actor=musician)


def test_producer_cancelling_early_owes_nothing(accepted, producer, musician):
    preview = services.cancellation_preview(booking=accepted, actor=producer)
    assert not preview.late and preview.fee == D("0.00")
    booking = services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="Artist ill", expected_fee=D("0"))
    assert booking.status == S.CANCELLED
    assert booking.cancellation_fee == D("0.00") and not booking.cancelled_late
    assert booking.cancelled_by == producer and booking.cancel_reason == "Artist ill"
    assert not BusyInterval.objects.filter(source="booking", source_id=str(booking.pk)).exists()
    for user in (producer, musician):
        [note] = notes("booking_cancelled", recipient=user)
        assert "STATUS:CANCELLED" in note.attachments[0]["content"]


def test_producer_cancelling_inside_the_window_owes_the_late_fee(accepted, producer, musician, frozen_clock):
    frozen_clock.set(accepted.starts_at - timedelta(hours=47))
    preview = services.cancellation_preview(booking=accepted, actor=producer)
    assert preview.late and preview.fee == D("100.00")
    booking = services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="Budget cut",
                                      expected_fee=D("100.00"))
    assert booking.cancelled_late and booking.cancellation_fee == D("100.00")
    [note] = notes("booking_cancelled", recipient=musician)
    assert "100.00 GBP is owed" in note.body


def test_cancel_is_refused_if_the_fee_changed_since_it_was_shown(accepted, producer, frozen_clock):
    shown = services.cancellation_preview(booking=accepted, actor=producer).fee  # 0, outside the window
    frozen_clock.set(accepted.starts_at - timedelta(hours=47))  # the window opened meanwhile
    with pytest.raises(Conflict) as info:
        services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="x", expected_fee=shown)
    assert info.value.code == "cancellation_fee_changed"
    assert Booking.objects.get(pk=accepted.pk).status == S.ACCEPTED


def test_musician_cancelling_late_owes_nothing(accepted, musician, producer, frozen_clock):
    frozen_clock.set(accepted.starts_at - timedelta(hours=1))
    booking = services.booking_cancel(booking_id=accepted.pk, actor=musician, reason="Flu")
    assert booking.cancelled_late and booking.cancellation_fee == D("0.00")


def test_cancel_needs_a_reason(accepted, producer):
    for reason in ("", "   "):
        with pytest.raises(ValidationFailed) as info:
            services.booking_cancel(booking_id=accepted.pk, actor=producer, reason=reason)
        assert "reason" in info.value.fields


def test_cancel_repeat_by_same_caller_is_idempotent_other_side_gets_409(accepted, producer, musician):
    services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="x")
    assert services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="x").status == S.CANCELLED
    assert len(notes("booking_cancelled")) == 2  # one per party, once
    with pytest.raises(InvalidTransition):
        services.booking_cancel(booking_id=accepted.pk, actor=musician, reason="x")


def test_cancelled_time_is_free_again(accepted, producer, musician, profile, venue):
    services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="x")
    again = offer(producer, profile, venue=venue, starts_at=accepted.starts_at)
    assert services.booking_accept(booking_id=again.pk, actor=musician).status == S.ACCEPTED


def test_staff_can_cancel(accepted, staff_user):
    from django.contrib.auth.models import Permission

    staff_user.user_permissions.add(Permission.objects.get(content_type__app_label="bookings", codename="change_booking"))
    staff_user = type(staff_user).objects.get(pk=staff_user.pk)  # fresh permission cache
    booking = services.booking_cancel(booking_id=accepted.pk, actor=staff_user, reason="Dispute")
    assert booking.status == S.CANCELLED and booking.cancellation_fee == D("0.00")


def test_cannot_cancel_a_finished_gig(accepted, producer, frozen_clock):
    frozen_clock.set(accepted.ends_at)
    with pytest.raises(InvalidTransition) as info:
        services.booking_cancel(booking_id=accepted.pk, actor=producer, reason="x")
    assert info.value.code == "gig_over"


# --- complete ----------------------------------------------------------------------------------


def test_complete_only_after_the_end_and_only_by_the_producer(accepted, producer, musician, frozen_clock):
    with pytest.raises(InvalidTransition) as info:
        services.booking_complete(booking_id=accepted.pk, actor=producer)
    assert info.value.code == "gig_not_over"
    frozen_clock.set(accepted.ends_at)
    with pytest.raises(Forbidden):
        services.booking_complete(booking_id=accepted.pk, actor=musician)
    booking = services.booking_complete(booking_id=accepted.pk, actor=producer)
    assert booking.status == S.COMPLETED and booking.completed_at == accepted.ends_at
    assert services.booking_complete(booking_id=accepted.pk, actor=producer).status == S.COMPLETED
    assert len(notes("booking_completed")) == 1


# --- the sweep ---------------------------------------------------------------------------------


def test_sweep_expires_offers_lapses_counters_and_completes_gigs(producer, musician, profile, venue, start, frozen_clock):
    to_expire = offer(producer, profile, venue=venue, starts_at=start, expires_at=start - timedelta(days=2))
    countered = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=4))
    services.booking_counter(booking_id=countered.pk, actor=musician, rate=D("99"))
    to_finish = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=8))
    services.booking_accept(booking_id=to_finish.pk, actor=musician)

    frozen_clock.set(start - timedelta(days=1))
    assert services.bookings_sweep() == {"expired": 1, "counters_lapsed": 0, "completed": 0}
    assert Booking.objects.get(pk=to_expire.pk).status == S.EXPIRED
    assert {n.recipient_id for n in notes("booking_expired")} == {producer.pk, musician.pk}

    frozen_clock.set(start + timedelta(days=1))
    assert services.bookings_sweep() == {"expired": 0, "counters_lapsed": 1, "completed": 1}
    assert Booking.objects.get(pk=countered.pk).status == S.DECLINED
    finished = Booking.objects.get(pk=to_finish.pk)
    assert finished.status == S.COMPLETED and finished.status_changed_by is None
    # Running it again changes nothing and sends nothing.
    before = Notification.objects.count()
    assert services.bookings_sweep() == {"expired": 0, "counters_lapsed": 0, "completed": 0}
    assert Notification.objects.count() == before
    with pytest.raises(InvalidTransition):
        services.booking_accept(booking_id=to_expire.pk, actor=musician)


def test_sweep_still_expires_and_completes_when_the_profile_is_gone(producer, musician, profile, venue, start,
                                                                     frozen_clock):
    stale = offer(producer, profile, venue=venue, starts_at=start)
    done = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=5))
    services.booking_accept(booking_id=done.pk, actor=musician)
    profile.delete()  # an admin removed the profile; the bookings stay
    frozen_clock.set(start + timedelta(days=1))
    assert services.bookings_sweep() == {"expired": 1, "counters_lapsed": 0, "completed": 1}
    assert Booking.objects.get(pk=stale.pk).status == S.EXPIRED
    assert Booking.objects.get(pk=done.pk).status == S.COMPLETED


def test_expire_before_the_answer_by_time_is_a_no_op(offered):
    assert services.booking_expire(booking_id=offered.pk).status == S.OFFERED


# --- every edge of the state machine -----------------------------------------------------------

ACTIONS = ["accept", "decline", "counter", "withdraw", "accept_counter", "decline_counter", "cancel", "complete"]


def _reach(status, *, producer, musician, profile, venue, start, frozen_clock):
    booking = offer(producer, profile, venue=venue, starts_at=start)
    if status == S.COUNTERED:
        services.booking_counter(booking_id=booking.pk, actor=musician, rate=D("77"))
    elif status == S.ACCEPTED:
        services.booking_accept(booking_id=booking.pk, actor=musician)
    elif status == S.DECLINED:
        services.booking_decline(booking_id=booking.pk, actor=musician)
    elif status == S.WITHDRAWN:
        services.booking_withdraw(booking_id=booking.pk, actor=producer)
    elif status == S.EXPIRED:
        frozen_clock.set(booking.expires_at)
        services.booking_expire(booking_id=booking.pk)
    elif status == S.CANCELLED:
        services.booking_accept(booking_id=booking.pk, actor=musician)
        services.booking_cancel(booking_id=booking.pk, actor=musician, reason="x")
    elif status == S.COMPLETED:
        services.booking_accept(booking_id=booking.pk, actor=musician)
        frozen_clock.set(booking.ends_at)
        services.booking_complete(booking_id=booking.pk, actor=producer)
    booking.refresh_from_db()
    assert booking.status == status
    return booking


def _do(action, booking, *, producer, musician):
    calls = {
        "accept": lambda: services.booking_accept(booking_id=booking.pk, actor=musician),
        "decline": lambda: services.booking_decline(booking_id=booking.pk, actor=musician),
        "counter": lambda: services.booking_counter(booking_id=booking.pk, actor=musician, rate=D("88")),
        "withdraw": lambda: services.booking_withdraw(booking_id=booking.pk, actor=producer),
        "accept_counter": lambda: services.booking_accept_counter(booking_id=booking.pk, actor=producer),
        "decline_counter": lambda: services.booking_decline_counter(booking_id=booking.pk, actor=producer),
        "cancel": lambda: services.booking_cancel(booking_id=booking.pk, actor=producer, reason="x"),
        "complete": lambda: services.booking_complete(booking_id=booking.pk, actor=producer),
    }
    return calls[action]()


@pytest.mark.parametrize("status", [s for s in S.values])
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(status, action, producer, musician, profile, venue, start, frozen_clock, now):
    booking = _reach(status, producer=producer, musician=musician, profile=profile, venue=venue, start=start,
                     frozen_clock=frozen_clock)
    if action == "complete" and status == S.ACCEPTED:
        frozen_clock.set(booking.ends_at)  # completing needs the gig to be over
    target = services.TRANSITIONS.get((status, action))
    same_caller_repeat = common._already_done(booking, action, producer if action in
                                                ("withdraw", "accept_counter", "decline_counter", "cancel", "complete")
                                                else musician)
    events_before = BookingEvent.objects.filter(booking=booking).count()
    if target is not None:
        result = _do(action, booking, producer=producer, musician=musician)
        assert result.status == target
        assert BookingEvent.objects.filter(booking=booking).count() == events_before + 1
    elif same_caller_repeat:
        assert _do(action, booking, producer=producer, musician=musician).status == status
        assert BookingEvent.objects.filter(booking=booking).count() == events_before
    else:
        with pytest.raises(InvalidTransition) as info:
            _do(action, booking, producer=producer, musician=musician)
        assert info.value.status_code == 409
        assert Booking.objects.get(pk=booking.pk).status == status


def test_the_transition_table_is_exactly_the_documented_machine():
    edges = {(source, target) for (source, _action), target in services.TRANSITIONS.items()}
    assert edges == {
        (S.OFFERED, S.ACCEPTED), (S.OFFERED, S.DECLINED), (S.OFFERED, S.COUNTERED), (S.OFFERED, S.EXPIRED),
        (S.OFFERED, S.WITHDRAWN), (S.COUNTERED, S.ACCEPTED), (S.COUNTERED, S.DECLINED),
        (S.ACCEPTED, S.CANCELLED), (S.ACCEPTED, S.COMPLETED),
    }


# --- short-notice entry point ------------------------------------------------------------------


def test_create_accepted_books_directly_with_the_same_guarantees(producer, musician, profile, venue, start):
    booking = services.booking_create_accepted(
        producer=producer, musician=musician, instrument="piano", kind="studio_session", venue=venue,
        starts_at=start, ends_at=start + timedelta(hours=3), source="short_notice", rate=D("60"),
    )
    assert booking.status == S.ACCEPTED and booking.source == "short_notice"
    assert booking.fee_total == D("180.00")
    assert BusyInterval.objects.filter(source="booking", source_id=str(booking.pk)).exists()
    assert len(notes("booking_accepted")) == 2
    with pytest.raises(BookingConflict):
        services.booking_create_accepted(
            producer=producer, musician=musician, instrument="piano", kind="studio_session", venue=venue,
            starts_at=start + timedelta(hours=1), ends_at=start + timedelta(hours=2),
        )


def test_create_accepted_for_a_musician_without_profile_is_a_409(producer, make_user, venue, start):
    nobody = make_user(musician=True)
    with pytest.raises(Conflict) as info:
        services.booking_create_accepted(producer=producer, musician=nobody, instrument="piano", kind="studio_session",
                                         venue=venue, starts_at=start, ends_at=start + timedelta(hours=3))
    assert info.value.code == "no_profile"


def test_naive_datetimes_never_reach_the_database(producer, profile, venue, now):
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 9, 10), ends_at=datetime(2027, 6, 9, 12))
    booking.refresh_from_db()
    assert booking.starts_at == datetime(2027, 6, 9, 9, tzinfo=UTC)


# --- booked time counts in the profile search ----------------------------------------------------


def test_accepted_booking_makes_the_musician_busy_in_search_until_cancelled(producer, musician, profile, venue, start,
                                                                          client_for):
    search = client_for(producer)
    window = {"available_from": (start + timedelta(hours=1)).isoformat(),
              "available_to": (start + timedelta(hours=2)).isoformat()}

    def found():
        response = search.get("/api/musicians/", window)
        assert response.status_code == 200, response.json()
        return [card["id"] for card in response.json()["results"]]

    booking = offer(producer, profile, venue=venue, starts_at=start)
    assert found() == [profile.pk]  # an offer alone does not block the time
    services.booking_accept(booking_id=booking.pk, actor=musician)
    assert found() == []
    services.booking_cancel(booking_id=booking.pk, actor=producer, reason="Moved")
    assert found() == [profile.pk]
