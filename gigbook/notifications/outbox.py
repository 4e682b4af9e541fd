"""Writing the outbox set-based: every message's channels from one read, its rows in one statement.

``outbox_prepare`` works out, for many messages at once, which channels each goes to and when
(per-kind preferences, reachability, quiet hours, the push-then-text fallback): one query. It takes
no lock and may run before the caller takes its locks. ``outbox_write`` then writes the
notifications and their deliveries in one statement on PostgreSQL (``INSERT … ON CONFLICT DO
NOTHING`` on the dedupe index, the deliveries inserted from what that returned), so a dedupe key
already written, by this transaction or a concurrent one, writes nothing and sends nothing: the
same event stays one message. Delivery is enqueued after commit, as ``notify`` always did.

A message may be written before its body and attachments are rendered (``render_args``): a service
holding a lock writes what is cheap (title, text, link) and ``outbox_fill`` stores the rest once it
has committed; such messages are enqueued by ``outbox_fill``, not at commit, so a worker does not
pick them up half written (if it does, after a crash, it renders them itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import IntegrityError, connection, transaction
from django.db.models import Case, Exists, JSONField, OuterRef, Subquery, TextField, Value, When

from gigbook.core import clock
from gigbook.notifications import preferences
from gigbook.notifications.models import ChannelPreference, Delivery, Notification, PushSubscription

# How many messages one statement writes (a sweep writes thousands in a few statements).
WRITE_CHUNK = 1000
_PUSH_MARK = "__push__"


class Written(NamedTuple):
    id: int
    recipient_id: int
    dedupe_key: str


@dataclass
class Outgoing:
    """One message, ready to write: its row's values and its channels, each with when it is due."""

    recipient: object
    kind: str
    title: str
    body: str
    url: str
    sms_text: str
    attachments: list
    dedupe_key: str
    created_at: datetime
    channels: list[str] = field(default_factory=list)
    due: list[datetime | None] = field(default_factory=list)
    fallback: list[bool] = field(default_factory=list)
    # Delivery starts now (after commit) rather than at the end of quiet hours (the beat sweep).
    enqueue: bool = False
    # Body and attachments still to be rendered (see Notification.render_args).
    render_args: dict | None = None

    def notification(self, pk: int) -> Notification:
        row = Notification(
            pk=pk, recipient=self.recipient, kind=self.kind, title=self.title, body=self.body, url=self.url,
            sms_text=self.sms_text, attachments=self.attachments, dedupe_key=self.dedupe_key,
            render_args=self.render_args, created_at=self.created_at,
        )
        row._state.adding, row._state.db = False, "default"
        return row


def _channel_facts(recipients: dict[int, object], groups: set[str]) -> tuple[dict, set[int]]:
    """Stored choices {(user id, group): {channel: on?}} and who has a push subscription: one query."""
    ids = list(recipients)
    # No ORDER BY inside the UNION (the models' default ordering): SQLite refuses it.
    push = PushSubscription.objects.filter(user_id__in=ids).order_by().values_list(
        "user_id", Value(_PUSH_MARK), Value(""), Value(True)
    )
    if groups:
        rows = ChannelPreference.objects.filter(user_id__in=ids, kind__in=groups).order_by().values_list(
            "user_id", "kind", "channel", "enabled"
        ).union(push, all=True)
    else:
        rows = push
    stored: dict[tuple[int, str], dict[str, bool]] = {}
    with_push: set[int] = set()
    for user_id, kind, channel, enabled in rows:
        if kind == _PUSH_MARK:
            with_push.add(user_id)
        else:
            stored.setdefault((user_id, kind), {})[channel] = enabled
    return stored, with_push


class ChannelFacts(NamedTuple):
    """What choosing channels reads: stored choices {(user id, group): {channel: on?}}, who has push."""

    stored: dict[tuple[int, str], dict[str, bool]]
    with_push: set[int]


