"""Trust API. Thin: parse with an input serializer, call one service or selector, render.

/api/moderation/... is for moderators only (staff with trust.moderate_profile; 403 for anyone
else). Reviews, reports, endorsements and recommendations are for signed-in users, scoped to
what each may see (strangers get 404).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gigbook.core.errors import NotFound
from gigbook.core.pagination import PageNumberPagination, paginated_response
from musicians.models import MusicianProfile
from trust import selectors, services
from trust.api import serializers as s
from trust.models import AuditEntry, Report, Review
from trust.permissions import HIDE_REVIEWS, RESOLVE_FLAGS, RESOLVE_REPORTS, can_moderate, staff_can

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, errors: {field: [messages]}}"),
    403: OpenApiResponse(description="Not allowed"),
    404: OpenApiResponse(description="Not found (or not yours)"),
    409: OpenApiResponse(description="Not possible in the current state"),
}


class IsModerator(BasePermission):
    message = "Only moderators can do this."

    def has_permission(self, request, view):
        return can_moderate(request.user)


class StaffPermission(IsModerator):
    """A moderator who also holds ``perm`` (e.g. resolving reports)."""

    perm = ""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and staff_can(request.user, self.perm)


class CanResolveReports(StaffPermission):
    perm = RESOLVE_REPORTS


class CanHideReviews(StaffPermission):
    perm = HIDE_REVIEWS


class CanResolveFlags(StaffPermission):
    perm = RESOLVE_FLAGS


def _page(view: APIView, request, qs, serializer_class, **context) -> Response:
    return paginated_response(view, request, qs, serializer_class, context={"request": request, **context})


def _source(request) -> str:
    return AuditEntry.Source.API


# --- Moderation: profiles ------------------------------------------------------------------------


class ProfileQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MusicianProfile.Status.choices, required=False)


class ModerationProfileListView(APIView):
    permission_classes = [IsModerator]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["moderation"], parameters=[ProfileQuerySerializer],
                   responses={200: s.ModerationProfileSerializer(many=True), 403: ERRORS[403]},
                   summary="Profiles by status; pending ones oldest first (the queue)")
    def get(self, request):
        query = ProfileQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.moderation_profiles(status=query.validated_data.get("status"))
        return _page(self, request, qs, s.ModerationProfileSerializer)


class ModerationProfileDetailView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(tags=["moderation"], responses={200: s.ModerationProfileDetailSerializer, **ERRORS},
                   summary="One profile with what changed since it was last approved")
    def get(self, request, pk: int):
        return Response(s.ModerationProfileDetailSerializer(selectors.moderation_profile_get(profile_id=pk)).data)


def _profile_response(pk: int, code: int = 200) -> Response:
    return Response(s.ModerationProfileSerializer(selectors.moderation_profile_get(profile_id=pk)).data, status=code)


class ApproveView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(tags=["moderation"], request=None, responses={200: s.ModerationProfileSerializer, **ERRORS},
                   summary="Approve (publish) a pending profile")
    def post(self, request, pk: int):
        services.moderation_approve(profile_id=pk, by=request.user, source=_source(request))
        return _profile_response(pk)


class RejectView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(tags=["moderation"], request=s.RejectInSerializer,
                   responses={200: s.ModerationProfileSerializer, **ERRORS},
                   summary="Reject a pending profile with a reason the musician reads")
    def post(self, request, pk: int):
        data = s.RejectInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.moderation_reject(profile_id=pk, by=request.user, source=_source(request), **data.validated_data)
        return _profile_response(pk)


class SuspendView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(tags=["moderation"], request=s.SuspendInSerializer,
                   responses={200: s.SuspendOutSerializer, **ERRORS},
                   summary="Suspend a profile: hidden at once, open offers withdrawn, bookings flagged")
    def post(self, request, pk: int):
        data = s.SuspendInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _profile, effects = services.moderation_suspend(profile_id=pk, by=request.user, source=_source(request),
                                                        **data.validated_data)
        return Response({
            "profile": s.ModerationProfileSerializer(selectors.moderation_profile_get(profile_id=pk)).data,
            "withdrawn_bookings": effects.withdrawn,
            "flagged_bookings": effects.flagged,
            "producers_told": len(effects.producers_told),
        })


class UnsuspendView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(tags=["moderation"], request=None, responses={200: s.ModerationProfileSerializer, **ERRORS},
                   summary="Lift a suspension")
    def post(self, request, pk: int):
        services.moderation_unsuspend(profile_id=pk, by=request.user, source=_source(request))
        return _profile_response(pk)


class BulkView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(tags=["moderation"], request=s.BulkInSerializer, responses={200: s.BulkOutSerializer, **ERRORS},
                   summary="Approve, reject, suspend or reinstate several profiles; each one on its own")
    def post(self, request):
        data = s.BulkInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = services.moderation_bulk(
            action=values["action"], profile_ids=values["ids"], by=request.user,
            reason_code=values.get("reason_code", ""), details=values.get("details", ""), source=_source(request),
        )
        return Response({"done": result.done, "failed": {str(k): v for k, v in result.failed.items()}})


# --- Moderation: reports, reviews, flags, audit --------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Report.Status.choices, required=False)
    profile = serializers.IntegerField(min_value=1, required=False)


class ModerationReportListView(APIView):
    permission_classes = [IsModerator]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["moderation"], parameters=[ReportQuerySerializer],
                   responses={200: s.ReportSerializer(many=True), 403: ERRORS[403]}, summary="Reports, newest first")
    def get(self, request):
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.report_list(status=query.validated_data.get("status"),
                                   profile_id=query.validated_data.get("profile"))
        return _page(self, request, qs, s.ReportSerializer)


class ModerationReportResolveView(APIView):
    permission_classes = [CanResolveReports]

    @extend_schema(tags=["moderation"], request=s.ResolveInSerializer, responses={200: s.ReportSerializer, **ERRORS},
                   summary="Resolve a report; the reporter is told the outcome")
    def post(self, request, pk: int):
        data = s.ResolveInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.report_resolve(report_id=pk, by=request.user, source=_source(request), **data.validated_data)
        return Response(s.ReportSerializer(selectors.report_list().get(pk=report.pk)).data)


class ModerationReviewListView(APIView):
    permission_classes = [IsModerator]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["moderation"], responses={200: s.ReviewSerializer(many=True), 403: ERRORS[403]},
                   summary="All reviews, newest first (blind ones included)")
    def get(self, request):
        qs = Review.objects.select_related("author", "subject", "booking__instrument").order_by("-created_at", "-id")
        return _page(self, request, qs, s.ReviewSerializer)


class ModerationReviewHideView(APIView):
    permission_classes = [CanHideReviews]

    @extend_schema(tags=["moderation"], request=s.HideInSerializer, responses={200: s.ReviewSerializer, **ERRORS},
                   summary="Hide a review (the author is told why)")
    def post(self, request, pk: int):
        data = s.HideInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_hide(review_id=pk, by=request.user, reason=data.validated_data["reason"],
                             source=_source(request))
        review = Review.objects.select_related("author", "subject", "booking__instrument").get(pk=pk)
        return Response(s.ReviewSerializer(review).data)


class ModerationReviewRestoreView(APIView):
    permission_classes = [CanHideReviews]

    @extend_schema(tags=["moderation"], request=None, responses={200: s.ReviewSerializer, **ERRORS},
                   summary="Show a hidden review again")
    def post(self, request, pk: int):
        services.review_restore(review_id=pk, by=request.user, source=_source(request))
        review = Review.objects.select_related("author", "subject", "booking__instrument").get(pk=pk)
        return Response(s.ReviewSerializer(review).data)


class FlagQuerySerializer(serializers.Serializer):
    open = serializers.BooleanField(required=False, default=True)


class ModerationFlagListView(APIView):
    permission_classes = [IsModerator]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["moderation"], parameters=[FlagQuerySerializer],
                   responses={200: s.FlagSerializer(many=True), 403: ERRORS[403]},
                   summary="Bookings flagged for an admin (e.g. their musician was suspended)")
    def get(self, request):
        query = FlagQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return _page(self, request, selectors.flag_list(open_only=query.validated_data["open"]), s.FlagSerializer)


class ModerationFlagResolveView(APIView):
    permission_classes = [CanResolveFlags]

    @extend_schema(tags=["moderation"], request=s.FlagResolveInSerializer, responses={200: s.FlagSerializer, **ERRORS},
                   summary="Record how a flagged booking was handled")
    def post(self, request, pk: int):
        data = s.FlagResolveInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.flag_resolve(flag_id=pk, by=request.user, resolution=data.validated_data["resolution"],
                              source=_source(request))
        return Response(s.FlagSerializer(selectors.flag_list(open_only=False).get(pk=pk)).data)


class ModerationAuditListView(APIView):
    permission_classes = [IsModerator]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["moderation"], responses={200: s.AuditEntrySerializer(many=True), 403: ERRORS[403]},
                   summary="The audit log, newest first")
    def get(self, request):
        return _page(self, request, selectors.audit_list(), s.AuditEntrySerializer)


# --- Reports (signed-in users) -------------------------------------------------------------------


class ReportListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["reports"], responses={200: s.MyReportSerializer(many=True)},
                   summary="Reports you have sent, with their outcome")
    def get(self, request):
        return _page(self, request, selectors.reports_for_user(user=request.user), s.MyReportSerializer)

    @extend_schema(tags=["reports"], request=s.ReportInSerializer,
                   responses={201: s.MyReportSerializer, **ERRORS,
                              429: OpenApiResponse(description="Too many reports in a short time")},
                   summary="Report a profile or a review to the moderators")
    def post(self, request):
        data = s.ReportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = services.report_create(
            reporter=request.user, reason=values["reason"], details=values.get("details", ""),
            profile_id=values.get("profile"), review_id=values.get("review"),
        )
        return Response(s.MyReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- Reviews -------------------------------------------------------------------------------------


class ReviewQuerySerializer(serializers.Serializer):
    subject = serializers.IntegerField(min_value=1, required=False, help_text="A user's id")
    musician = serializers.IntegerField(min_value=1, required=False, help_text="A musician profile's id")


def _review_qs(qs):
    return qs.select_related("author", "subject", "booking__instrument")


class ReviewListCreateView(APIView):
    pagination_class = PageNumberPagination

    def get_permissions(self):
        # Reviews of musicians are public, like their profiles; writing needs an account.
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(tags=["reviews"], parameters=[ReviewQuerySerializer],
                   responses={200: s.ReviewSerializer(many=True), 400: ERRORS[400]},
                   summary="Visible reviews about a musician (public) or a user (signed in)")
    def get(self, request):
        query = ReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        if "musician" in values:
            qs = selectors.reviews_visible(profile_id=values["musician"])
            qs = qs.filter(subject__musician_profile__status=MusicianProfile.Status.APPROVED)
        elif "subject" in values and request.user.is_authenticated:
            qs = selectors.reviews_visible(subject_id=values["subject"])
        else:
            raise NotFound("Give ?musician=<profile id>, or sign in and give ?subject=<user id>.")
        return _page(self, request, qs, s.ReviewSerializer)

    @extend_schema(tags=["reviews"], request=s.ReviewInSerializer, responses={201: s.ReviewSerializer, **ERRORS},
                   summary="Review the other side of a completed booking (once, within 30 days)")
    def post(self, request):
        data = s.ReviewInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        review = services.review_create(author=request.user, booking_id=values["booking"], rating=values["rating"],
                                        text=values.get("text", ""), aspects=values.get("aspects"))
        review = _review_qs(Review.objects.filter(pk=review.pk)).get()
        return Response(s.ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


class MyReviewsView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["reviews"], responses={200: s.ReviewSerializer(many=True)},
                   summary="Reviews you wrote, and reviews of you once they are visible")
    def get(self, request):
        return _page(self, request, selectors.reviews_for_user(user=request.user), s.ReviewSerializer)


class ToReviewView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["reviews"], responses={200: s.ToReviewSerializer(many=True)},
                   summary="Completed bookings you can still review")
    def get(self, request):
        return _page(self, request, selectors.bookings_to_review(user=request.user), s.ToReviewSerializer)


class ReplyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["reviews"], request=s.ReplyInSerializer, responses={200: s.ReviewSerializer, **ERRORS},
                   summary="Reply once to a review of you")
    def post(self, request, pk: int):
        data = s.ReplyInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_reply(author=request.user, review_id=pk, text=data.validated_data["text"])
        return Response(s.ReviewSerializer(_review_qs(Review.objects.filter(pk=pk)).get()).data)


# --- Word of mouth -------------------------------------------------------------------------------


class EndorsementQuerySerializer(serializers.Serializer):
    profile = serializers.IntegerField(min_value=1)


class EndorsementListCreateView(APIView):
    pagination_class = PageNumberPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(tags=["endorsements"], parameters=[EndorsementQuerySerializer],
                   responses={200: s.EndorsementSerializer(many=True), 400: ERRORS[400]},
                   summary="Who vouches for a musician, for what")
    def get(self, request):
        query = EndorsementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile_id = query.validated_data["profile"]
        if not MusicianProfile.objects.filter(pk=profile_id, status=MusicianProfile.Status.APPROVED).exists():
            raise NotFound("No such musician.")
        return _page(self, request, selectors.endorsements_for_profile(profile_id=profile_id), s.EndorsementSerializer)

    @extend_schema(tags=["endorsements"], request=s.EndorsementInSerializer,
                   responses={201: s.EndorsementSerializer, **ERRORS},
                   summary="Vouch for a musician you have played with (one instrument or genre)")
    def post(self, request):
        data = s.EndorsementInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        endorsement = services.endorsement_create(
            endorser=request.user, profile_id=values["profile"], instrument=values.get("instrument"),
            genre=values.get("genre"), note=values.get("note", ""),
        )
        endorsement = selectors.endorsements_for_profile(profile_id=values["profile"]).get(pk=endorsement.pk)
        return Response(s.EndorsementSerializer(endorsement).data, status=status.HTTP_201_CREATED)


class EndorsementDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["endorsements"], responses={204: None, 404: ERRORS[404]}, summary="Take back your endorsement")
    def delete(self, request, pk: int):
        services.endorsement_withdraw(endorser=request.user, endorsement_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReputationView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=["endorsements"], responses={200: s.ReputationSerializer, 404: ERRORS[404]},
                   summary="A musician's figures: rating, gigs completed, rehired by, vouches")
    def get(self, request, profile_id: int):
        from musicians.selectors import profile_get_public

        profile = profile_get_public(profile_id=profile_id, viewer=request.user)
        rep = selectors.profile_reputation(profile=profile)
        return Response(s.ReputationSerializer({
            "profile": profile.pk, "rating_avg": rep.rating_avg, "rating_count": rep.rating_count,
            "gigs_completed": rep.gigs_completed, "rehired_by": rep.rehired_by, "vouches": rep.vouches,
        }).data)


class RecommendationListCreateView(APIView):
    pagination_class = PageNumberPagination

    def get_permissions(self):
        # Creating may be authorised by the offer's phone-link token instead of a session.
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(tags=["recommendations"], responses={200: s.RecommendationSerializer(many=True)},
                   summary="Recommendations you received (producer) or made (musician)")
    def get(self, request):
        return _page(self, request, selectors.recommendations_for_user(user=request.user), s.RecommendationSerializer)

    @extend_schema(tags=["recommendations"], request=s.RecommendationInSerializer,
                   responses={201: s.RecommendationSerializer, **ERRORS, 401: OpenApiResponse(description="Sign in"),
                              410: OpenApiResponse(description="The phone link's token has expired")},
                   summary="After declining an offer, recommend a colleague to the producer")
    def post(self, request):
        from bookings.phone import OFFER_PURPOSE
        from gigbook.core.tokens import action_token_read

        data = s.RecommendationInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        token = action_token_read(values["token"], purpose=OFFER_PURPOSE) if values.get("token") else None
        if token is None and not request.user.is_authenticated:
            from rest_framework.exceptions import NotAuthenticated

            raise NotAuthenticated()
        rec = services.recommendation_create(
            booking_id=values["booking"], recommended_profile_id=values["recommended"], note=values.get("note", ""),
            actor=request.user if request.user.is_authenticated else None, token=token,
        )
        rec = selectors.recommendations_for_user(user=rec.recommender).get(pk=rec.pk)
        return Response(s.RecommendationSerializer(rec).data, status=status.HTTP_201_CREATED)


class SendOfferView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["recommendations"], request=s.SendOfferInSerializer,
                   responses={201: s.SentOfferSerializer, **ERRORS},
                   summary="Send the recommended musician the declined offer (one tap; repeat-safe)")
    def post(self, request, pk: int):
        data = s.SendOfferInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.recommendation_send_offer(recommendation_id=pk, actor=request.user,
                                                     expires_at=data.validated_data.get("expires_at"))
        return Response(s.SentOfferSerializer(booking).data, status=status.HTTP_201_CREATED)


class DismissView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["recommendations"], request=None, responses={200: s.RecommendationSerializer, **ERRORS},
                   summary="No thanks")
    def post(self, request, pk: int):
        services.recommendation_dismiss(recommendation_id=pk, actor=request.user)
        rec = selectors.recommendations_for_user(user=request.user).get(pk=pk)
        return Response(s.RecommendationSerializer(rec).data)

