"""Call sheets: what the players of one session need on the day, in immutable numbered versions.

A sheet covers the accepted bookings of one producer's session (same venue, same times): one row
per booking in ``CallSheetPlayer``. Every edit writes a ``CallSheetVersion`` (the whole content
and the changes from the one before, in plain words, each classified by ``callsheets.rules``) and
a ``CallSheetRecipient`` per player it concerns, pointing at the outbox notification that told
them: sent, delivered (``notifications.Delivery``), opened and confirmed are read from there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from gigbook.core import clock


class CallSheet(models.Model):
    producer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The number of the newest version (versions start at 1, written when the sheet is made).
    current_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Call sheet {self.pk} (v{self.current_version})"


class ImmutableRow(models.Model):
    """A row written once: history must not change under the people who read it."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are immutable; write a new version instead.")
        super().save(*args, **kwargs)


class CallSheetVersion(ImmutableRow):
    sheet = models.ForeignKey(CallSheet, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # The whole sheet as of this version (see rules.CONTENT_KEYS).
    content = models.JSONField()
    # [{"field", "label", "before", "after", "text", "critical", "bookings": [ids]}]
    changes = models.JSONField(default=list)
    critical = models.BooleanField(default=False)
    message = models.TextField(blank=True, max_length=1000, help_text="The producer's note to the players.")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["sheet", "number"]
        constraints = [models.UniqueConstraint(fields=["sheet", "number"], name="callsheet_version_unique")]

    def __str__(self) -> str:
        return f"Call sheet {self.sheet_id} v{self.number}"


class CallSheetPlayer(models.Model):
    """One booking on a sheet, and whether its player still has to confirm a critical change."""

    sheet = models.ForeignKey(CallSheet, on_delete=models.CASCADE, related_name="players")
    booking = models.OneToOneField("bookings.Booking", on_delete=models.CASCADE, related_name="call_sheet_player")
    joined_at = models.DateTimeField(default=clock.now)
    # The critical version this player must confirm; None when nothing waits ("re-confirm needed" else).
    reconfirm_version = models.PositiveIntegerField(null=True, blank=True)
    reconfirm_since = models.DateTimeField(null=True, blank=True)
    confirmed_version = models.PositiveIntegerField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Reminders to confirm: the next one's stored due time, swept by beat; each sent once.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    dropped_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sheet", "booking__instrument__name", "id"]
        indexes = [
            models.Index(fields=["next_reminder_at"], condition=Q(reconfirm_version__isnull=False),
                         name="callsheet_reminder_due"),
        ]

    def __str__(self) -> str:
        return f"Booking {self.booking_id} on call sheet {self.sheet_id}"

    @property
    def reconfirm_needed(self) -> bool:
        return self.reconfirm_version is not None and self.dropped_out_at is None


class CallSheetRecipient(models.Model):
    """One player told about one version: the message, and when they opened and confirmed it."""

    version = models.ForeignKey(CallSheetVersion, on_delete=models.CASCADE, related_name="recipients")
    player = models.ForeignKey(CallSheetPlayer, on_delete=models.CASCADE, related_name="receipts")
    notification = models.ForeignKey("notifications.Notification", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    needs_confirm = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["version", "id"]
        constraints = [models.UniqueConstraint(fields=["version", "player"], name="callsheet_recipient_once")]

    def __str__(self) -> str:
        return f"v{self.version_id} → player {self.player_id}"
