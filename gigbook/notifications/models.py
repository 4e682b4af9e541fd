from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """An event for one user: the outbox row, written in the transaction that caused it.

    It is the in-app inbox entry as soon as it commits; email and SMS go out through its
    Delivery rows.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True, help_text="Site-relative link, e.g. /gigs/12/")
    sms_text = models.CharField(max_length=480, blank=True)
    # [{"filename": "gig.ics", "content": "<text>", "mimetype": "text/calendar"}]
    attachments = models.JSONField(default=list, blank=True)
    # Guards against writing the same event twice (e.g. "reminder-24h:booking-12").
    dedupe_key = models.CharField(max_length=200, blank=True)
    # Set while ``body`` and ``attachments`` are still to be rendered by the renderer registered for
    # ``kind`` (what it needs, e.g. {"booking": 12, "sequence": 3}); null once they are. A service that
    # must not render while it holds a lock (accept) writes the row like this and fills it after commit;
    # whoever reads it first (the delivering worker, the inbox) renders it if that never happened.
    render_args = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notif_recipient_recent")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notif_unique_dedupe_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Delivery(models.Model):
    """One channel's delivery of one notification; claimed by conditional update so it is sent once.

    A claim holds a lease (``lease_expires_at``) that the claiming task extends while it works
    through its batch; ``claim_token`` is that task's id (a redelivered task presents the same one
    and takes its own claims back at once) and ``claim_node`` the worker that ran it (a worker
    restarted under the same name releases what its previous life left 'sending').
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "SMS"
        PUSH = "push", "Push"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # A text held back as the fallback of a push that was opened in time: not needed.
        SKIPPED = "skipped", "Not needed"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=255, blank=True)
    claim_node = models.CharField(max_length=255, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # SMS only: held until next_attempt_at as the fallback of this notification's push, and sent
    # then only if the push was not opened (``opened_at`` of the push delivery).
    push_fallback = models.BooleanField(default=False)
    # Push only: when the person tapped the notification.
    opened_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due")]

    def __str__(self) -> str:
        return f"{self.channel} for notification {self.notification_id}: {self.status}"


class ChannelPreference(models.Model):
    """One user's choice for one kind of message on one channel.

    A missing row means the channel's default for that kind (see notifications.preferences), so a
    new channel (push) needs no migration of existing users: it is one more value of ``channel``.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="channel_preferences")
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=16)
    enabled = models.BooleanField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["user", "kind", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="channelpref_once_per_kind_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}: {'on' if self.enabled else 'off'}"


class PushSubscription(models.Model):
    """One browser's Web Push subscription (RFC 8030 endpoint + RFC 8291 keys) for one user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    # The push service's URL for this browser: unique, so subscribing again refreshes the row.
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100, help_text="The browser's P-256 public key, base64url")
    auth = models.CharField(max_length=50, help_text="The browser's 16-byte auth secret, base64url")
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"push for {self.user_id}: {self.endpoint[:60]}"

    def as_subscription_info(self) -> dict:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