def channel_facts_annotations(*, user_fields: tuple[str, ...], group: str) -> dict:
    """Annotations that read ``outbox_prepare``'s facts inside the caller's own statement.

    For a service that reads a row anyway before its locks (accept reads the booking): the users
    named by ``user_fields`` (foreign keys of that row) and one kind group, so no statement of its
    own is needed. Read the result with ``channel_facts_from_row``.
    """
    columns = {}
    for name in user_fields:
        columns[f"_cf_{name}_push"] = Exists(PushSubscription.objects.filter(user_id=OuterRef(name)))
        if group != preferences.OTHER:
            for code in preferences.CHANNELS:
                columns[f"_cf_{name}_{code}"] = Subquery(ChannelPreference.objects.filter(
                    user_id=OuterRef(name), kind=group, channel=code).order_by().values("enabled")[:1])
    return columns


def channel_facts_from_row(row, *, user_fields: tuple[str, ...], group: str) -> ChannelFacts:
    stored: dict[tuple[int, str], dict[str, bool]] = {}
    with_push: set[int] = set()
    for name in user_fields:
        user_id = getattr(row, name)
        if getattr(row, f"_cf_{name}_push"):
            with_push.add(user_id)
        if group != preferences.OTHER:
            choices = {code: getattr(row, f"_cf_{name}_{code}") for code in preferences.CHANNELS}
            stored[(user_id, group)] = {code: bool(on) for code, on in choices.items() if on is not None}
    return ChannelFacts(stored, with_push)


def outbox_prepare(
    items: list[dict], *, now: datetime | None = None, facts: ChannelFacts | None = None
) -> list[Outgoing]:
    """``notify``'s keyword arguments for many messages -> messages ready for ``outbox_write``.

    Same channel rules as ``notify``: the inbox always; email with an address and the account
    switch on; texts to a verified phone; push to a browser that subscribed; each only if wanted
    for the kind's group; non-urgent ones held until the end of quiet hours. ``facts`` (from ``channel_facts_from_row``),
    read with the caller's own statement, saves the read. An item with ``render_args`` may leave
    ``body`` empty: it is rendered after commit (``outbox_fill``).
    """
    from gigbook.notifications.services import SENDERS

    if not items:
        return []
    now = now or clock.now()
    recipients = {item["recipient"].pk: item["recipient"] for item in items}
    groups = {preferences.kind_group(item["kind"]) for item in items} - {preferences.OTHER}
    stored, with_push = facts if facts is not None else _channel_facts(recipients, groups)
    prepared = []
    for item in items:
        recipient, kind = item["recipient"], item["kind"]
        group = preferences.kind_group(kind)
        reachable = {
            Delivery.Channel.EMAIL: bool(recipient.notify_by_email and recipient.email),
            Delivery.Channel.SMS: bool(recipient.notify_by_sms and recipient.phone_verified),
            Delivery.Channel.PUSH: recipient.pk in with_push,
        }
        if group == preferences.OTHER:
            wanted = [code for code, spec in preferences.CHANNELS.items() if spec.default]
        else:
            choices = stored.get((recipient.pk, group), {})
            wanted = [code for code, spec in preferences.CHANNELS.items() if choices.get(code, spec.default)]
        channels = [code for code in wanted if reachable.get(code, code in SENDERS)]
        due_at = preferences.delivery_due_at(recipient, kind=kind, at=now)
        fallback_after: timedelta | None = item.get("sms_fallback_after")
        message = Outgoing(
            recipient=recipient, kind=kind, title=item["title"][:200], body=item["body"], url=item.get("url", ""),
            sms_text=(item.get("sms_text") or "")[:480], attachments=item.get("attachments") or [],
            dedupe_key=item.get("dedupe_key", ""), created_at=now, enqueue=bool(channels) and due_at is None,
            render_args=item.get("render_args"),
        )
        for channel in channels:
            held = (channel == Delivery.Channel.SMS and fallback_after is not None
                    and Delivery.Channel.PUSH in channels)
            message.channels.append(channel)
            message.due.append(now + fallback_after if held else due_at)
            message.fallback.append(held)
        prepared.append(message)
    return prepared


