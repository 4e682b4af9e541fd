"""The notification outbox and its delivery.

``notify`` is called by every service that causes a message, inside that service's transaction:
the Notification and its Delivery rows commit (or roll back) with the event itself, and delivery
is enqueued only after the commit. ``notifications_deliver`` is what the Celery tasks run:
claim (with a lease) → send → record each send at once.
"""

from __future__ import annotations

import base64
import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db import connection, transaction
from django.db.models import F, Q

from gigbook.core import clock
from gigbook.core.errors import NotFound
from gigbook.core.tasks import task_by_name
from gigbook.notifications import outbox, preferences
from gigbook.notifications.emails import account_url, email_build
from gigbook.notifications.models import Delivery, Notification, PushSubscription
from gigbook.notifications.push import MAX_BODY_CHARS, PushError, PushGone, get_push_backend, opened_token, topic_for
from gigbook.notifications.rendering import notifications_render_pending
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
# More ids than this committed at once go to the broker as one fan-out message.
FAN_OUT_OVER = 4 * DELIVERY_BATCH_SIZE


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
        ids, self.ids = self.ids, []
        if not ids:
            return
        # By name: services never import tasks modules (tasks import services).
        if len(ids) > FAN_OUT_OVER:
            # Many batches (a broadcast, a sweep): one message to the broker here, and a worker
            # splits it into batches. Each broker round trip costs the committing process ~1 ms
            # quiet and tens of ms on a loaded machine; workers are the ones with time for it.
            task_by_name("gigbook.notifications.tasks.fan_out_deliveries").delay(ids)
            return
        deliver_notifications = task_by_name("gigbook.notifications.tasks.deliver_notifications")
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
    sms_fallback_after: timedelta | None = None,
) -> Notification:
    """Write a notification for ``recipient`` and enqueue its delivery after commit.

    Channels: the in-app inbox always; the others as the person chose for this kind of message
    (see notification_channels), held until their quiet hours end unless the kind is urgent. With a ``dedupe_key`` the same event is written once per recipient: a second
    call returns the first notification and sends nothing.

    Push goes to every browser the recipient turned it on in. With ``sms_fallback_after`` (a
    short-notice offer) and push on, the text is held back: it is sent once that time has passed
    only if the push was not opened by then (or at once if the push cannot be delivered).
    """
    item = dict(recipient=recipient, kind=kind, title=title, body=body, url=url, sms_text=sms_text,
                attachments=attachments, dedupe_key=dedupe_key, sms_fallback_after=sms_fallback_after)
    written = outbox.outbox_write(outbox.outbox_prepare([item]))
    if not written:
        # Written before, by this transaction or a concurrent one: the same event is one message.
        return Notification.objects.get(recipient=recipient, dedupe_key=dedupe_key)
    pk, message = written[0]
    return message.notification(pk)


def notification_channels(recipient, *, kind: str) -> list[str]:
    """The channels a message of ``kind`` goes to: wanted by the person and able to reach them.

    Email needs an address and the account-wide email switch; texts need a verified phone.
    Channels without a sender here (registered by another app) are skipped until one exists.
    """
    reachable = {
        Delivery.Channel.EMAIL: bool(recipient.notify_by_email and recipient.email),
        Delivery.Channel.SMS: bool(recipient.notify_by_sms and recipient.phone_verified),
        Delivery.Channel.PUSH: push_reachable(recipient),
    }
    return [
        channel for channel in preferences.wanted_channels(recipient, kind=kind)
        if reachable.get(channel, channel in SENDERS)
    ]


def push_reachable(recipient) -> bool:
    return PushSubscription.objects.filter(user=recipient).exists()


def _held_as_push_fallback(channel: str, channels: list[str], now, fallback_after: timedelta | None) -> dict:
    if channel == Delivery.Channel.SMS and fallback_after is not None and Delivery.Channel.PUSH in channels:
        return {"push_fallback": True, "next_attempt_at": now + fallback_after}
    return {}


class _Connections:
    """What the sends of one batch share: one connection to the mail server, opened at the first
    email, one SMS backend (Twilio's keeps its HTTPS connection between texts) and one push backend
    (one HTTP session for the push services).

    ``message.send()`` opens and closes a connection per message: with SMTP a connect, greeting and
    EHLO every time (and TLS and a login with a real relay). One per batch keeps each message its
    own SMTP transaction, accepted or refused on its own, so claim and record per send are as
    before; a batch lasts seconds, well within any server's idle timeout. After a failed send the
    connection's state is unknown: it is closed and the next email opens a new one.
    """

    def __init__(self) -> None:
        self._mail = None
        self._sms = None
        self._push = None

    def sms(self):
        if self._sms is None:
            self._sms = get_sms_backend()
        return self._sms

    def push(self):
        if self._push is None:
            self._push = get_push_backend()
        return self._push

    def send_email(self, message) -> None:
        if self._mail is None:
            backend = mailers.default
            backend.open()
            self._mail = backend
        try:
            self._mail.send_messages([message])
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        mail, self._mail = self._mail, None
        sms, self._sms = self._sms, None
        push, self._push = self._push, None
        for what, held in (("mail", mail), ("SMS", sms), ("push", push)):
            if held is None or not hasattr(held, "close"):  # an SMS backend of another shape keeps nothing open
                continue
            try:
                held.close()
            except Exception:  # every message already has its outcome recorded; a failed close changes none
                logger.warning("closing the %s connection failed", what, exc_info=True)


