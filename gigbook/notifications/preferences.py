"""Which channels a message goes to, and when: per-kind channel choices and quiet hours.

Kinds of message are grouped as people think of them (offers, confirmations, ...). Channels are
registered here with their default; a new channel (push) calls ``register_channel`` and gets a
column on the account page and in the API without touching stored preferences.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from gigbook.core import clock
from gigbook.core.errors import ValidationFailed
from gigbook.notifications.models import ChannelPreference


@dataclass(frozen=True)
class KindGroup:
    code: str
    label: str
    help: str


KIND_GROUPS: list[KindGroup] = [
    KindGroup("offers", "Offers", "New booking offers, counter-offers, and answers to your offers"),
    KindGroup("confirmations", "Confirmations", "Gigs confirmed, changed, cancelled or completed"),
    KindGroup("reminders", "Reminders", "Reminders before a gig"),
    KindGroup("short_notice", "Short-notice requests", "Urgent gigs offered to several players at once"),
    KindGroup("reviews", "Reviews", "Reviews, replies, endorsements and recommendations"),
    KindGroup("moderation", "Profile and moderation", "Your profile's review, approval or suspension"),
    KindGroup("billing", "Invoices and payments", "Invoices ready to issue or received, payments and reminders to pay"),
]
KIND_GROUP_CODES = [group.code for group in KIND_GROUPS]
# Messages outside the groups (welcome, account notices): every channel on by default, never held.
OTHER = "other"


@dataclass(frozen=True)
class Channel:
    code: str
    label: str
    # Default per kind group; a missing ChannelPreference row means this.
    default: bool = True


CHANNELS: dict[str, Channel] = {}


def register_channel(code: str, label: str, *, default: bool = True) -> None:
    """Make ``code`` a channel people can choose per kind (call once at import/app ready)."""
    CHANNELS[code] = Channel(code, label, default)


register_channel("email", "Email")
register_channel("sms", "Text (SMS)")
# Web push goes only to browsers where the person turned it on (gigbook.notifications.push).
register_channel("push", "Push notifications")

# Kinds that must reach the person at once, whatever the quiet hours: a short-notice offer is
# first come, first served.
URGENT_KINDS = {"gig_request_offer"}


def kind_group(kind: str) -> str:
    """The group a notification kind belongs to (``OTHER`` when none)."""
    if kind.startswith("gig_request_"):
        return "short_notice"
    if kind.startswith("booking_reminder_") or kind == "callsheet_reminder":
        return "reminders"
    if kind.startswith("callsheet_"):
        return "confirmations"
    if kind in {"booking_accepted", "booking_cancelled", "booking_completed", "booking_venue_changed"}:
        return "confirmations"
    if kind.startswith("booking_"):
        return "offers"
    if kind.startswith("trust_musician_") or kind.startswith("profile_"):
        return "moderation"
    if kind.startswith("trust_"):
        return "reviews"
    if kind.startswith(("invoice_", "payment_")):
        return "billing"
    return OTHER


def is_urgent(kind: str) -> bool:
    return kind in URGENT_KINDS


def preferences_for(user) -> dict[str, dict[str, bool]]:
    """{kind group: {channel: on?}} for every group and registered channel (one query)."""
    stored = {
        (kind, channel): enabled
        for kind, channel, enabled in ChannelPreference.objects.filter(user=user).values_list("kind", "channel", "enabled")
    }
    return {
        group: {code: stored.get((group, code), channel.default) for code, channel in CHANNELS.items()}
        for group in KIND_GROUP_CODES
    }


def channel_wanted(user, *, kind: str, channel: str) -> bool:
    """Whether ``user`` wants ``kind`` by ``channel`` (ignores whether the channel can reach them)."""
    group = kind_group(kind)
    spec = CHANNELS.get(channel)
    if group == OTHER:
        return spec is not None and spec.default
    if spec is None:
        return False
    stored = ChannelPreference.objects.filter(user=user, kind=group, channel=channel).values_list("enabled", flat=True).first()
    return spec.default if stored is None else stored


def wanted_channels(user, *, kind: str) -> list[str]:
    """The registered channels ``user`` wants for ``kind``, in registration order (one query)."""
    group = kind_group(kind)
    if group == OTHER:
        return [code for code, spec in CHANNELS.items() if spec.default]
    stored = dict(ChannelPreference.objects.filter(user=user, kind=group).values_list("channel", "enabled"))
    return [code for code, spec in CHANNELS.items() if stored.get(code, spec.default)]


def quiet_until(user, *, at: datetime) -> datetime | None:
    """The end of the user's quiet period containing ``at`` (aware, UTC), or None outside it.

    Quiet hours are wall-clock times in the user's time zone; an overnight period (22:00–07:00)
    ends on the next local morning.
    """
    start, end = user.quiet_hours_start, user.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(user.time_zone)
    local = at.astimezone(zone)
    now_t = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= now_t < end
        end_date = local.date()
    else:
        inside = now_t >= start or now_t < end
        end_date = local.date() + timedelta(days=1) if now_t >= start else local.date()
    if not inside:
        return None
    # A wall time skipped by a DST jump resolves with the offset before the jump (about an hour later).
    ends = datetime.combine(end_date, end, tzinfo=zone)
    return ends.astimezone(ZoneInfo("UTC"))


def delivery_due_at(user, *, kind: str, at: datetime) -> datetime | None:
    """When a message of ``kind`` may go out: None for now, else the end of the quiet period."""
    if is_urgent(kind) or kind_group(kind) == OTHER:
        return None
    return quiet_until(user, at=at)


@transaction.atomic
def notification_settings_update(
    *,
    user,
    preferences: dict[str, dict[str, bool]] | None = None,
    quiet_hours_start: time | None | str = "",
    quiet_hours_end: time | None | str = "",
) -> dict:
    """Store per-kind channel choices and quiet hours. Pass "" to leave quiet hours as they are.

    Raises ValidationFailed naming an unknown kind or channel, a text channel without a verified
    phone, or half-set quiet hours. Nothing is written when anything is wrong.
    """
    errors: dict[str, list[str]] = {}
    rows: list[tuple[str, str, bool]] = []
    for group, channels in (preferences or {}).items():
        if group not in KIND_GROUP_CODES:
            errors.setdefault("preferences", []).append(f"“{group}” is not a kind of message we send.")
            continue
        for channel, enabled in channels.items():
            if channel not in CHANNELS:
                errors.setdefault("preferences", []).append(f"We cannot send messages by “{channel}”.")
                continue
            rows.append((group, channel, bool(enabled)))
    if any(channel == "sms" and enabled for _, channel, enabled in rows) and not user.phone_verified:
        errors.setdefault("preferences", []).append("Add and verify a mobile number before choosing texts.")
    if quiet_hours_start != "" or quiet_hours_end != "":
        start = user.quiet_hours_start if quiet_hours_start == "" else quiet_hours_start
        end = user.quiet_hours_end if quiet_hours_end == "" else quiet_hours_end
        if (start is None) != (end is None):
            errors["quiet_hours_end" if end is None else "quiet_hours_start"] = [
                "Give both the start and the end of your quiet hours, or neither."
            ]
        else:
            user.quiet_hours_start, user.quiet_hours_end = start, end
    if errors:
        raise ValidationFailed(fields=errors)
    now = clock.now()
    for group, channel, enabled in rows:
        ChannelPreference.objects.update_or_create(
            user=user, kind=group, channel=channel, defaults={"enabled": enabled, "updated_at": now}
        )
    user.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    return notification_settings_get(user=user)


def notification_settings_get(*, user) -> dict:
    return {
        "preferences": preferences_for(user),
        "quiet_hours_start": user.quiet_hours_start,
        "quiet_hours_end": user.quiet_hours_end,
        "time_zone": user.time_zone,
    }


def email_unsubscribe(*, user, kind: str) -> None:
    """Turn off email for one kind group, or for every optional message with ``kind="all"``.

    Idempotent: a mail client may POST the one-click link more than once.
    """
    now = clock.now()
    groups = KIND_GROUP_CODES if kind == "all" else [kind]
    with transaction.atomic():
        for group in groups:
            ChannelPreference.objects.update_or_create(
                user=user, kind=group, channel="email", defaults={"enabled": False, "updated_at": now}
            )
