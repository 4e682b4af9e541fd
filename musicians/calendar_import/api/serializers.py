from __future__ import annotations

from rest_framework import serializers

from musicians.calendar_import import selectors
from musicians.calendar_import.models import ImportedCalendar


class CalendarInSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="The calendar's public or secret address (https:// or webcal://). Never shown back in full.",
        error_messages={"required": "Paste your calendar's address.", "blank": "Paste your calendar's address.",
                        "max_length": "This address is too long to be a calendar address."},
    )
    name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                 error_messages={"max_length": "Keep the name under 60 characters."})


class CalendarOutSerializer(serializers.ModelSerializer):
    address = serializers.CharField(source="url_hint", help_text="Only the server's name: the address is a secret.")
    last_synced_at = serializers.DateTimeField(source="last_success_at", allow_null=True,
                                               help_text="Last time the calendar was read successfully.")
    out_of_date = serializers.SerializerMethodField(
        help_text="No good sync for CALENDAR_IMPORT_STALE_HOURS: search shows the musician's calendar as out of date.")
    state = serializers.SerializerMethodField(help_text="waiting (not read yet), ok, failing or out_of_date.")

    class Meta:
        model = ImportedCalendar
        fields = ["id", "name", "address", "created_at", "last_synced_at", "last_changed_at", "last_error",
                  "failures", "busy_count", "time_zone", "out_of_date", "state"]

    def get_out_of_date(self, calendar) -> bool:
        return selectors.is_out_of_date(calendar)

    def get_state(self, calendar) -> str:
        return selectors.calendar_state(calendar)

