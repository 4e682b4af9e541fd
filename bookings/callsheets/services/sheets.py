"""A booking's call sheet: found or made (with the session's other bookings), and its content."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from bookings.callsheets import rules
from bookings.callsheets.models import CallSheet, CallSheetPlayer, CallSheetVersion
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import InvalidTransition, NotFound

Status = Booking.Status


def booking_for(*, booking_id: int, user) -> Booking:
    """The booking, if ``user`` is a party (or staff); NotFound (404) otherwise: no existence leak."""
    booking = (Booking.objects.select_related("producer", "musician", "instrument", "venue")
               .filter(pk=booking_id).first())
    if booking is None or user is None or not user.is_authenticated or not (booking.is_party(user) or user.is_staff):
        raise NotFound("No such booking.")
    return booking


def fee_text(booking: Booking) -> str:
    return f"{booking.quote.get('total', booking.fee_total)} {booking.currency} ({booking.get_fee_basis_display().lower()})"


def content_from_booking(booking: Booking, bookings: list[Booking]) -> dict:
    """The first version of a sheet: the session's time, place and fees, nothing else yet."""
    venue = booking.venue
    return {
        "starts_at": booking.starts_at.isoformat(), "ends_at": booking.ends_at.isoformat(),
        "time_zone": booking.time_zone,
        "venue": {"id": venue.pk, "name": venue.name, "address": venue.address} if venue else None,
        **{key: "" for key, _label, _limit in rules.TEXT_FIELDS},
        "materials": [],
        "fees": {str(b.pk): fee_text(b) for b in bookings},
    }


def _session_bookings(booking: Booking):
    """The producer's accepted bookings of the same session (same place and times) on no sheet yet."""
    if booking.venue_id is None:
        return Booking.objects.filter(pk=booking.pk)
    return Booking.objects.filter(
        producer_id=booking.producer_id, venue_id=booking.venue_id, starts_at=booking.starts_at,
        ends_at=booking.ends_at, status=Status.ACCEPTED, call_sheet_player__isnull=True,
    ).select_related("musician", "instrument")


def sheet_get_or_create(*, booking: Booking) -> CallSheet:
    """The sheet the booking is on; made (version 1, sent to nobody) on first use.

    A sheet starts with every accepted booking of that session; a player booked into the session
    later joins the sheet the next time it is opened or edited. Only accepted bookings get a sheet
    (409 otherwise): before that, the offer itself says where and when.
    """
    player = CallSheetPlayer.objects.select_related("sheet").filter(booking=booking).first()
    if player is not None:
        if booking.status == Status.ACCEPTED:
            _join_latecomers(player.sheet, booking)
        return player.sheet
    if booking.status != Status.ACCEPTED:
        raise InvalidTransition("A call sheet starts once the booking is accepted.", code="booking_not_accepted")
    try:
        with transaction.atomic():
            now = clock.now()
            sheet = CallSheet.objects.create(producer_id=booking.producer_id, current_version=1, created_at=now,
                                             updated_at=now)
            members = list(_session_bookings(booking)) or [booking]
            CallSheetPlayer.objects.bulk_create(
                [CallSheetPlayer(sheet=sheet, booking=member, joined_at=now) for member in members])
            CallSheetVersion.objects.create(sheet=sheet, number=1, content=content_from_booking(booking, members),
                                            author_id=booking.producer_id, created_at=now)
    except IntegrityError:
        # Another request made the sheet for this session at the same moment: use theirs.
        return CallSheetPlayer.objects.select_related("sheet").get(booking=booking).sheet
    return sheet


def _join_latecomers(sheet: CallSheet, booking: Booking) -> None:
    late = [b for b in _session_bookings(booking) if b.pk != booking.pk]
    if not late:
        return
    try:
        with transaction.atomic():
            CallSheetPlayer.objects.bulk_create([CallSheetPlayer(sheet=sheet, booking=b) for b in late])
    except IntegrityError:
        pass  # joined by a concurrent request


def current_version(sheet: CallSheet) -> CallSheetVersion:
    return CallSheetVersion.objects.get(sheet=sheet, number=sheet.current_version)


def player_infos(players: list[CallSheetPlayer]) -> list[dict]:
    """What the rules need to know of each player: booking, instrument and name."""
    return [
        {"booking": p.booking_id, "instrument": p.booking.instrument.slug,
         "instrument_name": p.booking.instrument.name, "name": p.booking.musician.greeting_name}
        for p in players
    ]


def active_players(sheet: CallSheet) -> list[CallSheetPlayer]:
    """Players still booked (accepted, not dropped out), with booking, musician and instrument."""
    return list(
        CallSheetPlayer.objects.filter(sheet=sheet, booking__status=Status.ACCEPTED, dropped_out_at__isnull=True)
        .select_related("booking__musician", "booking__instrument", "booking__venue", "booking__producer")
        .order_by("booking__instrument__name", "id")
    )
