"""A musician's imported calendar: an encrypted feed address and its sync state.

The busy times themselves live in musicians.BusyInterval (source "calendar", source_id = this
row's id), the table search and booking checks read.
"""

from __future__ import annotations

from django.db import models

from musicians.models import MusicianProfile


class ImportedCalendar(models.Model):
    profile = models.ForeignKey(MusicianProfile, on_delete=models.CASCADE, related_name="imported_calendars")
    # The musician's own name for it ("Google", "Teaching"); optional.
    name = models.CharField(max_length=60, blank=True)
    url_encrypted = models.TextField()  # Fernet token (crypto.py); never shown or logged
    url_hint = models.CharField(max_length=100)  # "calendar.google.com/…"
    created_at = models.DateTimeField()
    # The beat sweep claims calendars whose next_due_at has passed (stored, so restarts lose nothing).
    next_due_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)  # "last synced": fetched and read (or 304)
    last_changed_at = models.DateTimeField(null=True, blank=True)  # last time the content was parsed
    last_error = models.CharField(max_length=300, blank=True)
    failures = models.PositiveIntegerField(default=0)  # consecutive failed syncs
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)  # the calendar's own zone, as last read
    busy_count = models.PositiveIntegerField(default=0)
    # Set when the musician was told the calendar is out of date; cleared by a good sync.
    stale_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["profile", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.name or self.url_hint}"
