"""Every write about short-notice requests, one module per use case; public names re-exported here.

Modules: ``create`` (posting, preview), ``dispatch`` (moving a request along, broadcast chunks),
``sweeps`` (beat), ``answers`` (the musician's), ``producer`` (cancel, widen), ``favourites``,
``stats``; ``common`` holds limits, errors, locks and time-box arithmetic.

Locks are always taken in one order: the musician's profile (``bookings.services.musician_lock``),
then the request row, then its chairs, then invitations. Holding the request row serialises
everything that moves one request (accepts, declines, the sweep, cancelling), so a time box can
never end "between" a check and a write; the chair's conditional update and its unique booking
are the guarantee of one winner underneath.

Time is never waited for: deadlines are stored, state is computed from them on read
(``Invitation.effective_status``), and ``gig_requests_sweep`` (beat) advances whatever is due,
idempotently. Messages go through ``notify`` with a dedupe key per invitation and event.
"""

from bookings.gigrequests.services.answers import (
    announce_notices,
    invitation_accept,
    invitation_decline,
    invitation_mark_seen,
)
from bookings.gigrequests.services.common import (
    DEFAULT_ANSWER_BEFORE_START,
    DISPATCH_CHUNK,
    DISPATCH_GRACE,
    INLINE_SEND_LIMIT,
    MAX_CHAIR_GROUPS,
    MAX_CHAIRS_PER_INSTRUMENT,
    MAX_PUSH_FALLBACK_MINUTES,
    MAX_THRESHOLD_HOURS,
    MAX_TIME_BOX_MINUTES,
    MIN_ANSWER_WINDOW,
    MIN_TIGHT_BOX,
    MIN_TIME_BOX_MINUTES,
    NOTICE_GRACE,
    STATS_WINDOW,
    TIGHTENING_RAMP,
    TOKEN_PURPOSE,
    AlreadyAnswered,
    GigFilled,
    OfferTimedOut,
    RequestClosed,
    in_broadcast_mode,
    offer_link_path,
    offer_token,
    threshold_at,
    time_box,
)
from bookings.gigrequests.services.create import gig_request_create, gig_request_preview, gig_request_problems
from bookings.gigrequests.services.dispatch import invitations_dispatch
from bookings.gigrequests.services.favourites import favourite_add, favourite_move, favourite_remove
from bookings.gigrequests.services.producer import gig_request_cancel, gig_request_widen
from bookings.gigrequests.services.stats import response_stats_refresh
from bookings.gigrequests.services.sweeps import gig_request_advance, gig_requests_sweep

__all__ = [
    "AlreadyAnswered",
    "DEFAULT_ANSWER_BEFORE_START",
    "DISPATCH_CHUNK",
    "DISPATCH_GRACE",
    "GigFilled",
    "INLINE_SEND_LIMIT",
    "MAX_CHAIRS_PER_INSTRUMENT",
    "MAX_CHAIR_GROUPS",
    "MAX_THRESHOLD_HOURS",
    "MAX_TIME_BOX_MINUTES",
    "MAX_PUSH_FALLBACK_MINUTES",
    "MIN_ANSWER_WINDOW",
    "MIN_TIGHT_BOX",
    "MIN_TIME_BOX_MINUTES",
    "NOTICE_GRACE",
    "OfferTimedOut",
    "RequestClosed",
    "STATS_WINDOW",
    "TIGHTENING_RAMP",
    "TOKEN_PURPOSE",
    "announce_notices",
    "favourite_add",
    "favourite_move",
    "favourite_remove",
    "gig_request_advance",
    "gig_request_cancel",
    "gig_request_create",
    "gig_request_preview",
    "gig_request_problems",
    "gig_request_widen",
    "gig_requests_sweep",
    "in_broadcast_mode",
    "invitation_accept",
    "invitation_decline",
    "invitation_mark_seen",
    "invitations_dispatch",
    "offer_link_path",
    "offer_token",
    "response_stats_refresh",
    "threshold_at",
    "time_box",
]
