from django.contrib import admin, messages

from bookings.gigrequests import services
from bookings.gigrequests.models import Chair, Favourite, GigRequest, Invitation, ResponseStats
from gigbook.core.errors import DomainError
from gigbook.core.text import counted


class ChairInline(admin.TabularInline):
    model = Chair
    extra = 0
    can_delete = False
    readonly_fields = ["instrument", "number", "booking", "filled_by", "filled_at"]

    def has_add_permission(self, request, obj=None):
        return False


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    can_delete = False
    fields = ["instrument", "position", "musician", "status", "reason", "offered_rate", "sent_at", "deadline",
              "seen_at", "answered_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GigRequest)
class GigRequestAdmin(admin.ModelAdmin):
    """Read-mostly: state changes go through the services (the cancel action below)."""

    list_display = ["id", "producer", "kind", "starts_at", "strategy", "status", "next_step_at", "created_at"]
    list_filter = ["status", "strategy", "kind"]
    search_fields = ["producer__email", "producer__full_name", "title"]
    raw_id_fields = ["producer", "venue", "widened_from"]
    readonly_fields = [f.name for f in GigRequest._meta.fields]
    inlines = [ChairInline, InvitationInline]
    actions = ["cancel_requests"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Cancel the selected open requests (tells the invitees)")
    def cancel_requests(self, request, queryset):
        done = 0
        for gig_request in queryset:
            try:
                services.gig_request_cancel(request_id=gig_request.pk, actor=request.user, reason="Cancelled by staff.")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{gig_request.pk}: {exc.detail}", messages.WARNING)
        self.message_user(request, f"Cancelled {counted(done, 'request')}.")


@admin.register(Favourite)
class FavouriteAdmin(admin.ModelAdmin):
    list_display = ["producer", "instrument", "position", "musician", "created_at"]
    raw_id_fields = ["producer", "musician"]
    list_filter = ["instrument"]


@admin.register(ResponseStats)
class ResponseStatsAdmin(admin.ModelAdmin):
    list_display = ["musician", "offers_counted", "answered", "response_rate", "median_response_seconds", "updated_at"]
    raw_id_fields = ["musician"]
    readonly_fields = ["musician", "offers_counted", "answered", "response_rate", "median_response_seconds", "updated_at"]
