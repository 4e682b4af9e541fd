"""Reports about profiles and reviews: filing (rate limited, one open per reporter and target)
and resolving (the outcome is recorded, audited, and the reporter told)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from gigbook.core import clock
from gigbook.core.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed
from gigbook.notifications.services import notify
from musicians.models import MusicianProfile
from trust.models import AuditEntry, Report, Review
from trust.services.audit import audit_record

User = get_user_model()
DETAILS_MAX = 2000


class TooManyReports(DomainError):
    status_code = 429
    default_detail = "You have sent a lot of reports in a short time. Please wait a while before sending another."

    def __init__(self, detail: str | None = None, *, code: str = "too_many_reports", fields: dict | None = None):
        super().__init__(detail, code=code, fields=fields)


def _limits() -> tuple[tuple[int, timedelta], ...]:
    # (how many, per period). Reports are cheap to file and costly to review: a short burst
    # limit stops a spree; the daily one stops a slow campaign against one musician.
    return (
        (getattr(settings, "TRUST_REPORTS_PER_HOUR", 5), timedelta(hours=1)),
        (getattr(settings, "TRUST_REPORTS_PER_DAY", 20), timedelta(days=1)),
    )


def _check_rate(reporter, now) -> None:
    # Counting from the table (not a cache) makes the limit exact across processes; the row lock
    # on the reporter serialises two simultaneous reports from the same account.
    User.objects.select_for_update().filter(pk=reporter.pk).first()
    recent = Report.objects.filter(reporter=reporter, created_at__gt=now - timedelta(days=1)).values_list(
        "created_at", flat=True
    )
    times = list(recent)
    for limit, period in _limits():
        if sum(1 for at in times if at > now - period) >= limit:
            raise TooManyReports()


def _details(details: str) -> str:
    details = (details or "").strip()
    if len(details) > DETAILS_MAX:
        raise ValidationFailed(fields={"details": [f"Keep the details under {DETAILS_MAX} characters."]})
    return details


def _reason(reason: str, details: str) -> None:
    if reason not in Report.Reason.values:
        raise ValidationFailed(fields={"reason": [f"Choose one of: {', '.join(Report.Reason.values)}."]})
    if reason == Report.Reason.OTHER and not details:
        raise ValidationFailed(fields={"details": ["Tell us what is wrong."]})


@transaction.atomic
def report_create(
    *, reporter, reason: str, details: str = "", profile_id: int | None = None, review_id: int | None = None
) -> Report:
    """File a report about a profile the reporter can see, or a published review.

    Raises ValidationFailed (reason/details/target), NotFound (not visible to the reporter),
    Forbidden (one's own profile or review), Conflict (an open report by the same reporter on
    the same target exists: 409 ``already_reported``), TooManyReports (429).
    """
    from musicians.selectors import profile_get_public

    if not reporter.is_authenticated or not reporter.is_active:
        raise Forbidden("Sign in to report.")
    details = _details(details)
    _reason(reason, details)
    if (profile_id is None) == (review_id is None):
        raise ValidationFailed(fields={"non_field_errors": ["Report either a profile or a review."]})
    now = clock.now()
    report = Report(reporter=reporter, reason=reason, details=details, created_at=now)
    if profile_id is not None:
        profile = profile_get_public(profile_id=profile_id, viewer=reporter)
        if profile.user_id == reporter.pk:
            raise Forbidden("You cannot report your own profile.", code="own_profile")
        report.profile = profile
        existing = Report.objects.filter(reporter=reporter, profile=profile, status=Report.Status.OPEN)
    else:
        review = Review.objects.select_related("booking").filter(pk=review_id).first()
        if review is None or not review.is_visible(now):
            raise NotFound("No such review.")
        if review.author_id == reporter.pk:
            raise Forbidden("You cannot report your own review.", code="own_review")
        report.review = review
        existing = Report.objects.filter(reporter=reporter, review=review, status=Report.Status.OPEN)
    if existing.exists():
        raise Conflict("You have already reported this and we are looking into it.", code="already_reported")
    _check_rate(reporter, now)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:  # the partial unique index: a concurrent duplicate
        raise Conflict("You have already reported this and we are looking into it.", code="already_reported") from exc
    return report


def _target_name(report: Report) -> str:
    if report.profile_id:
        return f"{report.profile.display_name}'s profile"
    return "a review"


@transaction.atomic
def report_resolve(
    *, report_id: int, by, outcome: str, note: str = "", source: str = AuditEntry.Source.API
) -> Report:
    """Close an open report with an outcome; audit it and tell the reporter the outcome.

    ``note`` is for the file and is not sent (it may name the other person's circumstances).
    Raises NotFound, ValidationFailed, InvalidTransition (already resolved).
    """
    if outcome not in Report.Outcome.values:
        raise ValidationFailed(fields={"outcome": [f"Choose one of: {', '.join(Report.Outcome.values)}."]})
    note = (note or "").strip()
    if len(note) > DETAILS_MAX:
        raise ValidationFailed(fields={"note": [f"Keep the note under {DETAILS_MAX} characters."]})
    report = (
        Report.objects.select_for_update(of=("self",)).select_related("reporter", "profile__user", "review")
        .filter(pk=report_id).first()
    )
    if report is None:
        raise NotFound("No such report.")
    if report.status != Report.Status.OPEN:
        raise InvalidTransition("This report is already resolved.", code="already_resolved")
    now = clock.now()
    before = {"status": report.status, "outcome": report.outcome}
    report.status, report.outcome, report.resolution_note = Report.Status.RESOLVED, outcome, note
    report.resolved_at, report.resolved_by = now, by
    report.save(update_fields=["status", "outcome", "resolution_note", "resolved_at", "resolved_by"])
    audit_record(actor=by, action="report.resolve", target=report, source=source, before=before,
                 after={"status": report.status, "outcome": outcome}, reason_code=outcome, reason=note)
    notify(
        recipient=report.reporter,
        kind="trust_report_resolved",
        title="Thanks for your report: we have looked into it",
        body=f"You reported {_target_name(report)} on {report.created_at:%d %b %Y} "
             f"({report.get_reason_display().lower()}).\n\nOutcome: {report.get_outcome_display()}.",
        url="",
        sms_text="",
        dedupe_key=f"trust:report:{report.pk}:resolved",
    )
    return report


def reports_resolve_for_profile(
    *, profile_id: int, by, outcome: str, note: str = "", source: str = AuditEntry.Source.API
) -> list[Report]:
    """Resolve every open report on one profile with the same outcome (each reporter is told)."""
    if not MusicianProfile.objects.filter(pk=profile_id).exists():
        raise NotFound("No such musician profile.")
    ids = list(
        Report.objects.filter(profile_id=profile_id, status=Report.Status.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    resolved = []
    for report_id in ids:
        try:
            resolved.append(report_resolve(report_id=report_id, by=by, outcome=outcome, note=note, source=source))
        except InvalidTransition:
            pass  # resolved by someone else meanwhile
    return resolved
