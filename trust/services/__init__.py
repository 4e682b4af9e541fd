"""Every write of the trust app. One module per area; the names are re-exported here."""

from trust.services.audit import audit_record
from trust.services.endorsements import endorsement_create, endorsement_withdraw
from trust.services.flags import flag_resolve
from trust.services.moderation import (
    ACTIONS,
    BulkResult,
    SuspensionEffects,
    moderation_apply,
    moderation_approve,
    moderation_bulk,
    moderation_reject,
    moderation_suspend,
    moderation_unsuspend,
)
from trust.services.recommendations import recommendation_create, recommendation_dismiss, recommendation_send_offer
from trust.services.reports import TooManyReports, report_create, report_resolve, reports_resolve_for_profile
from trust.services.reviews import (
    REVIEW_WINDOW,
    rating_refresh,
    review_create,
    review_hide,
    review_invitations_send,
    review_reply,
    review_restore,
    reviews_publish_due,
)

__all__ = [
    "ACTIONS", "REVIEW_WINDOW", "BulkResult", "SuspensionEffects", "TooManyReports", "audit_record",
    "endorsement_create", "endorsement_withdraw", "flag_resolve", "moderation_apply", "moderation_approve",
    "moderation_bulk", "moderation_reject", "moderation_suspend", "moderation_unsuspend", "rating_refresh",
    "recommendation_create", "recommendation_dismiss", "recommendation_send_offer", "report_create",
    "report_resolve", "reports_resolve_for_profile", "review_create", "review_hide", "review_invitations_send",
    "review_reply", "review_restore", "reviews_publish_due",
]