def outbox_write(prepared: list[Outgoing]) -> list[tuple[int, Outgoing]]:
    """Write prepared messages and their deliveries; the (notification id, message) pairs written.

    A message whose (recipient, dedupe key) exists already is skipped, also when a concurrent
    transaction wrote it first (the insert waits for it, then does nothing). Delivery of what was
    written is enqueued once this transaction commits, except for messages still to be rendered:
    ``outbox_fill`` enqueues those.
    """
    if not prepared:
        return []
    written: list[tuple[int, Outgoing]] = []
    if connection.vendor == "postgresql":
        keyed: dict[tuple[int, str], Outgoing] = {}
        for message in prepared:
            if not message.dedupe_key:
                # Rows are matched back by (recipient, key): an unkeyed message goes in alone.
                written += _write_pg([message])
            else:
                keyed.setdefault((message.recipient.pk, message.dedupe_key), message)
        batch = list(keyed.values())
        for start in range(0, len(batch), WRITE_CHUNK):
            written += _write_pg(batch[start : start + WRITE_CHUNK])
    else:
        written = [pair for message in prepared if (pair := _write_orm(message)) is not None]
    _enqueue([pk for pk, message in written if message.enqueue and message.render_args is None])
    return written


def outbox_fill(written: list[tuple[int, Outgoing]], rendered: dict[int, tuple[str, list]]) -> int:
    """Store rendered bodies and attachments {notification id: (body, attachments)}, then enqueue.

    One statement. Only rows still waiting are filled (the worker or the inbox may have rendered one
    already: the same text, so either write is right). Delivery of the written messages due now is
    enqueued after this (at once outside a transaction), also those that could not be rendered: the
    worker renders those before sending. Returns the number of rows filled.
    """
    filled = 0
    if rendered:
        filled = Notification.objects.filter(pk__in=list(rendered), render_args__isnull=False).update(
            body=Case(*(When(pk=pk, then=Value(body)) for pk, (body, _files) in rendered.items()),
                      output_field=TextField()),
            attachments=Case(*(When(pk=pk, then=Value(files, output_field=JSONField()))
                               for pk, (_body, files) in rendered.items()), output_field=JSONField()),
            render_args=None,
        )
    _enqueue([pk for pk, message in written if message.enqueue])
    return filled


def _enqueue(notification_ids: list[int]) -> None:
    from gigbook.notifications.services import _PendingDeliveries

    if not notification_ids:
        return
    conn = transaction.get_connection()
    pending = getattr(conn, "_gigbook_pending_deliveries", None)
    if pending is None:
        pending = conn._gigbook_pending_deliveries = _PendingDeliveries()
    # One on_commit registration for the whole set (add() registers one per id).
    pending.ids.extend(notification_ids[:-1])
    pending.add(notification_ids[-1])


def _columns(model, known: dict[str, str]) -> tuple[list[str], list[str], list]:
    """Column names, their SQL expressions and extra parameters for an INSERT … SELECT of ``model``.

    Columns not in ``known`` get their field's default as a parameter, so a field added to the
    model later (with a default) needs no change here.
    """
    names, expressions, params = [], [], []
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key:
            continue
        names.append(connection.ops.quote_name(model_field.column))
        if model_field.attname in known:
            expressions.append(known[model_field.attname])
        else:
            expressions.append("%s")
            params.append(model_field.get_db_prep_save(model_field.get_default(), connection))
    return names, expressions, params


_NOTIFICATION_KNOWN = {
    "recipient_id": "v.recipient_id", "kind": "v.kind", "title": "v.title", "body": "v.body", "url": "v.url",
    "sms_text": "v.sms_text", "attachments": "v.attachments", "dedupe_key": "v.dedupe_key",
    "created_at": "v.created_at", "read_at": "NULL", "render_args": "v.render_args",
}
_DELIVERY_KNOWN = {
    "notification_id": "n.id", "channel": "c.channel", "status": f"'{Delivery.Status.PENDING}'", "attempts": "0",
    "last_error": "''", "next_attempt_at": "c.due", "claimed_at": "NULL", "claim_token": "''", "claim_node": "''",
    "lease_expires_at": "NULL", "push_fallback": "c.fallback", "opened_at": "NULL", "sent_at": "NULL",
    "created_at": "v.created_at",
}