def _send_email(notification: Notification, connections: _Connections) -> None:
    group = preferences.kind_group(notification.kind)
    message = email_build(
        user=notification.recipient,
        kind="all" if group == preferences.OTHER else group,
        subject=f"GigBook: {notification.title}",
        template="notifications/email",
        context={"notification": notification, "link": _absolute(notification.url)},
        headers={"X-GigBook-Notification": str(notification.id)},
    )
    for attachment in notification.attachments:
        # Binary files (an invoice PDF) are stored base64-encoded in the JSON outbox row.
        content = (base64.b64decode(attachment["content_base64"]) if "content_base64" in attachment
                   else attachment["content"])
        message.attach(attachment["filename"], content, attachment.get("mimetype", "application/octet-stream"))
    connections.send_email(message)


def _send_sms(notification: Notification, connections: _Connections) -> None:
    text = notification.sms_text or notification.title
    link = _absolute(notification.url)
    # A text that already carries one of our links (a short alias) gets no second, longer one.
    if link and link not in text and f"{settings.SITE_URL}/" not in text:
        text = f"{text} {link}"
    text = f"{text} Settings: {account_url()}"
    connections.sms().send(to=notification.recipient.phone, text=text)


def _push_payload(notification: Notification) -> dict:
    body = notification.body if len(notification.body) <= MAX_BODY_CHARS else notification.body[: MAX_BODY_CHARS - 1] + "…"
    return {
        "title": notification.title,
        "body": body,
        "url": notification.url or "/inbox/",
        "tag": topic_for(notification.url or f"notification-{notification.pk}"),
        "opened": opened_token(notification.pk),
        "urgent": notification.kind in URGENT_PUSH_KINDS,
    }


def _send_push(notification: Notification, connections: _Connections) -> None:
    """Push to every browser of the recipient; sent when one push service took it.

    Subscriptions the push service no longer knows (404/410) are deleted. The Topic is derived from
    the page the message is about, so a newer message about the same offer replaces an older one
    still waiting at the push service (and the service worker shows it under the same tag).
    """
    payload = _push_payload(notification)
    backend = connections.push()
    delivered, failures = False, []
    for subscription in PushSubscription.objects.filter(user_id=notification.recipient_id):
        try:
            backend.send(
                subscription, payload, ttl=settings.WEBPUSH_TTL_SECONDS, topic=payload["tag"],
                urgency="high" if payload["urgent"] else "normal",
            )
        except PushGone:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription removed: gone at the push service", extra={"subscription": subscription.pk})
        except PushError as exc:
            failures.append(exc)
        else:
            delivered = True
            PushSubscription.objects.filter(pk=subscription.pk).update(last_success_at=clock.now())
    if delivered:
        return
    if failures:
        raise PushError("; ".join(str(f) for f in failures), transient=any(f.transient for f in failures))
    raise PushError("Push is no longer on in any of the person's browsers.", transient=False)


SENDERS = {Delivery.Channel.EMAIL: _send_email, Delivery.Channel.SMS: _send_sms, Delivery.Channel.PUSH: _send_push}
# Kinds whose push asks the push service to wake the phone at once (RFC 8030 Urgency: high).
URGENT_PUSH_KINDS = {"gig_request_offer"}


def _push_was_opened(notification_id: int) -> bool:
    return Delivery.objects.filter(
        notification_id=notification_id, channel=Delivery.Channel.PUSH, opened_at__isnull=False
    ).exists()


def _release_push_fallback(notification_id: int) -> None:
    """The push cannot be delivered: its held-back text is due now (the task's retry sends it)."""
    Delivery.objects.filter(
        notification_id=notification_id, channel=Delivery.Channel.SMS, push_fallback=True,
        status=Delivery.Status.PENDING, attempts=0,
    ).update(next_attempt_at=clock.now())


