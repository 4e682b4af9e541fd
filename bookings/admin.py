from django.contrib import admin, messages

from bookings import services
from bookings.models import Booking, BookingEvent, CalendarFeed, Material, Venue
from gigbook.core.errors import DomainError
from gigbook.core.text import counted


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "time_zone", "owner"]
    search_fields = ["name", "city", "address", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]


class BookingEventInline(admin.TabularInline):
    model = BookingEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "actor", "action", "from_status", "to_status", "note"]

    def has_add_permission(self, request, obj=None):
        return False


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    can_delete = False
    fields = ["original_name", "kind", "content_type", "size", "uploaded_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the services (the cancel action), never by editing status."""

    list_display = ["id", "starts_at", "producer", "musician", "instrument", "status", "fee_total", "currency"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["producer__email", "musician__email", "title", "venue__name"]
    list_select_related = ["producer", "musician", "instrument"]
    date_hierarchy = "starts_at"
    inlines = [BookingEventInline, MaterialInline]
    actions = ["cancel_selected"]
    readonly_fields = [field.name for field in Booking._meta.concrete_fields]
    exclude = ["doubles"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel selected accepted bookings (staff cancellation, no late fee)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        done = 0
        for booking_id in queryset.values_list("pk", flat=True):
            try:
                services.booking_cancel(booking_id=booking_id, actor=request.user, reason="Cancelled by GigBook staff.")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"Booking {booking_id}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"Cancelled {counted(done, 'booking')}.")


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_fetched_at"]
    readonly_fields = ["user", "token", "created_at", "last_fetched_at"]
    search_fields = ["user__email"]