def _write_pg(batch: list[Outgoing]) -> list[tuple[int, Outgoing]]:
    from psycopg2.extras import Json

    quote = connection.ops.quote_name
    n_names, n_exprs, n_params = _columns(Notification, _NOTIFICATION_KNOWN)
    d_names, d_exprs, d_params = _columns(Delivery, _DELIVERY_KNOWN)
    # Table and column names come from the models, quoted; every value is a parameter.
    head = ("WITH v (ord, recipient_id, kind, title, body, url, sms_text, attachments, dedupe_key, created_at, "
            "channels, due, fallback, render_args) AS (VALUES ")
    tail = (
        "), "  # noqa: S608 (names from the models, quoted; values bound by the driver)
        f"n AS (INSERT INTO {quote(Notification._meta.db_table)} ({', '.join(n_names)}) "
        f"SELECT {', '.join(n_exprs)} FROM v ORDER BY v.ord "
        "ON CONFLICT (recipient_id, dedupe_key) WHERE dedupe_key <> '' DO NOTHING "
        "RETURNING id, recipient_id, dedupe_key), "
        f"d AS (INSERT INTO {quote(Delivery._meta.db_table)} ({', '.join(d_names)}) "
        f"SELECT {', '.join(d_exprs)} FROM n JOIN v ON v.recipient_id = n.recipient_id AND v.dedupe_key = n.dedupe_key "
        "CROSS JOIN LATERAL unnest(v.channels, v.due, v.fallback) AS c (channel, due, fallback)) "
        "SELECT id, recipient_id, dedupe_key FROM n"
    )
    template = ("(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s::timestamptz, %s::text[], "
                "%s::timestamptz[], %s::boolean[], %s::jsonb)")
    with connection.cursor() as cursor:
        # The values are bound by the driver (mogrify) and the statement run through Django's cursor,
        # so it is one logged statement like any other (query counts in tests see it).
        raw = cursor.cursor
        params = []
        for position, m in enumerate(batch):
            params += [position, m.recipient.pk, m.kind, m.title, m.body, m.url, m.sms_text, Json(m.attachments),
                       m.dedupe_key, m.created_at, m.channels, m.due, m.fallback,
                       None if m.render_args is None else Json(m.render_args)]
        # One call for all rows: per-row calls cost more than the binding itself on a large batch.
        values = raw.mogrify(", ".join([template] * len(batch)), params).decode()
        if n_params or d_params:
            tail = raw.mogrify(tail, n_params + d_params).decode()
        cursor.execute(head + values + tail)
        returned = cursor.fetchall()
    by_key = {(m.recipient.pk, m.dedupe_key): m for m in batch}
    return [(pk, by_key[(recipient_id, key)]) for pk, recipient_id, key in returned]


def _write_orm(message: Outgoing) -> tuple[int, Outgoing] | None:
    """The same on other databases (the SQLite demo): a few statements per message."""
    if message.dedupe_key and Notification.objects.filter(
        recipient=message.recipient, dedupe_key=message.dedupe_key
    ).exists():
        return None
    try:
        with transaction.atomic():
            row = Notification.objects.create(
                recipient=message.recipient, kind=message.kind, title=message.title, body=message.body,
                url=message.url, sms_text=message.sms_text, attachments=message.attachments,
                dedupe_key=message.dedupe_key, render_args=message.render_args, created_at=message.created_at,
            )
    except IntegrityError:
        return None  # a concurrent writer recorded the same event first
    Delivery.objects.bulk_create([
        Delivery(notification=row, channel=channel, created_at=message.created_at, next_attempt_at=due,
                 push_fallback=fallback)
        for channel, due, fallback in zip(message.channels, message.due, message.fallback, strict=True)
    ])
    return row.pk, message