def _backoff(attempts: int) -> timedelta:
    # 30 s, 1 min, 2 min, ... capped at 15 min: well under Redis' visibility timeout.
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 900))


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def _claimable(now, claim_token: str = "") -> Q:
    """Deliveries a worker may take: pending and due, 'sending' past its lease, or its own.

    A delivery left 'sending' past its lease belonged to a worker that died (a live one extends
    the lease while it works). A redelivered task (the worker running it died, the broker gave the
    message again) presents the same ``claim_token`` and takes its own claims back at once.
    """
    due = Q(status=Delivery.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    lost = Q(status=Delivery.Status.SENDING, lease_expires_at__lt=now)
    if claim_token:
        lost |= Q(status=Delivery.Status.SENDING, claim_token=claim_token)
    return due | lost


def _is_claimable(delivery: Delivery, now, claim_token: str) -> bool:
    if delivery.status == Delivery.Status.PENDING:
        return delivery.next_attempt_at is None or delivery.next_attempt_at <= now
    if delivery.status != Delivery.Status.SENDING:
        return False
    if claim_token and delivery.claim_token == claim_token:
        return True
    return delivery.lease_expires_at is not None and delivery.lease_expires_at < now


def _claim_values(now, claim_token: str, node: str) -> dict:
    return {
        "status": Delivery.Status.SENDING, "claimed_at": now, "attempts": F("attempts") + 1,
        "claim_token": claim_token, "claim_node": node, "lease_expires_at": now + _lease(),
    }


def delivery_claim(*, delivery_id: int, claim_token: str = "", node: str = "") -> bool:
    """Take one delivery for sending. False when another worker has it or it is done."""
    now = clock.now()
    claimed = Delivery.objects.filter(_claimable(now, claim_token), pk=delivery_id).update(
        **_claim_values(now, claim_token or uuid.uuid4().hex, node)
    )
    return claimed == 1


def _claim_for_notifications(
    notification_ids: list[int], claim_token: str, node: str
) -> tuple[list[Delivery], dict[int, dict[str, str]]]:
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
        due = [row for row in rows if _is_claimable(row, now, claim_token)]
        if due:
            # Conditional as well, for SQLite (demo mode), which has no row locks.
            updated = Delivery.objects.filter(_claimable(now, claim_token), pk__in=[row.pk for row in due]).update(
                **_claim_values(now, claim_token, node)
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


def _record_sent(delivery_id: int) -> None:
    """Mark one delivery sent, whoever holds its claim now: the message went out.

    One statement in its own (autocommit) transaction, written as SQL: the ORM's query building
    cost as much CPU as the statement itself, once per message of a broadcast.
    """
    with connection.cursor() as cursor:
        cursor.execute(_RECORD_SENT_SQL, [Delivery.Status.SENT, clock.now(), delivery_id, Delivery.Status.SENT])


_RECORD_SENT_SQL = (
    f"UPDATE {connection.ops.quote_name(Delivery._meta.db_table)} "  # noqa: S608 (the model's table; values bound)
    "SET status = %s, sent_at = %s, last_error = '', lease_expires_at = NULL WHERE id = %s AND status <> %s"
)


def _send_claimed(delivery: Delivery, connections: _Connections) -> str:
    """Send one claimed delivery and record the outcome at once. Returns the status it ends in.

    'sent' is written in its own statement right after the provider accepted the message, so a
    worker killed later in its batch loses nothing it already sent: only a message in flight at
    the kill (accepted by the provider, not yet recorded) can go out a second time.
    """
    if delivery.push_fallback and _push_was_opened(delivery.notification_id):
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.SKIPPED, lease_expires_at=None
        )
        return Delivery.Status.SKIPPED
    try:
        if delivery.notification.render_args is not None:
            # Its renderer failed just now (see _render_waiting): try again with the backoff.
            raise NotRenderedYet("The message could not be rendered yet.")
        SENDERS[delivery.channel](delivery.notification, connections)
    except Exception as exc:  # any channel failure is recorded, never lost
        transient = getattr(exc, "transient", True)
        give_up = not transient or delivery.attempts >= MAX_ATTEMPTS
        if delivery.channel == Delivery.Channel.PUSH:
            # Do not keep a short-notice player waiting for a text behind a push that is failing.
            _release_push_fallback(delivery.notification_id)
        Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED if give_up else Delivery.Status.PENDING,
            last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            next_attempt_at=None if give_up else clock.now() + _backoff(delivery.attempts),
            lease_expires_at=None,
        )
        logger.warning(
            "delivery failed",
            extra={"delivery": delivery.pk, "channel": delivery.channel, "attempts": delivery.attempts, "final": give_up},
        )
        return Delivery.Status.FAILED if give_up else Delivery.Status.PENDING
    # Whoever holds the claim now, the message went out: record it so nobody sends it again.
    _record_sent(delivery.pk)
    logger.info("delivery sent", extra={"delivery": delivery.pk, "channel": delivery.channel})
    return Delivery.Status.SENT


class NotRenderedYet(Exception):
    transient = True


