"""Engagements API: ``/api/engagements/`` (list, offer), ``check/`` (per-date conflicts before
sending), ``<id>/`` and the musician's and either party's actions. Thin: parse, call one service,
render. Only the two parties see an engagement; everyone else gets 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.engagements import selectors, services
from bookings.engagements.api import serializers as s
from gigbook.core import clock
from gigbook.core.pagination import PageNumberPagination, paginated_response

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, errors: {field: [messages]}}"),
    403: OpenApiResponse(description="Not allowed for your side of the engagement"),
    404: OpenApiResponse(description="No such engagement (or not yours)"),
    409: OpenApiResponse(description="Not possible now: already answered, expired, withdrawn, a date is taken or "
                                     "no longer open, or only all dates may be accepted (`partial_not_allowed`)"),
}
TAGS = ["engagements"]


def _detail(request, engagement_id: int, *, status_code: int = 200) -> Response:
    engagement = selectors.engagement_get_for_user(user=request.user, engagement_id=engagement_id)
    data = s.EngagementSerializer(engagement, context={"request": request, "now": clock.now()}).data
    return Response(data, status=status_code)


def _dates(data: dict) -> list[dict]:
    # Unset optional terms fall back to the musician's published figures inside the service.
    return [{key: value for key, value in date.items() if value is not None} for date in data.pop("dates")]


class EngagementListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=TAGS, parameters=[s.EngagementListQuerySerializer],
                   responses={200: s.EngagementSerializer(many=True), 400: ERRORS[400]},
                   summary="Your multi-date engagements, as producer and/or musician")
    def get(self, request):
        query = s.EngagementListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.engagement_list_for_user(user=request.user, role=query.validated_data.get("role"))
        return paginated_response(self, request, qs, s.EngagementSerializer,
                                  context={"request": request, "now": clock.now()})

    @extend_schema(tags=TAGS, request=s.EngagementInputSerializer,
                   responses={201: s.EngagementSerializer, **ERRORS},
                   summary="Offer a musician several dates at once (producers): each date its own booking")
    def post(self, request):
        serializer = s.EngagementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        dates = _dates(data)
        engagement = services.engagement_offer(producer=request.user, musician_profile_id=data.pop("musician"),
                                               dates=dates, **data)
        response = _detail(request, engagement.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = f"/api/engagements/{engagement.pk}/"
        return response


class EngagementCheckView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, request=s.EngagementCheckInputSerializer,
                   responses={200: s.EngagementCheckSerializer, 400: ERRORS[400], 403: ERRORS[403]},
                   summary="Before sending: price each date and say per date whether the musician is free")
    def post(self, request):
        serializer = s.EngagementCheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        dates = _dates(data)
        result = services.engagement_preview(producer=request.user, musician_profile_id=data.pop("musician"),
                                             dates=dates, **data)
        return Response(s.EngagementCheckSerializer(result).data)


class EngagementDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=TAGS, responses={200: s.EngagementSerializer, 404: ERRORS[404]},
                   summary="One engagement with the status, fee and terms of each date")
    def get(self, request, pk: int):
        return _detail(request, pk)


_ACTION = {"tags": TAGS, "responses": {200: s.EngagementSerializer, **ERRORS}}


class EngagementAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=s.EngagementAcceptInputSerializer,
                   summary="Accept every date, or (if the producer allows it) the chosen ones; the rest are declined "
                           "(musician)")
    def post(self, request, pk: int):
        serializer = s.EngagementAcceptInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.engagement_accept(engagement_id=pk, actor=request.user, **serializer.validated_data)
        return _detail(request, pk)


class EngagementDeclineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=s.EngagementNoteInputSerializer, summary="Decline every date (musician)")
    def post(self, request, pk: int):
        serializer = s.EngagementNoteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.engagement_decline(engagement_id=pk, actor=request.user, **serializer.validated_data)
        return _detail(request, pk)


class EngagementCancelDateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=s.EngagementCancelDateInputSerializer,
                   summary="Cancel one accepted date (either party) under that date's cancellation terms")
    def post(self, request, pk: int):
        serializer = s.EngagementCancelDateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.engagement_cancel_date(engagement_id=pk, booking_id=data["booking"], actor=request.user,
                                        reason=data["reason"], expected_fee=data["expected_fee"])
        return _detail(request, pk)


class EngagementWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=s.EngagementWithdrawInputSerializer,
                   summary="Withdraw an unanswered engagement, or some of its open dates (producer); one message "
                           "to the musician names the dates")
    def post(self, request, pk: int):
        serializer = s.EngagementWithdrawInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.engagement_withdraw(engagement_id=pk, actor=request.user, **serializer.validated_data)
        return _detail(request, pk)
