"""Accept renders its confirmations after commit: losers render nothing, the winner renders with the
musician's row free again, and a confirmation left waiting (the process died after commit) is rendered
by whoever reads it first, as the accept would have rendered it."""

import threading
from datetime import datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import messages, services
from bookings.models import Booking
from bookings.services import accept as accept_service
from bookings.services.common import BookingConflict
from gigbook.notifications import services as notification_services
from gigbook.notifications.models import Delivery, Notification
from musicians.models import MusicianProfile
from tests.bookings.factories import offer


def _count_calls(monkeypatch, module, name) -> list:
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.django_db
def test_a_player_who_lost_the_race_renders_nothing_and_leaves_the_search_cache_alone(
    now, producer, musician, profile, venue, monkeypatch
):
    start = datetime(2027, 6, 5, 9, 0, tzinfo=now.tzinfo)
    won = offer(producer, profile, venue=venue, starts_at=start)
    lost = offer(producer, profile, venue=venue, starts_at=start + timedelta(hours=1))
    services.booking_accept(booking_id=won.pk, actor=musician)
    rendered = _count_calls(monkeypatch, messages, "accepted_content")
    written = _count_calls(monkeypatch, messages, "accepted_items_to_render")
    bumped = _count_calls(monkeypatch, accept_service.search_cache, "invalidate")
    with CaptureQueriesContext(connection) as queries, pytest.raises(BookingConflict):
        services.booking_accept(booking_id=lost.pk, actor=musician)
    assert (rendered, written, bumped) == ([], [], [])
    # The read, the musician's lock and the overlap check (the test transaction's savepoint aside).
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3, "\n".join(sql[:120] for sql in statements)


@pytest.mark.django_db(transaction=True)
def test_the_winner_renders_its_confirmations_with_the_musicians_row_free_again(
    frozen_clock, producer, musician, profile, venue, monkeypatch
):
    from tests.bookings.conftest import NOW

    frozen_clock.set(NOW)
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 5, 9, 0, tzinfo=NOW.tzinfo))
    row_free = []
    original = messages.accepted_content

    def render_and_try_the_lock(*args, **kwargs):
        def try_lock():
            from django.db import DatabaseError, transaction

            try:
                with transaction.atomic():
                    MusicianProfile.objects.select_for_update(nowait=True).get(pk=profile.pk)
                row_free.append(True)
            except DatabaseError:
                row_free.append(False)
            finally:
                connection.close()

        other = threading.Thread(target=try_lock)
        other.start()
        other.join(10)
        return original(*args, **kwargs)

    monkeypatch.setattr(messages, "accepted_content", render_and_try_the_lock)
    services.booking_accept(booking_id=booking.pk, actor=musician)
    assert row_free == [True, True]
    assert not Notification.objects.filter(kind="booking_accepted", render_args__isnull=False).exists()


@pytest.mark.django_db
def test_a_confirmation_left_waiting_is_rendered_as_accepted_even_after_a_cancel(
    now, producer, musician, profile, venue, monkeypatch, client_for, frozen_clock
):
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 5, 9, 0, tzinfo=now.tzinfo))
    # The accepting process dies right after commit: nothing rendered, nothing enqueued.
    monkeypatch.setattr(accept_service, "_render_confirmations", lambda booking, written: None)
    accepted = services.booking_accept(booking_id=booking.pk, actor=musician)
    waiting = Notification.objects.filter(kind="booking_accepted")
    assert [(n.body, n.attachments, n.render_args) for n in waiting] == [
        ("", [], {"booking": booking.pk, "sequence": accepted.sequence})] * 2
    # Title and text were written with the row: the inbox never shows an empty line.
    assert all(n.title.startswith("Confirmed: ") and n.sms_text for n in waiting)
    frozen_clock.advance(timedelta(hours=1))
    services.booking_cancel(booking_id=booking.pk, actor=producer, reason="Studio flooded")

    # The musician opens the inbox first; the producer's is rendered by the worker before sending.
    listed = client_for(musician).get("/api/notifications/?kind=booking_accepted").json()["results"]
    assert listed[0]["body"].startswith("The booking is confirmed.") and venue.name in listed[0]["body"]
    producer_row = Notification.objects.get(recipient=producer, kind="booking_accepted")
    assert producer_row.render_args is not None
    notification_services.notification_deliver(notification_id=producer_row.pk)
    assert set(Delivery.objects.filter(notification=producer_row).values_list("status", flat=True)) == {"sent"}

    for row in Notification.objects.filter(kind="booking_accepted"):
        assert row.render_args is None
        [attachment] = row.attachments
        assert attachment["mimetype"] == "text/calendar; method=REQUEST"
        cal = icalendar.Calendar.from_ical(attachment["content"])
        [event] = cal.walk("VEVENT")
        # As the accept would have rendered it: its sequence, its time stamp (the row's), not the cancel's.
        assert int(event["SEQUENCE"]) == accepted.sequence and event.decoded("DTSTAMP") == row.created_at
        assert str(cal["METHOD"]) == "REQUEST"
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED


@pytest.mark.django_db
def test_rendered_after_commit_reads_the_same_as_rendered_in_one_go(now, producer, musician, profile, venue):
    """The split (cheap parts under the lock, body and .ics after commit) changes no byte of a message."""
    booking = offer(producer, profile, venue=venue, starts_at=datetime(2027, 6, 5, 9, 0, tzinfo=now.tzinfo))
    accepted = services.booking_accept(booking_id=booking.pk, actor=musician)
    in_one_go = {item["recipient"].pk: item for item in messages.accepted_items(accepted)}
    for row in Notification.objects.filter(kind="booking_accepted"):
        item = in_one_go[row.recipient_id]
        assert (row.title, row.body, row.url, row.sms_text, row.attachments, row.dedupe_key) == (
            item["title"], item["body"], item["url"], item["sms_text"], item["attachments"], item["dedupe_key"])
