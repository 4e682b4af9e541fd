"""Input serializers check shape (types, lengths, choices); the rules live in services.

Output serializers render. Statuses are *effective*: an invitation past its deadline reads as
timed out, a request past its answer-by time as expired, whether or not the sweep has run.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from bookings.gigrequests import selectors, services
from bookings.gigrequests.models import Chair, Favourite, GigRequest, Invitation
from bookings.models import Booking
from gigbook.accounts.api.serializers import TimeZoneField
from gigbook.core.plain_messages import DATETIME_INVALID

MONEY = {"max_digits": 12, "decimal_places": 3, "min_value": Decimal("0")}


@extend_schema_field(OpenApiTypes.DATETIME)
class DateTimeInput(serializers.Field):
    """ISO 8601. With an offset it is that instant; without one, wall-clock time at the venue
    (or in ``time_zone`` for remote work), resolved by the service (DST gaps and repeats refused)."""

    default_error_messages = {"invalid": DATETIME_INVALID}

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        try:
            parsed = parse_datetime(data.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail("invalid")
        return parsed

    def to_representation(self, value):
        return value.isoformat()


class GigChairInputSerializer(serializers.Serializer):
    instrument = serializers.SlugField(max_length=80, help_text="Instrument slug, e.g. bass-guitar.")
    count = serializers.IntegerField(min_value=1, max_value=services.MAX_CHAIRS_PER_INSTRUMENT, default=1)


class GigInviteeListInputSerializer(serializers.Serializer):
    instrument = serializers.SlugField(max_length=80)
    musicians = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=2000, allow_empty=True,
        help_text="Musician profile ids in the order to ask them.",
    )


class GigRequestInputSerializer(serializers.Serializer):
    chairs = GigChairInputSerializer(many=True, min_length=1, max_length=services.MAX_CHAIR_GROUPS)
    kind = serializers.ChoiceField(choices=Booking.Kind.choices)
    venue = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    time_zone = TimeZoneField(max_length=64, required=False, help_text="Remote work only; default: yours.")
    starts_at = DateTimeInput()
    ends_at = DateTimeInput()
    answer_by = DateTimeInput(required=False, help_text="Default: an hour before the start (at least 30 minutes from now).")
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    brief_style = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    brief_approach = serializers.ChoiceField(choices=Booking.Approach.choices, default=Booking.Approach.CHART)
    brief_notes = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    currency = serializers.CharField(min_length=3, max_length=3, default="GBP")
    fee_basis = serializers.ChoiceField(choices=GigRequest.FeeBasis.choices, default=GigRequest.FeeBasis.HOURLY)
    rate = serializers.DecimalField(**MONEY, help_text="Per hour, or the flat fee.")
    max_rate = serializers.DecimalField(**MONEY, required=False, allow_null=True, default=None,
                                        help_text="Optional ceiling to meet a player's published rate.")
    strategy = serializers.ChoiceField(choices=GigRequest.Strategy.choices)
    time_box_minutes = serializers.IntegerField(
        min_value=services.MIN_TIME_BOX_MINUTES, max_value=services.MAX_TIME_BOX_MINUTES, default=10
    )
    push_fallback_minutes = serializers.IntegerField(
        min_value=1, max_value=services.MAX_PUSH_FALLBACK_MINUTES, default=2,
        help_text="Players with push on get a text only if they have not opened the push within this.",
    )
    broadcast_threshold_hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=services.MAX_THRESHOLD_HOURS, default=Decimal("12")
    )
    max_invitees = serializers.IntegerField(min_value=1, max_value=2000, required=False, allow_null=True, default=None)
    invitees = GigInviteeListInputSerializer(
        many=True, required=False, max_length=services.MAX_CHAIR_GROUPS,
        help_text="Your edited call lists (from the preview). Leave out to use the ranked matches.",
    )
    confirm_long = serializers.BooleanField(
        required=False, default=False, help_text="Confirms a gig longer than 12 hours (refused without it).")
    ask_first = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None,
        help_text="A musician profile id to ask first (e.g. the profile the request was started from): top of "
                  "the list of the first chair they match. Refused (400) if they cannot be asked; ignored with "
                  "invitees, whose order is yours.")


class GigRequestCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GigRequestWidenInputSerializer(serializers.Serializer):
    answer_by = DateTimeInput()
    max_rate = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    strategy = serializers.ChoiceField(choices=GigRequest.Strategy.choices, required=False)
    time_box_minutes = serializers.IntegerField(
        min_value=services.MIN_TIME_BOX_MINUTES, max_value=services.MAX_TIME_BOX_MINUTES, required=False
    )
    max_invitees = serializers.IntegerField(min_value=1, max_value=2000, required=False, allow_null=True)


class GigOfferDeclineInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class GigFavouriteInputSerializer(serializers.Serializer):
    musician_profile = serializers.IntegerField(min_value=1)
    instrument = serializers.SlugField(max_length=80)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class GigFavouriteMoveInputSerializer(serializers.Serializer):
    position = serializers.IntegerField(min_value=1, max_value=10000)


# --- Output ------------------------------------------------------------------------------------------


class GigInstrumentSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class GigMusicianSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    profile_url = serializers.CharField(allow_null=True)


def _musician_brief(user) -> dict:
    profile = getattr(user, "musician_profile", None)
    return {
        "profile_id": profile.pk if profile else None,
        "name": profile.display_name if profile else user.full_name,
        "profile_url": f"/musicians/{profile.pk}/" if profile else None,
    }


class GigVenueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    address = serializers.CharField()
    city = serializers.CharField()


class GigRankingSerializer(serializers.Serializer):
    favourite_position = serializers.IntegerField(allow_null=True)
    past_gigs = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    median_response_seconds = serializers.IntegerField(allow_null=True)
    distance_km = serializers.FloatField(allow_null=True)
    rating = serializers.CharField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class GigCandidateSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField()
    name = serializers.CharField()
    profile_url = serializers.SerializerMethodField()
    score = serializers.FloatField()
    offered_rate = serializers.DecimalField(max_digits=12, decimal_places=2)
    published_amount = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    favourite_position = serializers.IntegerField(allow_null=True)
    distance_km = serializers.FloatField(allow_null=True)
    past_gigs = serializers.IntegerField()
    response_rate = serializers.FloatField(allow_null=True)
    median_response_seconds = serializers.IntegerField(allow_null=True)
    rating = serializers.DecimalField(max_digits=3, decimal_places=2, allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())

    def get_profile_url(self, candidate) -> str:
        return f"/musicians/{candidate.profile_id}/"


class GigUnavailableFavouriteSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    reason = serializers.CharField()


class GigWidenOptionSerializer(serializers.Serializer):
    text = serializers.CharField()
    field = serializers.CharField(allow_null=True, help_text="The form field to change, when one change does it.")
    value = serializers.CharField(allow_null=True)
    count = serializers.IntegerField(help_text="How many players would then match.")


class GigRequestPreviewGroupSerializer(serializers.Serializer):
    instrument = GigInstrumentSerializer()
    count = serializers.IntegerField()
    total_matching = serializers.IntegerField()
    candidates = GigCandidateSerializer(many=True)
    unavailable_favourites = GigUnavailableFavouriteSerializer(many=True)
    widen = GigWidenOptionSerializer(
        many=True, help_text="When nobody matches: what would widen the chair (such a request cannot be sent).")


class GigAskFirstSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField()
    name = serializers.CharField()
    placed = serializers.BooleanField(help_text="On the list, first, for the chair of `instrument`.")
    instrument = serializers.CharField(allow_null=True, help_text="The chair's instrument slug.")
    reason = serializers.CharField(help_text="Why they cannot be asked (when not placed).")


class GigRequestPreviewSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    answer_by = serializers.DateTimeField()
    time_zone = serializers.CharField()
    strategy = serializers.CharField()
    first_time_box_seconds = serializers.IntegerField(allow_null=True)
    groups = GigRequestPreviewGroupSerializer(many=True)
    ask_first = GigAskFirstSerializer(allow_null=True, help_text="The player you asked to be asked first, if any.")


class GigChairSerializer(serializers.ModelSerializer):
    instrument = GigInstrumentSerializer()
    filled = serializers.BooleanField(source="is_filled")
    filled_by = serializers.SerializerMethodField()
    booking_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Chair
        fields = ["id", "instrument", "number", "filled", "filled_by", "filled_at", "booking_id"]

    def get_filled_by(self, chair) -> str | None:
        return chair.filled_by.full_name if chair.filled_by_id else None


class InvitationSerializer(serializers.ModelSerializer):
    """One invitee as the producer sees them; ``state`` is what the live page shows."""

    musician = serializers.SerializerMethodField()
    instrument = GigInstrumentSerializer()
    state = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    ranking = GigRankingSerializer()
    offered_rate = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = Invitation
        fields = ["id", "musician", "instrument", "position", "state", "reason", "offered_rate", "score", "ranking",
                  "sent_at", "deadline", "seconds_left", "seen_at", "answered_at", "note"]

    @extend_schema_field(GigMusicianSerializer)
    def get_musician(self, invitation) -> dict:
        return _musician_brief(invitation.musician)

    @extend_schema_field(serializers.ChoiceField(choices=selectors.DISPLAY_STATES))
    def get_state(self, invitation) -> str:
        return selectors.display_state(invitation, self.context["now"])

    def get_seconds_left(self, invitation) -> int | None:
        now = self.context["now"]
        if invitation.effective_status(now) not in Invitation.OPEN_STATUSES:
            return None
        return max(int((invitation.deadline - now).total_seconds()), 0)


class GigRequestListSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    venue = GigVenueSerializer(allow_null=True)
    chair_count = serializers.IntegerField()
    filled_count = serializers.IntegerField()
    invited_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = GigRequest
        fields = ["id", "title", "kind", "venue", "time_zone", "starts_at", "ends_at", "answer_by", "strategy", "status",
                  "chair_count", "filled_count", "invited_count", "created_at", "url"]

    @extend_schema_field(serializers.ChoiceField(choices=GigRequest.Status.choices))
    def get_status(self, request) -> str:
        return request.effective_status(self.context["now"])

    def get_url(self, request) -> str:
        return f"/gig-requests/{request.pk}/"


class GigRequestDetailSerializer(GigRequestListSerializer):
    chairs = GigChairSerializer(many=True)
    invitations = InvitationSerializer(many=True)
    mode = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    widened_from = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    widened_into = serializers.SerializerMethodField()
    can_cancel = serializers.SerializerMethodField()
    can_widen = serializers.SerializerMethodField()
    server_time = serializers.SerializerMethodField()
    rate = serializers.DecimalField(max_digits=12, decimal_places=2)
    max_rate = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    chair_count = serializers.SerializerMethodField()
    filled_count = serializers.SerializerMethodField()
    invited_count = serializers.SerializerMethodField()

    class Meta(GigRequestListSerializer.Meta):
        fields = GigRequestListSerializer.Meta.fields + [
            "brief_style", "brief_approach", "brief_notes", "currency", "fee_basis", "rate", "max_rate",
            "time_box_minutes", "push_fallback_minutes", "broadcast_threshold_hours", "max_invitees", "mode", "next_step_at",
            "broadcast_started_at", "filled_at", "expired_at", "cancelled_at", "cancel_reason", "chairs", "invitations",
            "counts", "widened_from", "widened_into", "can_cancel", "can_widen", "server_time",
        ]

    def get_chair_count(self, request) -> int:
        return len(request.chairs.all())

    def get_filled_count(self, request) -> int:
        return sum(1 for chair in request.chairs.all() if chair.is_filled)

    def get_invited_count(self, request) -> int:
        return sum(1 for i in request.invitations.all() if i.sent_at is not None)

    @extend_schema_field(serializers.ChoiceField(choices=["call_list", "broadcast", "closed"]))
    def get_mode(self, request) -> str:
        now = self.context["now"]
        if request.effective_status(now) != GigRequest.Status.OPEN:
            return "closed"
        return "broadcast" if services.in_broadcast_mode(request, now) else "call_list"

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_counts(self, request) -> dict:
        now = self.context["now"]
        counts = dict.fromkeys(selectors.DISPLAY_STATES, 0)
        for invitation in request.invitations.all():
            counts[selectors.display_state(invitation, now)] += 1
        return counts

    def get_widened_into(self, request) -> int | None:
        return self.context.get("widened_into")

    def get_can_cancel(self, request) -> bool:
        return request.effective_status(self.context["now"]) == GigRequest.Status.OPEN

    def get_can_widen(self, request) -> bool:
        now = self.context["now"]
        if self.context.get("widened_into"):
            return False
        status = request.effective_status(now)
        if status == GigRequest.Status.EXPIRED:
            return True
        if status != GigRequest.Status.OPEN:
            return False
        return not any(i.effective_status(now) in Invitation.PENDING_STATUSES for i in request.invitations.all())

    def get_server_time(self, request) -> str:
        return self.context["now"].isoformat()


class GigOfferSerializer(serializers.ModelSerializer):
    """An invitation as the invited musician sees it."""

    status = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    instrument = GigInstrumentSerializer()
    producer = serializers.CharField(source="request.producer.full_name")
    title = serializers.CharField(source="request.title")
    kind = serializers.CharField(source="request.kind")
    venue = GigVenueSerializer(source="request.venue", allow_null=True)
    time_zone = serializers.CharField(source="request.time_zone")
    starts_at = serializers.DateTimeField(source="request.starts_at")
    ends_at = serializers.DateTimeField(source="request.ends_at")
    brief_style = serializers.CharField(source="request.brief_style")
    brief_approach = serializers.CharField(source="request.brief_approach")
    brief_notes = serializers.CharField(source="request.brief_notes")
    currency = serializers.CharField(source="request.currency")
    fee_basis = serializers.CharField(source="request.fee_basis")
    offered_rate = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = Invitation
        fields = ["id", "status", "instrument", "producer", "title", "kind", "venue", "time_zone", "starts_at", "ends_at",
                  "brief_style", "brief_approach", "brief_notes", "currency", "fee_basis", "offered_rate", "sent_at",
                  "deadline", "seconds_left", "seen_at", "answered_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Invitation.Status.choices))
    def get_status(self, invitation) -> str:
        now = self.context["now"]
        if invitation.status in Invitation.OPEN_STATUSES and invitation.request.effective_status(now) == GigRequest.Status.EXPIRED:
            return Invitation.Status.TIMED_OUT
        return invitation.effective_status(now)

    def get_seconds_left(self, invitation) -> int | None:
        now = self.context["now"]
        if self.get_status(invitation) not in Invitation.OPEN_STATUSES:
            return None
        return max(int((invitation.deadline - now).total_seconds()), 0)


class GigOfferActionResultSerializer(serializers.Serializer):
    offer = GigOfferSerializer()
    booking_id = serializers.IntegerField(allow_null=True)


class GigFavouriteSerializer(serializers.ModelSerializer):
    instrument = GigInstrumentSerializer()
    musician = serializers.SerializerMethodField()

    class Meta:
        model = Favourite
        fields = ["id", "instrument", "musician", "position", "note", "created_at"]

    @extend_schema_field(GigMusicianSerializer)
    def get_musician(self, favourite) -> dict:
        return _musician_brief(favourite.musician)
