"""Short-notice API. Thin: parse with an input serializer, call one service, render.

Producers see only their own requests, musicians only the offers sent to them; everyone else
gets 404. Domain errors map to 400/403/404/409 in gigbook.core.api.
"""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.gigrequests import selectors, services
from bookings.gigrequests.api import serializers as s
from bookings.gigrequests.models import Invitation
from gigbook.core import clock
from gigbook.core.api import validated_or_400
from gigbook.core.errors import ValidationFailed
from gigbook.core.filters import StrictBooleanField
from gigbook.core.pagination import PageNumberPagination, paginated_response

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, errors: {field: [messages]}}"),
    403: OpenApiResponse(description="Not allowed for your role"),
    404: OpenApiResponse(description="No such request or offer (or not yours)"),
    409: OpenApiResponse(description="Not possible now: filled, timed out, closed or already answered"),
}


def request_detail_data(user, request_id: int) -> dict:
    now = clock.now()
    gig_request = selectors.gig_request_get_for_user(user=user, request_id=request_id)
    context = {"now": now, "widened_into": selectors.widened_into_id(gig_request)}
    return s.GigRequestDetailSerializer(gig_request, context=context).data


def _problems(producer):
    return lambda values: services.gig_request_problems(producer=producer, data=values)


class GigRequestListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["short-notice"], responses={200: s.GigRequestListSerializer(many=True)},
                   summary="Your short-notice requests, newest first")
    def get(self, request):
        qs = selectors.gig_request_list_for_producer(user=request.user)
        return paginated_response(self, request, qs, s.GigRequestListSerializer, context={"now": clock.now()})

    @extend_schema(
        tags=["short-notice"], request=s.GigRequestInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Retrying with the same key returns the first request (200).")],
        responses={201: s.GigRequestDetailSerializer, 200: s.GigRequestDetailSerializer, **ERRORS},
        summary="Post a short-notice request and start asking players",
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if key and not _IDEMPOTENCY_KEY.match(key):
            raise ValidationFailed(fields={"Idempotency-Key": ["Use 1 to 255 printable ASCII characters."]})
        data = validated_or_400(s.GigRequestInputSerializer(data=request.data), _problems(request.user))
        gig_request = services.gig_request_create(
            producer=request.user, data=data, idempotency_key=key
        )
        code = status.HTTP_200_OK if gig_request.replayed else status.HTTP_201_CREATED
        return Response(request_detail_data(request.user, gig_request.pk), status=code)


class GigRequestPreviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=s.GigRequestInputSerializer,
                   responses={200: s.GigRequestPreviewSerializer, **ERRORS},
                   summary="Who would be asked, in which order (nothing is saved or sent)")
    def post(self, request):
        data = validated_or_400(s.GigRequestInputSerializer(data=request.data), _problems(request.user))
        preview = services.gig_request_preview(producer=request.user, data=data)
        cleaned = preview["cleaned"]
        data = {
            "starts_at": cleaned["starts_at"], "ends_at": cleaned["ends_at"], "answer_by": cleaned["answer_by"],
            "time_zone": cleaned["time_zone"], "strategy": cleaned["strategy"], "first_time_box_seconds": preview["first_time_box_seconds"],
            "groups": preview["groups"], "ask_first": preview["ask_first"],
        }
        return Response(s.GigRequestPreviewSerializer(data).data)


class GigRequestDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], responses={200: s.GigRequestDetailSerializer, 404: ERRORS[404]},
                   summary="A request with its chairs and every invitee's live state")
    def get(self, request, pk: int):
        return Response(request_detail_data(request.user, pk))


class GigRequestCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=s.GigRequestCancelInputSerializer,
                   responses={200: s.GigRequestDetailSerializer, **ERRORS}, summary="Stop asking players")
    def post(self, request, pk: int):
        serializer = s.GigRequestCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.gig_request_cancel(request_id=pk, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(request_detail_data(request.user, pk))


class GigRequestWidenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=s.GigRequestWidenInputSerializer,
                   responses={201: s.GigRequestDetailSerializer, **ERRORS},
                   summary="Continue an expired request as a new one (more time, higher ceiling, broadcast)")
    def post(self, request, pk: int):
        serializer = s.GigRequestWidenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = services.gig_request_widen(request_id=pk, actor=request.user, data=dict(serializer.validated_data))
        return Response(request_detail_data(request.user, new.pk), status=status.HTTP_201_CREATED)


# --- Musicians' offers ---------------------------------------------------------------------------------


