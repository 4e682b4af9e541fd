"""Who may moderate. The "Moderators" group (created by migration 0002) holds exactly these;
superusers hold every permission. Moderators can see bookings and users but not edit them."""

from __future__ import annotations

MODERATORS_GROUP = "Moderators"

# (app label, codename). Keep in step with trust/migrations (a test compares them).
MODERATOR_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("trust", "moderate_profile"),
    ("trust", "view_pendingprofile"),
    ("trust", "view_moderatedprofile"),
    ("trust", "view_reportedprofile"),
    ("trust", "view_report"),
    ("trust", "change_report"),
    ("trust", "view_review"),
    ("trust", "hide_review"),
    ("trust", "view_auditentry"),
    ("trust", "export_auditentry"),
    ("trust", "view_bookingflag"),
    ("trust", "change_bookingflag"),
    ("trust", "view_endorsement"),
    ("trust", "delete_endorsement"),
    ("trust", "view_recommendation"),
    ("musicians", "view_musicianprofile"),
    ("bookings", "view_booking"),
    ("accounts", "view_user"),
)

MODERATE = "trust.moderate_profile"
RESOLVE_REPORTS = "trust.change_report"
HIDE_REVIEWS = "trust.hide_review"
RESOLVE_FLAGS = "trust.change_bookingflag"
EXPORT_AUDIT = "trust.export_auditentry"


def can_moderate(user) -> bool:
    """Staff with the moderation permission (the Moderators group, or a superuser)."""
    return bool(
        user and user.is_authenticated and user.is_active and user.is_staff and user.has_perm(MODERATE)
    )


def staff_can(user, perm: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff and user.has_perm(perm))
