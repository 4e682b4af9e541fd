"""Moderation in the Django admin.

- "Profiles awaiting review" (the moderation queue): pending profiles, oldest first, each with a diff against its last approved
  version; approve / reject (reason from a list + free text) single and in bulk.
- "Profiles (moderation)": every profile; suspend / reinstate (and approve / reject) single and bulk.
- "Reported profiles": reports grouped by profile with counts; "Reports": resolve with an outcome.
- "Reviews": hide / restore. "Bookings needing attention": flags raised by suspensions.
- "Audit log": read-only for everyone, exportable as CSV.

Every action calls ``trust.services``. The musicians and bookings admins are re-registered here
with ``AuditedAdminMixin``: each staff change made through them (form saves, deletions, actions)
is written to the audit log with before/after, and their profile moderation actions are routed
through trust's services so a suspension has the same effects wherever it is started.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.errors import DomainError
from gigbook.core.text import counted
from musicians.models import MusicianProfile
from trust import selectors, services
from trust.forms import HideReviewForm, RejectForm, ResolveFlagForm, ResolveReportForm, SuspendForm
from trust.models import (
    AuditEntry,
    BookingFlag,
    Endorsement,
    ModeratedProfile,
    PendingProfile,
    Recommendation,
    Report,
    ReportedProfile,
    Review,
)
from trust.permissions import EXPORT_AUDIT, HIDE_REVIEWS, RESOLVE_FLAGS, RESOLVE_REPORTS, can_moderate, staff_can
from trust.snapshots import PROFILE_PREFETCH, model_snapshot

SOURCE = AuditEntry.Source.ADMIN


# --- Auditing the admins of other apps -------------------------------------------------------------


def _fresh(model, pk):
    qs = model._base_manager.filter(pk=pk)
    if issubclass(model, MusicianProfile):
        qs = qs.select_related("user").prefetch_related(*PROFILE_PREFETCH)
    return qs.first()


class AuditedAdminMixin:
    """Records each staff change made through this admin: who, when, what, before/after.

    Before is read from the database (the form has already changed the instance in memory);
    after is read once inlines are saved. Saves that change nothing are not recorded.
    Actions that declare no permission count as edits: they need the change permission (so a
    moderator who may only view bookings cannot run the bookings admin's cancel action).
    """

    def _key(self, obj) -> str:
        return f"_trust_audit_before_{obj._meta.label_lower}_{obj.pk}"

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            setattr(request, self._key(obj), model_snapshot(_fresh(type(obj), obj.pk)))
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = getattr(request, self._key(obj), {}) if change else {}
        after = model_snapshot(_fresh(type(obj), obj.pk))
        if change and before == after:
            return
        services.audit_record(actor=request.user, action="admin.change" if change else "admin.add", target=obj,
                              source=SOURCE, before=before, after=after)

    def delete_model(self, request, obj):
        services.audit_record(actor=request.user, action="admin.delete", target=obj, source=SOURCE,
                              before=model_snapshot(_fresh(type(obj), obj.pk)), only_changes=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.audit_record(actor=request.user, action="admin.delete", target=obj, source=SOURCE,
                                  before=model_snapshot(_fresh(type(obj), obj.pk)), only_changes=False)
        super().delete_queryset(request, queryset)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        can_change = self.has_change_permission(request)
        result = {}
        for name, action in actions.items():
            if getattr(action.func, "trust_audited", False):
                result[name] = action
                continue
            if not hasattr(action.func, "allowed_permissions") and not can_change:
                continue
            result[name] = dataclasses.replace(action, func=self._audited_action(action.func, name))
        return result

    def _audited_action(self, func, action_name):
        @wraps(func)
        def run(modeladmin, request, queryset):
            model = queryset.model
            ids = list(queryset.values_list("pk", flat=True)[:500])
            before = {pk: model_snapshot(_fresh(model, pk)) for pk in ids}
            response = func(modeladmin, request, queryset)
            for pk in ids:
                obj = _fresh(model, pk)
                if obj is None:
                    continue
                after = model_snapshot(obj)
                if after != before[pk]:
                    services.audit_record(actor=request.user, action=f"admin.action:{action_name}", target=obj,
                                          source=SOURCE, before=before[pk], after=after)
            return response

        return run


# --- Intermediate pages for actions that need a reason -----------------------------------------------


def _ask(modeladmin, request, queryset, *, form_class, title: str, intro: str, button: str, apply):
    """Render a form for the selected rows; when submitted valid, call ``apply(form.cleaned_data)``."""
    form = form_class(request.POST if request.POST.get("apply") else None)
    if form.is_bound and form.is_valid():
        try:
            apply(form.cleaned_data)
        except DomainError as exc:  # a rule the form cannot see (e.g. "other" needs details)
            if not exc.fields:
                form.add_error(None, exc.detail)
            for field, problems in exc.fields.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "button": button,
        "form": form,
        "objects": list(queryset[:200]),
        "action": request.POST.get("action"),
        "select_across": request.POST.get("select_across", "0"),
        "opts": modeladmin.model._meta,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/trust/action_form.html", context)


def _report_bulk(modeladmin, request, result, verb: str) -> None:
    names = {p.pk: p.display_name
             for p in MusicianProfile.objects.filter(pk__in=[*result.done, *result.failed]).select_related("user")}
    if len(result.done) == 1:
        [pk] = result.done
        modeladmin.message_user(request, f"Profile {verb}: {names.get(pk) or pk}", messages.SUCCESS)
    elif result.done:
        modeladmin.message_user(request, f"{len(result.done)} profiles {verb}.", messages.SUCCESS)
    for pk, detail in result.failed.items():
        modeladmin.message_user(request, f"{names.get(pk) or f'Profile {pk}'}: {detail}", messages.ERROR)


# What the single-profile buttons say once done: "Profile approved: Zoë Keys".
DONE_WORDS = {"approve": "approved", "reject": "rejected", "suspend": "suspended", "unsuspend": "reinstated"}


def _bulk(modeladmin, request, queryset, action: str, verb: str, **reason):
    result = services.moderation_bulk(action=action, profile_ids=list(queryset.values_list("pk", flat=True)),
                                      by=request.user, source=SOURCE, **reason)
    _report_bulk(modeladmin, request, result, verb)


def _moderation_action(func):
    func.trust_audited = True  # trust's services write their own audit entries
    return func


@_moderation_action
@admin.action(description="Approve selected profiles", permissions=["moderate"])
def approve_profiles(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, "approve", "approved")


@_moderation_action
@admin.action(description="Reject selected profiles…", permissions=["moderate"])
def reject_profiles(modeladmin, request, queryset):
    return _ask(
        modeladmin, request, queryset, form_class=RejectForm, title="Reject profiles",
        intro="The musicians are told the reason and details, and can edit and resubmit.", button="Reject",
        apply=lambda data: _bulk(modeladmin, request, queryset, "reject", "rejected", **data),
    )


@_moderation_action
@admin.action(description="Suspend selected profiles…", permissions=["moderate"])
def suspend_profiles(modeladmin, request, queryset):
    return _ask(
        modeladmin, request, queryset, form_class=SuspendForm, title="Suspend profiles",
        intro="Each profile is hidden at once; its open offers are withdrawn and the producers told; confirmed "
              "bookings are flagged under “Bookings needing attention”, never cancelled.",
        button="Suspend",
        apply=lambda data: _bulk(modeladmin, request, queryset, "suspend", "suspended", **data),
    )


@_moderation_action
@admin.action(description="Lift the suspension of selected profiles", permissions=["moderate"])
def unsuspend_profiles(modeladmin, request, queryset):
    _bulk(modeladmin, request, queryset, "unsuspend", "reinstated")


class ModerateMixin:
    def has_moderate_permission(self, request) -> bool:
        return can_moderate(request.user)


# --- Re-register the musicians and bookings admins with auditing --------------------------------------


def _audited(model, extra_bases=(), **attrs):
    if not admin.site.is_registered(model):
        return
    current = admin.site.get_model_admin(model).__class__
    admin.site.unregister(model)
    cls = type(f"Audited{current.__name__}", (*extra_bases, AuditedAdminMixin, current), attrs)
    admin.site.register(model, cls)


_audited(
    MusicianProfile,
    extra_bases=(ModerateMixin,),
    actions=[approve_profiles, reject_profiles, suspend_profiles, unsuspend_profiles],
)
_audited(Booking)


# --- Profiles ------------------------------------------------------------------------------------------


class ProfileModerationAdmin(ModerateMixin, admin.ModelAdmin):
    """Read-only profile pages for moderators, with the diff and the moderation buttons."""

    change_form_template = "admin/trust/profile_change_form.html"
    list_select_related = ["user"]
    search_fields = ["stage_name", "user__email", "user__full_name", "city"]
    fields = ["moderation_summary", "changes_display", "reports_display", "profile_link"]
    readonly_fields = fields
    list_per_page = 50

    class Media:
        css = {"all": ["trust/admin.css"]}

    def get_queryset(self, request):
        return selectors.moderation_profiles()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # every change is an action (approve, reject, …), never a field edit

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Profile", ordering="stage_name")
    def name(self, profile):
        return profile.display_name

    @admin.display(description="Email", ordering="user__email")
    def email(self, profile):
        return profile.user.email

    @admin.display(description="Waiting", ordering="submitted_at")
    def waiting(self, profile):
        return f"{timesince(profile.submitted_at, clock.now())}" if profile.submitted_at else "—"

    @admin.display(description="Changed since last approval")
    def changed(self, profile):
        changes = selectors.profile_changes(profile)
        if selectors.approved_snapshot_of(profile) is None:
            return "New profile"
        return ", ".join(change.label for change in changes) or "Nothing visible"

    @admin.display(description="Open reports", ordering="open_reports")
    def reports(self, profile):
        return profile.open_reports or 0

    @admin.display(description="Summary")
    def moderation_summary(self, profile):
        snapshot = selectors.approved_snapshot_of(profile)
        rows = [
            ("Status", profile.get_status_display()),
            ("Submitted", profile.submitted_at and timezone.localtime(profile.submitted_at).strftime("%d %b %Y %H:%M")),
            ("Last approved", snapshot and timezone.localtime(snapshot.approved_at).strftime("%d %b %Y %H:%M")),
            ("Rejection reason", profile.rejection_reason),
            ("Suspension reason", profile.suspension_reason),
        ]
        return format_html("<dl class='trust-summary'>{}</dl>",
                           format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, v) for k, v in rows if v)))

    @admin.display(description="What changed")
    def changes_display(self, profile):
        changes = selectors.profile_changes(profile)
        first = selectors.approved_snapshot_of(profile) is None
        if not changes:
            return "Nothing visible changed since the last approval."
        rows = []

        def shown(value):
            if isinstance(value, bool):
                return "Yes" if value else "No"
            return "" if value is None else value

        for change in changes:
            if change.added or change.removed:
                value = format_html(
                    "{}{}",
                    format_html_join("", "<div><del>− {}</del></div>", ((item,) for item in change.removed)),
                    format_html_join("", "<div><ins>+ {}</ins></div>", ((item,) for item in change.added)),
                )
            elif change.inline is not None and not first:
                value = change.inline
            elif first:
                value = format_html("<ins>{}</ins>", shown(change.after))
            else:
                value = format_html("<del>{}</del> → <ins>{}</ins>", shown(change.before), shown(change.after))
            rows.append((change.label, value))
        caption = "First review: everything is new." if first else "Since the last approved version:"
        return format_html(
            "<p>{}</p><table class='trust-diff'><tbody>{}</tbody></table>", caption,
            format_html_join("", "<tr><th scope='row'>{}</th><td class='trust-diff-value'>{}</td></tr>", rows),
        )

    @admin.display(description="Reports")
    def reports_display(self, profile):
        reports = list(selectors.report_list(profile_id=profile.pk)[:20])
        if not reports:
            return "None"
        return format_html_join(
            "", "<p>{} · {} · {}: {}</p>",
            ((r.created_at.strftime("%d %b %Y"), r.get_status_display(), r.get_reason_display(), r.details or "—")
             for r in reports),
        )

    @admin.display(description="Public page")
    def profile_link(self, profile):
        return format_html("<a href='{}' target='_blank' rel='noopener'>Preview the profile page</a>",
                           profile.get_absolute_url())

    # --- Single-profile moderation from the detail page ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<int:pk>/moderate/<str:action>/", self.admin_site.admin_view(self.moderate_view),
                 name="{}_{}_moderate".format(*info)),
            *super().get_urls(),
        ]

    def moderate_view(self, request, pk: int, action: str):
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        if action not in services.ACTIONS:
            raise PermissionDenied
        profile = get_object_or_404(MusicianProfile.objects.select_related("user"), pk=pk)
        form_class = {"reject": RejectForm, "suspend": SuspendForm}.get(action)
        form = form_class(request.POST or None) if form_class else None
        back = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
        if request.method == "POST" and (form is None or form.is_valid()):
            data = form.cleaned_data if form else {}
            try:
                if action == "suspend":
                    _profile, effects = services.moderation_suspend(profile_id=pk, by=request.user, source=SOURCE,
                                                                    **data)
                    self.message_user(
                        request,
                        f"Profile suspended: {profile.display_name}. {counted(effects.withdrawn, 'offer')} withdrawn, "
                        f"{counted(effects.flagged, 'booking')} flagged, "
                        f"{counted(effects.producers_told, 'producer')} told.",
                        messages.SUCCESS,
                    )
                else:
                    # Approving or rejecting a live profile acts on its waiting changes; the profile stays live.
                    changes = profile.status == MusicianProfile.Status.APPROVED and action in ("approve", "reject")
                    services.moderation_apply(action=action, profile_id=pk, by=request.user, source=SOURCE, **data)
                    what = "Changes" if changes else "Profile"
                    self.message_user(request, f"{what} {DONE_WORDS[action]}: {profile.display_name}",
                                      messages.SUCCESS)
            except DomainError as exc:
                details = " ".join(str(m) for msgs in (exc.fields or {}).values() for m in msgs)
                self.message_user(request, f"{profile.display_name}: {exc.detail} {details}".strip(), messages.ERROR)
                if form is None:
                    return HttpResponseRedirect(back)
            else:
                if isinstance(self, PendingProfileAdmin):
                    return HttpResponseRedirect(reverse("admin:trust_pendingprofile_changelist"))
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{action.capitalize()} {profile.display_name}",
            "profile": profile,
            "action": action,
            "form": form,
            "back": back,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/trust/moderate_one.html", context)

    def render_change_form(self, request, context, *args, **kwargs):
        obj = context.get("original")
        if obj is not None:
            context["moderation_buttons"] = self._buttons(request, obj)
        return super().render_change_form(request, context, *args, **kwargs)

    def _buttons(self, request, profile):
        if not self.has_moderate_permission(request):
            return []
        allowed = {
            MusicianProfile.Status.PENDING: ["approve", "reject"],
            MusicianProfile.Status.APPROVED: ["suspend"],
            MusicianProfile.Status.SUSPENDED: ["unsuspend"],
        }.get(profile.status, [])
        if profile.status == MusicianProfile.Status.APPROVED and profile.changes_state == "pending":
            allowed = ["approve", "reject", "suspend"]  # the waiting changes; the profile stays live
        labels = {"approve": "Approve", "reject": "Reject…", "suspend": "Suspend…", "unsuspend": "Lift suspension"}
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_moderate"
        return [(labels[a], reverse(name, args=[profile.pk, a])) for a in allowed]


@admin.register(PendingProfile)
class PendingProfileAdmin(ProfileModerationAdmin):
    list_display = ["name", "email", "submitted_at", "waiting", "changed", "reports"]
    actions = [approve_profiles, reject_profiles]

    def get_queryset(self, request):
        return selectors.moderation_profiles(status=MusicianProfile.Status.PENDING)

    def get_ordering(self, request):
        return ["submitted_at", "id"]  # oldest first: a queue


@admin.register(ModeratedProfile)
class ModeratedProfileAdmin(ProfileModerationAdmin):
    list_display = ["name", "email", "status", "reviewed_at", "reports"]
    list_filter = ["status"]
    actions = [approve_profiles, reject_profiles, suspend_profiles, unsuspend_profiles]


# --- Reports ---------------------------------------------------------------------------------------


def _resolve_reports(modeladmin, request, queryset, data):
    done = 0
    for report_id in queryset.filter(status=Report.Status.OPEN).values_list("pk", flat=True):
        try:
            services.report_resolve(report_id=report_id, by=request.user, source=SOURCE, **data)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"Report {report_id}: {exc.detail}", messages.ERROR)
    modeladmin.message_user(request, f"{counted(done, 'report')} resolved; the reporters are told the outcome.",
                            messages.SUCCESS)


@_moderation_action
@admin.action(description="Resolve selected reports…", permissions=["resolve"])
def resolve_reports(modeladmin, request, queryset):
    return _ask(modeladmin, request, queryset, form_class=ResolveReportForm, title="Resolve reports",
                intro="Only open reports are changed. Each reporter is told the outcome (not the note).",
                button="Resolve", apply=lambda data: _resolve_reports(modeladmin, request, queryset, data))


class ReportInline(admin.TabularInline):
    model = Report
    fk_name = "profile"
    extra = 0
    can_delete = False
    fields = ["created_at", "reporter", "reason", "details", "status", "outcome"]
    readonly_fields = fields
    ordering = ["-created_at"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@_moderation_action
@admin.action(description="Resolve all open reports on selected profiles…", permissions=["resolve"])
def resolve_profile_reports(modeladmin, request, queryset):
    return _ask(
        modeladmin, request, queryset, form_class=ResolveReportForm, title="Resolve reports on profiles",
        intro="Every open report on these profiles gets this outcome; each reporter is told it.", button="Resolve",
        apply=lambda data: _resolve_reports(
            modeladmin, request, Report.objects.filter(profile__in=list(queryset.values_list("pk", flat=True))), data
        ),
    )


class ReadOnlyAdminMixin:
    """Nothing is added, edited or deleted through these pages: changes happen through actions that
    call the trust services (and so reach the audit log)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResolveMixin:
    def has_resolve_permission(self, request) -> bool:
        return staff_can(request.user, RESOLVE_REPORTS)


@admin.register(ReportedProfile)
class ReportedProfileAdmin(ResolveMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Reports grouped by profile: open and total counts, most-reported first."""

    list_display = ["name", "status", "open_count", "total_count"]
    list_filter = ["status"]
    search_fields = ["stage_name", "user__email", "user__full_name"]
    fields = ["name", "status"]
    readonly_fields = ["name", "status"]
    inlines = [ReportInline]
    actions = [resolve_profile_reports]

    def get_queryset(self, request):
        return selectors.reported_profiles()

    def get_ordering(self, request):
        return ["-open_reports", "-total_reports", "id"]


    @admin.display(description="Profile", ordering="stage_name")
    def name(self, profile):
        return profile.display_name

    @admin.display(description="Open reports", ordering="open_reports")
    def open_count(self, profile):
        return profile.open_reports

    @admin.display(description="All reports", ordering="total_reports")
    def total_count(self, profile):
        return profile.total_reports


@admin.register(Report)
class ReportAdmin(ResolveMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "target", "reason", "reporter", "status", "outcome"]
    list_filter = ["status", "reason", "outcome"]
    search_fields = ["profile__stage_name", "profile__user__email", "reporter__email", "details"]
    list_select_related = ["reporter", "profile__user", "review"]
    readonly_fields = ["reporter", "profile", "review", "reason", "details", "status", "created_at", "resolved_at",
                       "resolved_by", "outcome", "resolution_note"]
    actions = [resolve_reports]
    ordering = ["status", "-created_at"]


    @admin.display(description="About")
    def target(self, report):
        return report.profile.display_name if report.profile_id else f"Review {report.review_id}"


# --- Reviews, flags, word of mouth ---------------------------------------------------------------------


@_moderation_action
@admin.action(description="Hide selected reviews…", permissions=["hide"])
def hide_reviews(modeladmin, request, queryset):
    def apply(data):
        for review_id in queryset.values_list("pk", flat=True):
            services.review_hide(review_id=review_id, by=request.user, reason=data["reason"], source=SOURCE)
        modeladmin.message_user(request, "Hidden; the ratings no longer count them.", messages.SUCCESS)

    return _ask(modeladmin, request, queryset, form_class=HideReviewForm, title="Hide reviews",
                intro="Hidden reviews leave the profile and the rating. Their authors are told the reason.",
                button="Hide", apply=apply)


@_moderation_action
@admin.action(description="Show selected hidden reviews again", permissions=["hide"])
def restore_reviews(modeladmin, request, queryset):
    for review_id in queryset.values_list("pk", flat=True):
        services.review_restore(review_id=review_id, by=request.user, source=SOURCE)
    modeladmin.message_user(request, "Restored.", messages.SUCCESS)


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "author", "subject", "direction", "rating", "published", "hidden", "open_reports"]
    list_filter = ["direction", "rating", ("hidden_at", admin.EmptyFieldListFilter)]
    search_fields = ["author__email", "subject__email", "text"]
    list_select_related = ["author", "subject"]
    readonly_fields = ["booking", "author", "subject", "direction", "rating", "aspects", "text", "created_at",
                       "window_closes_at", "published_at", "reply_text", "replied_at", "hidden_at", "hidden_by",
                       "hidden_reason"]
    actions = [hide_reviews, restore_reviews]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            open_report_count=Count("reports", filter=Q(reports__status=Report.Status.OPEN))
        )

    def has_hide_permission(self, request) -> bool:
        return staff_can(request.user, HIDE_REVIEWS)


    @admin.display(boolean=True, description="Visible")
    def published(self, review):
        return review.is_published(clock.now())

    @admin.display(boolean=True, description="Hidden")
    def hidden(self, review):
        return review.hidden_at is not None

    @admin.display(description="Open reports", ordering="open_report_count")
    def open_reports(self, review):
        return review.open_report_count


@_moderation_action
@admin.action(description="Mark selected flags as handled…", permissions=["resolve"])
def resolve_flags(modeladmin, request, queryset):
    def apply(data):
        for flag_id in queryset.values_list("pk", flat=True):
            services.flag_resolve(flag_id=flag_id, by=request.user, resolution=data["resolution"], source=SOURCE)
        modeladmin.message_user(request, "Recorded.", messages.SUCCESS)

    return _ask(modeladmin, request, queryset, form_class=ResolveFlagForm, title="Handle flagged bookings",
                intro="Record what was done. To cancel a booking, use the booking's own page first.",
                button="Save", apply=apply)


@admin.register(BookingFlag)
class BookingFlagAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["booking_link", "starts", "producer", "musician", "booking_status", "reason", "created_at",
                    "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["booking__producer", "booking__musician"]
    readonly_fields = ["booking", "reason", "note", "created_at", "created_by", "resolved_at", "resolved_by",
                       "resolution"]
    actions = [resolve_flags]
    ordering = ["-resolved_at", "booking__starts_at"]

    def has_resolve_permission(self, request) -> bool:
        return staff_can(request.user, RESOLVE_FLAGS)


    @admin.display(description="Booking")
    def booking_link(self, flag):
        return format_html("<a href='{}'>Booking {}</a>", reverse("admin:bookings_booking_change", args=[flag.booking_id])
                           if admin.site.is_registered(Booking) else f"/bookings/{flag.booking_id}/", flag.booking_id)

    @admin.display(description="Starts", ordering="booking__starts_at")
    def starts(self, flag):
        return flag.booking.starts_at

    @admin.display(description="Producer")
    def producer(self, flag):
        return flag.booking.producer

    @admin.display(description="Musician")
    def musician(self, flag):
        return flag.booking.musician

    @admin.display(description="Booking status")
    def booking_status(self, flag):
        return flag.booking.get_status_display()


@admin.register(Endorsement)
class EndorsementAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "endorser", "profile", "instrument", "genre"]
    list_select_related = ["endorser", "profile__user", "instrument", "genre"]
    search_fields = ["endorser__email", "profile__stage_name", "note"]
    readonly_fields = ["endorser", "profile", "instrument", "genre", "note", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Recommendation)
class RecommendationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recommender", "recommended", "booking", "status", "new_booking"]
    list_filter = ["status"]
    list_select_related = ["recommender", "recommended__user", "booking", "new_booking"]
    readonly_fields = ["booking", "recommender", "recommended", "note", "status", "created_at", "acted_at",
                       "new_booking"]



# --- Audit log ------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


CSV_COLUMNS = ["id", "at", "actor", "source", "action", "target_type", "target_id", "target", "reason_code", "reason",
               "before", "after"]


def audit_csv_rows(queryset):
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in queryset.iterator(chunk_size=1000):
        yield writer.writerow([
            entry.pk, entry.at.isoformat(), entry.actor_label, entry.source, entry.action, entry.target_type,
            entry.target_id, _csv_safe(entry.target_label), entry.reason_code, _csv_safe(entry.reason),
            json.dumps(entry.before, sort_keys=True, ensure_ascii=False),
            json.dumps(entry.after, sort_keys=True, ensure_ascii=False),
        ])


def _csv_safe(text: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheet programs (CSV injection);
    # user-written text (names, reasons) is prefixed with an apostrophe so it stays text.
    return f"'{text}" if text and text[0] in "=+-@\t\r" else text


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Append-only: nobody can add, change or delete entries here (superusers included)."""

    change_list_template = "admin/trust/auditentry/change_list.html"
    list_display = ["at", "actor_label", "source", "action", "target_type", "target_label", "reason_code"]
    list_filter = ["source", "action", "target_type"]
    search_fields = ["actor_label", "target_label", "target_id", "reason"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor_label", "source", "action", "target_type", "target_id", "target_label",
                       "reason_code", "reason", "before_display", "after_display"]
    fields = readonly_fields
    actions = None

    class Media:
        css = {"all": ["trust/admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Before")
    def before_display(self, entry):
        return format_html("<pre class='trust-json'>{}</pre>", json.dumps(entry.before, indent=2, ensure_ascii=False))

    @admin.display(description="After")
    def after_display(self, entry):
        return format_html("<pre class='trust-json'>{}</pre>", json.dumps(entry.after, indent=2, ensure_ascii=False))

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_view), name="trust_auditentry_export"),
            *super().get_urls(),
        ]

    def export_view(self, request):
        """The changelist's current filter and search, as CSV (streamed: the log only grows)."""
        if not staff_can(request.user, EXPORT_AUDIT):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        queryset = changelist.get_queryset(request).order_by("at", "id")
        stamp = clock.now().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(audit_csv_rows(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="gigbook-audit-{stamp}.csv"'
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_export": staff_can(request.user, EXPORT_AUDIT)}
        return super().changelist_view(request, extra_context=extra_context)