class OfferListView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=["short-notice"],
        parameters=[OpenApiParameter("all", bool, description="Include answered, timed-out and withdrawn offers.")],
        responses={200: s.GigOfferSerializer(many=True), 400: ERRORS[400]},
        summary="Your open short-notice offers, soonest deadline first",
    )
    def get(self, request):
        try:
            include_closed = bool(StrictBooleanField(required=False).clean(request.query_params.get("all")))
        except Exception as exc:
            raise ValidationFailed(fields={"all": ["Use true or false."]}) from exc
        now = clock.now()
        qs = selectors.offer_list_for_musician(user=request.user, now=now, include_closed=include_closed)
        return paginated_response(self, request, qs, s.GigOfferSerializer, context={"now": now})


class OfferDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], responses={200: s.GigOfferSerializer, 404: ERRORS[404]}, summary="One offer")
    def get(self, request, pk: int):
        invitation = selectors.offer_get_for_musician(user=request.user, invitation_id=pk)
        return Response(s.GigOfferSerializer(invitation, context={"now": clock.now()}).data)


class OfferSeenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=None, responses={200: s.GigOfferSerializer, 404: ERRORS[404]},
                   summary="Record that you opened the offer (the producer sees “seen”)")
    def post(self, request, pk: int):
        selectors.offer_get_for_musician(user=request.user, invitation_id=pk)
        services.invitation_mark_seen(invitation_id=pk, musician_id=request.user.pk)
        invitation = selectors.offer_get_for_musician(user=request.user, invitation_id=pk)
        return Response(s.GigOfferSerializer(invitation, context={"now": clock.now()}).data)


def _offer_result(request, invitation: Invitation) -> Response:
    fresh = selectors.offer_get_for_musician(user=request.user, invitation_id=invitation.pk)
    booking_id = fresh.chair.booking_id if fresh.chair_id else None
    data = {"offer": s.GigOfferSerializer(fresh, context={"now": clock.now()}).data, "booking_id": booking_id}
    return Response(data)


class OfferAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=None, responses={200: s.GigOfferActionResultSerializer, **ERRORS},
                   summary="Take the chair (409 if it has just been filled)")
    def post(self, request, pk: int):
        invitation = services.invitation_accept(invitation_id=pk, actor=request.user)
        return _offer_result(request, invitation)


class OfferDeclineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=s.GigOfferDeclineInputSerializer,
                   responses={200: s.GigOfferActionResultSerializer, **ERRORS}, summary="Say no (the list moves on)")
    def post(self, request, pk: int):
        serializer = s.GigOfferDeclineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_decline(invitation_id=pk, actor=request.user, note=serializer.validated_data["note"])
        return _offer_result(request, invitation)


# --- Favourites ------------------------------------------------------------------------------------------


class FavouriteListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=["short-notice"],
        parameters=[OpenApiParameter("instrument", str, description="Only this instrument's list (slug).")],
        responses={200: s.GigFavouriteSerializer(many=True)},
        summary="Your first-call players, per instrument in call order",
    )
    def get(self, request):
        slug = request.query_params.get("instrument", "")[:80] or None
        qs = selectors.favourite_list_for_producer(user=request.user, instrument_slug=slug)
        return paginated_response(self, request, qs, s.GigFavouriteSerializer)

    @extend_schema(tags=["short-notice"], request=s.GigFavouriteInputSerializer,
                   responses={201: s.GigFavouriteSerializer, **ERRORS}, summary="Add a first-call player (at the end)")
    def post(self, request):
        serializer = s.GigFavouriteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        favourite = services.favourite_add(
            producer=request.user, musician_profile_id=data["musician_profile"], instrument=data["instrument"],
            note=data["note"],
        )
        favourite = selectors.favourite_list_for_producer(user=request.user).get(pk=favourite.pk)
        return Response(s.GigFavouriteSerializer(favourite).data, status=status.HTTP_201_CREATED)


class FavouriteDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], responses={204: None, 404: ERRORS[404]}, summary="Remove a first-call player")
    def delete(self, request, pk: int):
        services.favourite_remove(producer=request.user, favourite_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FavouriteMoveView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["short-notice"], request=s.GigFavouriteMoveInputSerializer,
                   responses={200: s.GigFavouriteSerializer, **ERRORS}, summary="Move a first-call player (1 = first)")
    def post(self, request, pk: int):
        serializer = s.GigFavouriteMoveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.favourite_move(producer=request.user, favourite_id=pk, position=serializer.validated_data["position"])
        favourite = selectors.favourite_list_for_producer(user=request.user).get(pk=pk)
        return Response(s.GigFavouriteSerializer(favourite).data)
