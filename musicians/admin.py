"""Admin: reference lists, and profile moderation through the moderation services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from gigbook.core.errors import DomainError
from musicians import services
from musicians.models import (
    BusyInterval,
    Credit,
    DemoMedia,
    Genre,
    Instrument,
    MusicianProfile,
    ProfileGenre,
    ProfileInstrument,
    UnavailabilityBlock,
)


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "family"]
    list_filter = ["family"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ProfileInstrumentInline(admin.TabularInline):
    model = ProfileInstrument
    extra = 0
    autocomplete_fields = ["instrument"]


class ProfileGenreInline(admin.TabularInline):
    model = ProfileGenre
    extra = 0
    autocomplete_fields = ["genre"]


class DemoMediaInline(admin.TabularInline):
    model = DemoMedia
    extra = 0
    fields = ["kind", "url", "title", "embed_url"]
    readonly_fields = ["kind", "embed_url"]


class CreditInline(admin.TabularInline):
    model = Credit
    extra = 0


class BlockInline(admin.TabularInline):
    """Read-only: blocks are written by the musician (their busy time is derived from them)."""

    model = UnavailabilityBlock
    extra = 0
    can_delete = False
    fields = ["kind", "starts_at", "ends_at", "weekday", "start_time", "end_time", "valid_from", "valid_until",
              "time_zone"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


def _run(modeladmin, request, queryset, action, verb: str, **kwargs) -> None:
    done = []
    for profile in queryset.select_related("user"):
        try:
            action(profile=profile, **kwargs)
            done.append(profile)
        except DomainError as exc:
            modeladmin.message_user(request, f"{profile}: {exc.detail}", messages.ERROR)
    if len(done) == 1:
        modeladmin.message_user(request, f"Profile {verb}: {done[0]}", messages.SUCCESS)
    elif done:
        modeladmin.message_user(request, f"{len(done)} profiles {verb}.", messages.SUCCESS)


def _with_reason(modeladmin, request, queryset, action, verb: str, title: str):
    """Ask for a reason on an intermediate page, then apply the service to each profile."""
    reason = request.POST.get("reason", "").strip()
    if request.POST.get("confirm") and reason:
        _run(modeladmin, request, queryset, action, verb, by=request.user, reason=reason)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "profiles": queryset,
        "action": request.POST.get("action"),
        "opts": modeladmin.model._meta,
        "missing_reason": bool(request.POST.get("confirm")),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "musicians/admin_reason.html", context)


@admin.register(MusicianProfile)
class MusicianProfileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user_email", "status", "city", "currency", "hourly_rate", "submitted_at"]
    list_filter = ["status", "records_remotely", "currency"]
    search_fields = ["stage_name", "user__email", "user__full_name", "city", "headline"]
    list_select_related = ["user"]
    ordering = ["-submitted_at", "id"]
    raw_id_fields = ["user"]
    readonly_fields = ["status", "rejection_reason", "suspension_reason", "submitted_at", "reviewed_at", "reviewed_by",
                       "rating_avg", "rating_count", "created_at", "updated_at"]
    inlines = [ProfileInstrumentInline, ProfileGenreInline, DemoMediaInline, CreditInline, BlockInline]
    actions = ["approve", "reject", "suspend", "unsuspend"]
    fieldsets = [
        ("Moderation", {"fields": ["status", "rejection_reason", "suspension_reason", "submitted_at", "reviewed_at",
                                   "reviewed_by"]}),
        ("Public profile", {"fields": ["user", "stage_name", "headline", "bio", "photo"]}),
        ("Work", {"fields": ["city", "latitude", "longitude", "travel_radius_km", "willing_to_tour",
                             "records_remotely", "reads_notation", "reads_chords", "reads_nashville",
                             "years_experience", "union_membership", "equipment_notes", "languages"]}),
        ("Rates", {"fields": ["currency", "hourly_rate", "session_rate", "day_rate", "live_rate",
                              "minimum_call_hours", "overtime_rate_per_half_hour", "doubling_fee", "cartage_fee",
                              "late_cancellation_window_hours", "late_cancellation_fee", "rate_notes"]}),
        ("Reviews", {"fields": ["rating_avg", "rating_count"]}),
    ]

    @admin.display(description="Email", ordering="user__email")
    def user_email(self, profile):
        return profile.user.email

    @admin.action(description="Approve (publish) selected profiles")
    def approve(self, request, queryset):
        _run(self, request, queryset, services.profile_approve, "approved", by=request.user)

    @admin.action(description="Reject selected profiles (asks for a reason)")
    def reject(self, request, queryset):
        return _with_reason(self, request, queryset, services.profile_reject, "rejected", "Reject profiles")

    @admin.action(description="Suspend selected profiles (asks for a reason)")
    def suspend(self, request, queryset):
        return _with_reason(self, request, queryset, services.profile_suspend, "suspended", "Suspend profiles")

    @admin.action(description="Lift the suspension of selected profiles")
    def unsuspend(self, request, queryset):
        _run(self, request, queryset, services.profile_unsuspend, "reinstated", by=request.user)


@admin.register(BusyInterval)
class BusyIntervalAdmin(admin.ModelAdmin):
    """Read-only view for support: who is busy when, and why."""

    list_display = ["profile", "starts_at", "ends_at", "source", "source_id", "label"]
    list_filter = ["source"]
    raw_id_fields = ["profile"]
    search_fields = ["profile__stage_name", "profile__user__email", "source_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
