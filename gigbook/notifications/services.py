"""The notification outbox and its delivery.

``notify`` is called by every service that causes a message, inside that service's transaction:
the Notification and its Delivery rows commit (or roll back) with the event itself, and delivery
is enqueued only after the commit. ``delivery_attempt`` is what the Celery task runs.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string

from gigbook.core import clock
from gigbook.core.errors import NotFound
from gigbook.notifications.models import Delivery, Notification
from gigbook.notifications.sms import get_sms_backend

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return f"{settings.SITE_URL}{url}"


# Notifications written in one transaction reach the workers in batches of this many ids: a
# broadcast to 1,000 players is 40 tasks, each claiming its deliveries in one statement.
DELIVERY_BATCH_SIZE = 25


class _PendingDeliveries:
    """Ids of notifications written on one connection, enqueued in batches once their transaction commits.

    Every notify() registers ``flush`` with on_commit; the first flush after a commit sends all ids
    gathered so far and the later ones find nothing left. Ids of notifications rolled back go out
    with the next flush and find no deliveries to claim, which is harmless.
    """

    def __init__(self) -> None:
        self.ids: list[int] = []

    def add(self, notification_id: int) -> None:
        self.ids.append(notification_id)
        transaction.on_commit(self.flush)  # outside a transaction this runs at once

    def flush(self) -> None:
        from gigbook.notifications.tasks import deliver_notifications

        ids, self.ids = self.ids, []
        for start in range(0, len(ids), DELIVERY_BATCH_SIZE):
            deliver_notifications.delay(ids[start : start + DELIVERY_BATCH_SIZE])


def _enqueue_after_commit(notification_id: int) -> None:
    connection = transaction.get_connection()
    pending = getattr(connection, "_gigbook_pending_deliveries", None)
    if pending is None:
        pending = connection._gigbook_pending_deliveries = _PendingDeliveries()
    pending.add(notification_id)


def notify(
    *,
    recipient,
    kind: str,
    title: str,
    body: str,
    url: str = "",
    sms_text: str = "",
    attachments: list[dict] | None = None,
    dedupe_key: str = "",
) -> Notification:
    """Write a notification for ``recipient`` and enqueue its delivery after commit.

    Channels: the in-app inbox always; email and SMS when the user has them on (SMS needs a
    phone number). With a ``dedupe_key`` the same event is written once per recipient: a second
    call returns the first notification and sends nothing.
    """
    now = clock.now()
    if dedupe_key:
        existing = Notification.objects.filter(recipient=recipient, dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=recipient,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                sms_text=(sms_text or "")[:480],
                attachments=attachments or [],
                dedupe_key=dedupe_key,
                created_at=now,
            )
    except IntegrityError:
        # A concurrent writer recorded the same event first.
        return Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key)
    channels = []
    if recipient.notify_by_email and recipient.email:
        channels.append(Delivery.Channel.EMAIL)
    if recipient.notify_by_sms and recipient.phone:
        channels.append(Delivery.Channel.SMS)
    Delivery.objects.bulk_create(
        [Delivery(notification=notification, channel=channel, created_at=now) for channel in channels]
    )
    if channels:
        _enqueue_after_commit(notification.id)
    return notification


def _send_email(notification: Notification) -> None:
    context = {"notification": notification, "link": _absolute(notification.url), "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=f"GigBook: {notification.title}",
        body=render_to_string("notifications/email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient.email],
        headers={"X-GigBook-Notification": str(notification.id)},
    )
    message.attach_alternative(render_to_string("notifications/email.html", context), "text/html")
    for attachment in notification.attachments:
        # Binary files (an invoice PDF) are stored base64-encoded in the JSON outbox row.
        content = (base64.b64decode(attachment["content_base64"]) if "content_base64" in attachment
                   else attachment["content"])
        message.attach(attachment["filename"], content, attachment.get("mimetype", "application/octet-stream"))
    message.send()


def _send_sms(notification: Notification) -> None:
    text = notification.sms_text or notification.title
    link = _absolute(notification.url)
    if link and link not in text:
        text = f"{text} {link}"
    get_sms_backend().send(to=notification.recipient.phone, text=text)


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.SMS: _send_sms}


def _backoff(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min, ... capped at 15 min: well under Redis' visibility timeout.
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 900))


def _claimable(now) -> Q:
    """Deliveries a worker may take: pending and due, or 'sending' past the lease.

    A delivery left 'sending' longer than the lease belonged to a worker that died mid-send.
    """
    lease_expired = now - timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    due = Q(status=Delivery.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    return due | Q(status=Delivery.Status.SENDING, claimed_at__lt=lease_expired)


def delivery_claim(*, delivery_id: int) -> bool:
    """Take one delivery for sending. False when another worker has it or it is done."""
    now = clock.now()
    claimed = Delivery.objects.filter(_claimable(now), pk=delivery_id).update(
        status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _claim_for_notifications(notification_ids: list[int]) -> tuple[list[Delivery], dict[int, dict[str, str]]]:
    """Claim every due delivery of these notifications in one short transaction.

    Returns the claimed rows (with notification and recipient loaded) and, per notification, the
    status of the channels not claimed. The claim is a conditional update on rows locked for the
    decision, so two workers never both claim one; rows another worker holds are skipped.
    """
    now = clock.now()
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient")
            .filter(notification_id__in=notification_ids)
            .order_by("id")
        )
        due = [row for row in rows if _is_claimable(row, now)]
        if due:
            # Conditional as well, for SQLite (demo mode), which has no row locks.
            updated = Delivery.objects.filter(_claimable(now), pk__in=[row.pk for row in due]).update(
                status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
            if updated != len(due):
                raise transaction.TransactionManagementError("delivery claimed concurrently")
    due_ids = {row.pk for row in due}
    claimed: list[Delivery] = []
    others: dict[int, dict[str, str]] = {notification_id: {} for notification_id in notification_ids}
    for row in rows:
        if row.pk in due_ids:
            row.status, row.claimed_at, row.attempts = Delivery.Status.SENDING, now, row.attempts + 1
            claimed.append(row)
        else:
            others.setdefault(row.notification_id, {})[row.channel] = row.status
    return claimed, others


def _is_claimable(delivery: Delivery, now) -> bool:
    if delivery.status == Delivery.Status.PENDING:
        return delivery.next_attempt_at is None or delivery.next_attempt_at <= now
    lease_expired = now - timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    return delivery.status == Delivery.Status.SENDING and delivery.claimed_at is not None and delivery.claimed_at < lease_expired


def _send_claimed(delivery: Delivery) -> str:
    """Send one claimed delivery and record a failure. Returns the status it ends in."""
    try:
        SENDERS[delivery.channel](delivery.notification)
    except Exception as exc:  # any channel failure is recorded, never lost
        transient = getattr(exc, "transient", True)
        give_up = not transient or delivery.attempts >= MAX_ATTEMPTS
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED if give_up else Delivery.Status.PENDING,
            last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            next_attempt_at=None if give_up else clock.now() + _backoff(delivery.attempts),
        )
        logger.warning(
            "delivery failed",
            extra={"delivery": delivery.pk, "channel": delivery.channel, "attempts": delivery.attempts, "final": give_up},
        )
        return Delivery.Status.FAILED if give_up else Delivery.Status.PENDING
    return Delivery.Status.SENT


def _mark_sent(delivery_ids: list[int]) -> None:
    if delivery_ids:
        Delivery.objects.filter(pk__in=delivery_ids).update(status=Delivery.Status.SENT, sent_at=clock.now(), last_error="")
        logger.info("deliveries sent", extra={"deliveries": delivery_ids})


def delivery_attempt(*, delivery_id: int) -> str:
    """Claim and send one delivery; record the outcome. Returns the resulting status.

    Runs outside any transaction: the claim commits before the network call, so a duplicate
    task sees 'sending' and does nothing.
    """
    if not delivery_claim(delivery_id=delivery_id):
        return Delivery.objects.filter(pk=delivery_id).values_list("status", flat=True).first() or "missing"
    delivery = Delivery.objects.select_related("notification__recipient").get(pk=delivery_id)
    status = _send_claimed(delivery)
    if status == Delivery.Status.SENT:
        _mark_sent([delivery_id])
    return status


def notifications_deliver(*, notification_ids: list[int]) -> dict[int, dict[str, str]]:
    """Attempt every due delivery of these notifications; the status per notification and channel.

    Harmless when run twice. The claim commits before any network call; the successful sends are
    then recorded in one statement (a worker dying in between leaves them 'sending' until the
    lease runs out, and the sweep retries them).
    """
    claimed, results = _claim_for_notifications(list(notification_ids))
    sent = []
    for delivery in claimed:
        status = _send_claimed(delivery)
        results.setdefault(delivery.notification_id, {})[delivery.channel] = status
        if status == Delivery.Status.SENT:
            sent.append(delivery.pk)
    _mark_sent(sent)
    return results


def notification_deliver(*, notification_id: int) -> dict[str, str]:
    """Attempt every due delivery of one notification (see notifications_deliver)."""
    return notifications_deliver(notification_ids=[notification_id])[notification_id]


def deliveries_due_notification_ids(*, limit: int = 500) -> list[int]:
    """Notifications with a delivery that should have gone by now.

    Pending ones whose retry time has come, or that were never picked up within a grace period
    (the broker may have been down at commit), and 'sending' ones whose lease ran out.
    """
    now = clock.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    lease_expired = now - timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    due = (
        Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.PENDING, next_attempt_at__isnull=True, created_at__lte=grace)
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=lease_expired)
    )
    return list(
        Delivery.objects.filter(due).order_by("notification_id").values_list("notification_id", flat=True).distinct()[:limit]
    )


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(recipient=user, pk=notification_id).first()
    if notification is None:
        raise NotFound("No such notification.")
    if notification.read_at is None:
        notification.read_at = clock.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=clock.now())


def retry_countdown(notification_id: int) -> int:
    """Seconds until the earliest pending retry of this notification (at least 1)."""
    next_at = (
        Delivery.objects.filter(notification_id=notification_id, status=Delivery.Status.PENDING)
        .exclude(next_attempt_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_at is None:
        return 1
    return max(1, int((next_at - clock.now()).total_seconds()) + 1)
