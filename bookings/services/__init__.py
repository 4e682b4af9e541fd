"""Every write about bookings, one module per use case; the public names are re-exported here.

Modules: ``offers`` (preview, firm offers), ``accept`` (the musician accepts), ``lifecycle`` (the
other answers and later moves), ``sweeps`` (beat), ``reschedule`` (moving an accepted booking),
``venues``, ``materials``, ``calendar`` (feed tokens); ``common`` and ``terms`` hold the
shared rules, locks and fee terms.

Each use case is one keyword-only function with one transaction. Locks are always taken in the
same order: the musician's profile row first, then the booking. State is re-read under the lock;
repeating a transition already made by the same caller returns the booking unchanged (a phone
retrying on a flaky connection gets the current state, and nothing happens twice).

State machine (``TRANSITIONS``)::

    offered   -> accepted | declined | countered | expired | withdrawn
    countered -> accepted (producer takes the counter) | declined (producer turns it down, or the
                 gig starts before the producer answered)
    accepted  -> cancelled (either side) | completed (after the end, by the producer or the sweep)
"""

from bookings.services.accept import booking_accept, booking_accept_as_party, booking_read_for_party
from bookings.services.calendar import calendar_feed_get_or_create, calendar_feed_rotate, calendar_feed_touch
from bookings.services.checks import booking_problems
from bookings.services.common import (
    ACTION_TARGET,
    DEFAULT_ANSWER_BY,
    IDEMPOTENCY_KEY_TTL,
    MAX_AHEAD,
    MAX_DURATION,
    MIN_DURATION,
    TRANSITIONS,
    Availability,
    BookingConflict,
    IdempotencyKeyReused,
    MusicianUnavailable,
    OfferExpired,
    musician_availability,
    musician_lock,
)
from bookings.services.hold_rules import (
    ChallengeNotPossible,
    HoldClosed,
    HoldNotFirst,
    holds_would_bump,
)
from bookings.services.hold_sweep import holds_sweep
from bookings.services.holds import hold_accept, hold_challenge, hold_confirm, hold_decline, hold_place, hold_release
from bookings.services.lifecycle import (
    booking_accept_counter,
    booking_cancel,
    booking_complete,
    booking_counter,
    booking_counter_lapse,
    booking_decline,
    booking_decline_counter,
    booking_expire,
    booking_withdraw,
    cancellation_preview,
)
from bookings.services.materials import MAX_MATERIALS_PER_BOOKING, material_add, material_delete
from bookings.services.offers import booking_create_accepted, booking_offer, booking_preview, request_fingerprint
from bookings.services.reschedule import booking_reschedule
from bookings.services.sweeps import REMINDERS, booking_remind, bookings_sweep, reminders_send_due
from bookings.services.terms import (
    FEE_TERM_FIELDS,
    TERM_MODEL_FIELDS,
    booking_terms,
    published_rates,
    resolve_local_time,
)
from bookings.services.venues import VENUE_FIELDS, venue_create, venue_delete, venue_update

__all__ = [
    "ChallengeNotPossible",
    "HoldClosed",
    "HoldNotFirst",
    "hold_accept",
    "hold_challenge",
    "hold_confirm",
    "hold_decline",
    "hold_place",
    "hold_release",
    "holds_sweep",
    "holds_would_bump",
    "ACTION_TARGET",
    "Availability",
    "BookingConflict",
    "DEFAULT_ANSWER_BY",
    "FEE_TERM_FIELDS",
    "IDEMPOTENCY_KEY_TTL",
    "IdempotencyKeyReused",
    "MAX_AHEAD",
    "MAX_DURATION",
    "MAX_MATERIALS_PER_BOOKING",
    "MIN_DURATION",
    "MusicianUnavailable",
    "OfferExpired",
    "REMINDERS",
    "TERM_MODEL_FIELDS",
    "TRANSITIONS",
    "VENUE_FIELDS",
    "booking_accept",
    "booking_accept_as_party",
    "booking_read_for_party",
    "booking_accept_counter",
    "booking_cancel",
    "booking_complete",
    "booking_counter",
    "booking_counter_lapse",
    "booking_create_accepted",
    "booking_decline",
    "booking_decline_counter",
    "booking_expire",
    "booking_offer",
    "booking_preview",
    "booking_problems",
    "booking_remind",
    "booking_reschedule",
    "booking_terms",
    "booking_withdraw",
    "bookings_sweep",
    "calendar_feed_get_or_create",
    "calendar_feed_rotate",
    "calendar_feed_touch",
    "cancellation_preview",
    "material_add",
    "material_delete",
    "musician_availability",
    "musician_lock",
    "published_rates",
    "reminders_send_due",
    "request_fingerprint",
    "resolve_local_time",
    "venue_create",
    "venue_delete",
    "venue_update",
]
