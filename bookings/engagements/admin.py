from django.contrib import admin

from bookings.engagements.models import Engagement, EngagementDate


class EngagementDateInline(admin.TabularInline):
    model = EngagementDate
    extra = 0
    can_delete = False
    readonly_fields = ["position", "booking", "travel_days", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    """Read-only: engagements change only through their services (offer, answer, cancel a date)."""

    list_display = ["title", "producer", "musician", "status", "allow_partial", "expires_at", "created_at"]
    list_filter = ["status", "allow_partial"]
    search_fields = ["title", "producer__email", "musician__email"]
    list_select_related = ["producer", "musician"]
    inlines = [EngagementDateInline]
    readonly_fields = ["producer", "musician", "instrument", "title", "note", "allow_partial", "currency", "status",
                       "expires_at", "answered_at", "created_at", "updated_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