def _render_waiting(claimed: list[Delivery]) -> None:
    """Render the claimed messages whose body was never rendered (the writer died after commit).

    Each delivery of one notification carries its own copy of the row: render once, share it.
    """
    first: dict[int, Notification] = {}
    for delivery in claimed:
        if delivery.notification.render_args is not None:
            first.setdefault(delivery.notification_id, delivery.notification)
    if not first:
        return
    notifications_render_pending(first.values())
    for delivery in claimed:
        done = first.get(delivery.notification_id)
        if done is not None and done.render_args is None:
            row = delivery.notification
            row.body, row.attachments, row.render_args = done.body, done.attachments, None


def _extend_lease(delivery_ids: list[int], claim_token: str) -> None:
    Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.SENDING, claim_token=claim_token).update(
        lease_expires_at=clock.now() + _lease()
    )


def notifications_deliver(
    *, notification_ids: list[int], claim_token: str = "", node: str = ""
) -> dict[int, dict[str, str]]:
    """Attempt every due delivery of these notifications; the status per notification and channel.

    Harmless when run twice. The claim commits before any network call, and each send is recorded
    as soon as it is made. ``claim_token`` names this attempt (the Celery task id, so a redelivered
    task takes its own claims back without waiting for their lease); ``node`` the worker running it.
    While the batch is worked through, the lease of the claims not yet sent is extended every third
    of the lease, so a long batch is never mistaken for a lost one.
    """
    claim_token = claim_token or uuid.uuid4().hex
    claimed, results = _claim_for_notifications(list(notification_ids), claim_token, node)
    _render_waiting(claimed)
    heartbeat_every = settings.NOTIFICATION_LEASE_SECONDS / 3
    last_heartbeat = time.monotonic()
    connections = _Connections()
    try:
        for index, delivery in enumerate(claimed):
            if time.monotonic() - last_heartbeat >= heartbeat_every:
                _extend_lease([row.pk for row in claimed[index:]], claim_token)
                last_heartbeat = time.monotonic()
            status = _send_claimed(delivery, connections)
            results.setdefault(delivery.notification_id, {})[delivery.channel] = status
    finally:
        connections.close()
    return results


def notification_deliver(*, notification_id: int, claim_token: str = "", node: str = "") -> dict[str, str]:
    """Attempt every due delivery of one notification (see notifications_deliver)."""
    return notifications_deliver(notification_ids=[notification_id], claim_token=claim_token, node=node)[
        notification_id
    ]


def deliveries_release_for_restarted_worker(*, node: str, started_at) -> list[int]:
    """Hand back what a previous life of worker ``node`` left 'sending'; the notification ids to send.

    Called when a worker starts. Claims under its own name made before it started belong to a
    process that is gone (killed, machine restarted), so they need not wait for their lease. Worker
    names must be unique among running workers (as Celery requires anyway).
    """
    if not node:
        return []
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Delivery.Status.SENDING, claim_node=node, claimed_at__lt=started_at)
            .values_list("pk", "notification_id")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _ in rows], status=Delivery.Status.SENDING).update(
            status=Delivery.Status.PENDING, next_attempt_at=None, claim_token="", lease_expires_at=None
        )
    if rows:
        logger.warning("deliveries released after a worker restart", extra={"node": node, "deliveries": len(rows)})
    return sorted({notification_id for _, notification_id in rows})


def deliveries_due_notification_ids(*, limit: int = 500) -> list[int]:
    """Notifications with a delivery that should have gone by now.

    Pending ones whose retry time has come, or that were never picked up within a grace period
    (the broker may have been down at commit), and 'sending' ones whose lease ran out.
    """
    now = clock.now()
    grace = now - timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    due = (
        Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Delivery.Status.PENDING, next_attempt_at__isnull=True, created_at__lte=grace)
        | Q(status=Delivery.Status.SENDING, lease_expires_at__lt=now)
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
    notifications_render_pending([notification])
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


def notify_many(items: list[dict], *, prepared: list | None = None) -> list[outbox.Written]:
    """``notify`` for many messages at once (sweeps, accepts): two statements whatever the count.

    Each item carries ``notify``'s keyword arguments and a ``dedupe_key`` (required). Keys already
    written are skipped, also when a concurrent transaction wrote them first (INSERT … ON CONFLICT
    DO NOTHING on the dedupe index): the same event twice is one message. Returns (id, recipient id,
    dedupe key) of each notification written (no model instances: a sweep writes thousands). ``prepared`` (from ``outbox.outbox_prepare``, e.g. worked out before taking a lock)
    replaces ``items``.
    """
    if prepared is None:
        if any(not item.get("dedupe_key") for item in items):
            raise ValueError("notify_many needs a dedupe_key for every item")
        prepared = outbox.outbox_prepare(items)
    return [outbox.Written(pk, message.recipient.pk, message.dedupe_key)
            for pk, message in outbox.outbox_write(prepared)]
