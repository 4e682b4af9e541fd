"""Holds API: ``/api/holds/`` (list, place), ``/api/holds/<id>/`` and its actions. Thin: parse, call
one service, render. Only the two parties see a hold; everyone else gets 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors, services
from bookings.api import hold_serializers as s
from gigbook.core import clock
from gigbook.core.api import validated_or_400
from gigbook.core.pagination import PageNumberPagination, paginated_response

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, errors: {field: [messages]}}"),
    403: OpenApiResponse(description="Not allowed for your side of the hold"),
    404: OpenApiResponse(description="No such hold (or not yours)"),
    409: OpenApiResponse(description="Not possible in the hold's current state or rank, or the time is taken"),
}


def _detail(request, hold_id: int, *, status_code: int = 200) -> Response:
    hold = selectors.hold_get_for_user(user=request.user, hold_id=hold_id)
    data = s.HoldDetailSerializer(hold, context={"request": request, "now": clock.now()}).data
    return Response(data, status=status_code)


class HoldListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["holds"], parameters=[s.HoldListQuerySerializer],
                   responses={200: s.HoldSerializer(many=True), 400: ERRORS[400]},
                   summary="Your holds (pencils), as producer and/or musician; ?date= for all holds on one day")
    def get(self, request):
        query = s.HoldListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        qs = selectors.hold_list_for_user(user=request.user, role=data.get("role"), day=data.get("date"),
                                          open_only=data["open"])
        return paginated_response(self, request, qs, s.HoldSerializer, context={"request": request, "now": clock.now()})

    @extend_schema(tags=["holds"], request=s.HoldInputSerializer, responses={201: s.HoldDetailSerializer, **ERRORS},
                   summary="Pencil a musician (producers): a ranked hold that lapses unless confirmed")
    def post(self, request):
        data = validated_or_400(s.HoldInputSerializer(data=request.data),
                                lambda values: services.booking_problems(producer=request.user, values=values))
        for term in ("rate", "cartage_fee", "travel_fee", "per_diem"):
            if data.get(term) is None:
                data.pop(term, None)
        if not data.get("per_diem_days"):
            data.pop("per_diem_days", None)
        hold = services.hold_place(producer=request.user, musician_profile_id=data.pop("musician"), **data)
        response = _detail(request, hold.pk, status_code=status.HTTP_201_CREATED)
        response["Location"] = f"/api/holds/{hold.pk}/"
        return response


class HoldDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["holds"], responses={200: s.HoldDetailSerializer, 404: ERRORS[404]},
                   summary="One hold, with every open hold on the same time")
    def get(self, request, pk: int):
        return _detail(request, pk)


_ACTION = {"tags": ["holds"], "responses": {200: s.HoldDetailSerializer, **ERRORS}}


class HoldAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=None, summary="Keep the time for the producer (musician): the hold is held")
    def post(self, request, pk: int):
        services.hold_accept(hold_id=pk, actor=request.user)
        return _detail(request, pk)


class HoldDeclineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=None, summary="Decline a requested hold (musician)")
    def post(self, request, pk: int):
        services.hold_decline(hold_id=pk, actor=request.user)
        return _detail(request, pk)


class HoldReleaseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=None, summary="Release a hold (either side); the holds below move up")
    def post(self, request, pk: int):
        services.hold_release(hold_id=pk, actor=request.user)
        return _detail(request, pk)


class HoldChallengeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=s.HoldChallengeInputSerializer,
                   summary="Challenge the holds above yours (producer of a lower hold): they confirm or release "
                           "within the window, or are released and yours is confirmed")
    def post(self, request, pk: int):
        serializer = s.HoldChallengeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.hold_challenge(hold_id=pk, actor=request.user, window_hours=serializer.validated_data["window_hours"])
        return _detail(request, pk)


class HoldConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(**_ACTION, request=None,
                   summary="Confirm the 1st hold (producer): it becomes an accepted booking (see `booking`)")
    def post(self, request, pk: int):
        services.hold_confirm(hold_id=pk, actor=request.user)
        return _detail(request, pk)
