"""Input serializers check shape only (types, lengths, choices); rules live in trust.services.
Output serializers render what selectors loaded (no queries of their own)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from trust.models import AuditEntry, BookingFlag, Endorsement, Recommendation, Report, Review
from trust.reasons import REVIEW_ASPECTS, RejectReason, SuspendReason
from trust.services.moderation import ACTIONS, BULK_MAX

TEXT = {"allow_blank": True, "required": False, "trim_whitespace": True}


# --- Moderation --------------------------------------------------------------------------------


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)
    added = serializers.ListField(child=serializers.CharField())
    removed = serializers.ListField(child=serializers.CharField())


class ModerationProfileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    email = serializers.EmailField(source="user.email")
    status = serializers.CharField()
    changes_state = serializers.CharField(
        help_text="'pending' when a live profile has changes waiting (it stays public meanwhile), "
        "'rejected' when they were refused, empty otherwise."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    rejection_reason = serializers.CharField()
    suspension_reason = serializers.CharField()
    open_reports = serializers.SerializerMethodField()
    last_approved_at = serializers.SerializerMethodField()
    changed_fields = serializers.SerializerMethodField()

    def _changes(self, profile):
        from trust.selectors import profile_changes

        if not hasattr(profile, "_trust_changes"):
            profile._trust_changes = profile_changes(profile)
        return profile._trust_changes

    def get_open_reports(self, profile) -> int:
        return getattr(profile, "open_reports", None) or 0

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_approved_at(self, profile):
        from trust.selectors import approved_snapshot_of

        snapshot = approved_snapshot_of(profile)
        return serializers.DateTimeField().to_representation(snapshot.approved_at) if snapshot else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_changed_fields(self, profile):
        return [change.field for change in self._changes(profile)]


class ModerationProfileDetailSerializer(ModerationProfileSerializer):
    changes = serializers.SerializerMethodField()

    @extend_schema_field(ChangeSerializer(many=True))
    def get_changes(self, profile):
        return [change.as_json() for change in self._changes(profile)]


class RejectInSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=RejectReason.choices)
    details = serializers.CharField(max_length=2000, **TEXT)


class SuspendInSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=SuspendReason.choices)
    details = serializers.CharField(max_length=2000, **TEXT)


class SuspendOutSerializer(serializers.Serializer):
    profile = ModerationProfileSerializer()
    withdrawn_bookings = serializers.ListField(child=serializers.IntegerField())
    flagged_bookings = serializers.ListField(child=serializers.IntegerField())
    producers_told = serializers.IntegerField()


class BulkInSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=BULK_MAX)
    reason_code = serializers.CharField(max_length=32, **TEXT)
    details = serializers.CharField(max_length=2000, **TEXT)


class BulkOutSerializer(serializers.Serializer):
    done = serializers.ListField(child=serializers.IntegerField())
    failed = serializers.DictField(child=serializers.CharField())


class ReportSerializer(serializers.ModelSerializer):
    reporter = serializers.EmailField(source="reporter.email")
    profile_name = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "reporter", "profile", "profile_name", "review", "reason", "details", "status", "created_at",
                  "resolved_at", "outcome", "resolution_note"]

    def get_profile_name(self, report) -> str:
        return report.profile.display_name if report.profile_id else ""


class ResolveInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Report.Outcome.choices)
    note = serializers.CharField(max_length=2000, **TEXT)


class HideInSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class FlagSerializer(serializers.ModelSerializer):
    producer = serializers.EmailField(source="booking.producer.email")
    musician = serializers.EmailField(source="booking.musician.email")
    booking_status = serializers.CharField(source="booking.status")
    starts_at = serializers.DateTimeField(source="booking.starts_at")

    class Meta:
        model = BookingFlag
        fields = ["id", "booking", "booking_status", "starts_at", "producer", "musician", "reason", "note",
                  "created_at", "resolved_at", "resolution"]


class FlagResolveInSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=2000)


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "actor_label", "source", "action", "target_type", "target_id", "target_label",
                  "reason_code", "reason", "before", "after"]


# --- Reports (anyone signed in) -----------------------------------------------------------------


class ReportInSerializer(serializers.Serializer):
    profile = serializers.IntegerField(min_value=1, required=False)
    review = serializers.IntegerField(min_value=1, required=False)
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField(max_length=2000, **TEXT)

    def validate(self, attrs):
        if ("profile" in attrs) == ("review" in attrs):
            raise serializers.ValidationError({"non_field_errors": ["Report either a profile or a review."]})
        return attrs


class MyReportSerializer(serializers.ModelSerializer):
    """What reporters see of their own reports: the outcome, never the moderator's note."""

    class Meta:
        model = Report
        fields = ["id", "profile", "review", "reason", "details", "status", "created_at", "resolved_at", "outcome"]


