"""Every write about engagements: ``offer`` (check and send), ``answers`` (accept all or some,
decline, cancel one date), ``ending`` (the producer withdraws, the sweep expires); ``rules`` holds the
shared limits, locks and the booking guard."""

from bookings.engagements.services.answers import engagement_accept, engagement_cancel_date, engagement_decline
from bookings.engagements.services.ending import engagement_expire, engagement_withdraw, engagements_expire_due
from bookings.engagements.services.offer import DATE_FIELDS, engagement_offer, engagement_preview
from bookings.engagements.services.rules import MAX_DATES, OFFER_PURPOSE, PartialNotAllowed, date_label

__all__ = [
    "DATE_FIELDS",
    "MAX_DATES",
    "OFFER_PURPOSE",
    "PartialNotAllowed",
    "date_label",
    "engagement_accept",
    "engagement_cancel_date",
    "engagement_decline",
    "engagement_expire",
    "engagement_offer",
    "engagement_preview",
    "engagement_withdraw",
    "engagements_expire_due",
]