# --- Reviews ------------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class ReviewSerializer(serializers.ModelSerializer):
    author = PersonSerializer()
    subject = PersonSerializer()
    instrument = serializers.CharField(source="booking.instrument.name")
    gig_date = serializers.DateTimeField(source="booking.starts_at")

    class Meta:
        model = Review
        fields = ["id", "booking", "author", "subject", "direction", "rating", "aspects", "text", "created_at",
                  "published_at", "window_closes_at", "reply_text", "replied_at", "instrument", "gig_date"]


class ReviewInSerializer(serializers.Serializer):
    booking = serializers.IntegerField(min_value=1)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    text = serializers.CharField(max_length=1000, **TEXT)
    aspects = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5), required=False,
        help_text="Optional 1-5 scores. Of a musician: " + ", ".join(REVIEW_ASPECTS["of_musician"])
        + ". Of a producer: " + ", ".join(REVIEW_ASPECTS["of_producer"]) + ".",
    )


class ReplyInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=1000)


class ToReviewSerializer(serializers.Serializer):
    booking = serializers.IntegerField(source="id")
    summary = serializers.CharField()
    instrument = serializers.CharField(source="instrument.name")
    starts_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField()
    other_party = serializers.SerializerMethodField()
    you_review = serializers.SerializerMethodField()

    @extend_schema_field(PersonSerializer)
    def get_other_party(self, booking):
        user = self.context["request"].user
        other = booking.musician if user.pk == booking.producer_id else booking.producer
        return {"id": other.pk, "full_name": other.full_name}

    def get_you_review(self, booking) -> str:
        user = self.context["request"].user
        return "of_musician" if user.pk == booking.producer_id else "of_producer"


# --- Word of mouth ------------------------------------------------------------------------------


class EndorsementSerializer(serializers.ModelSerializer):
    endorser = serializers.SerializerMethodField()
    # An endorsement is for an instrument or a genre: the other one is null.
    instrument = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    genre = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    skill = serializers.CharField(source="skill_name")

    class Meta:
        model = Endorsement
        fields = ["id", "profile", "endorser", "instrument", "genre", "skill", "note", "created_at"]

    @extend_schema_field(PersonSerializer)
    def get_endorser(self, endorsement):
        user = endorsement.endorser
        profile = getattr(user, "musician_profile", None)
        return {"id": user.pk, "full_name": profile.display_name if profile else user.full_name}


class EndorsementInSerializer(serializers.Serializer):
    profile = serializers.IntegerField(min_value=1)
    instrument = serializers.SlugField(max_length=80, required=False)
    genre = serializers.SlugField(max_length=80, required=False)
    note = serializers.CharField(max_length=280, **TEXT)


class ReputationSerializer(serializers.Serializer):
    profile = serializers.IntegerField()
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    rating_count = serializers.IntegerField()
    gigs_completed = serializers.IntegerField()
    rehired_by = serializers.IntegerField()
    vouches = EndorsementSerializer(many=True)


class RecommendationSerializer(serializers.ModelSerializer):
    recommender = PersonSerializer()
    recommended_name = serializers.CharField(source="recommended.display_name")

    class Meta:
        model = Recommendation
        fields = ["id", "booking", "recommender", "recommended", "recommended_name", "note", "status", "created_at",
                  "acted_at", "new_booking"]


class RecommendationInSerializer(serializers.Serializer):
    booking = serializers.IntegerField(min_value=1)
    recommended = serializers.IntegerField(min_value=1, help_text="The colleague's musician profile id.")
    note = serializers.CharField(max_length=500, **TEXT)
    token = serializers.CharField(max_length=2000, required=False,
                                  help_text="The offer's phone-link token, instead of signing in.")


class SendOfferInSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField(required=False, help_text="Answer-by time (default: 24 h or the start).")


class SentOfferSerializer(serializers.Serializer):
    booking = serializers.IntegerField(source="id")
    status = serializers.CharField()
    musician = serializers.IntegerField(source="musician_id")
    url = serializers.SerializerMethodField()

    def get_url(self, booking) -> str:
        return f"/bookings/{booking.pk}/"

