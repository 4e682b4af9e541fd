"""Bookings API. Thin: parse with an input serializer, call one service, render. Errors are domain
exceptions mapped to 400/403/404/409 by gigbook.core.api. Only the two parties (and staff) see a
booking; everyone else gets 404."""

from __future__ import annotations

import re

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import filetypes, selectors, services
from bookings.api import serializers as s
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.api import validated_or_400
from gigbook.core.errors import NotFound, ValidationFailed
from gigbook.core.pagination import PageNumberPagination, paginated_response
from gigbook.core.storage import private_download

_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

ERRORS = {
    400: OpenApiResponse(description="Invalid input: {detail, code, errors: {field: [messages]}}"),
    403: OpenApiResponse(description="Not allowed for your role"),
    404: OpenApiResponse(description="No such booking (or not yours)"),
    409: OpenApiResponse(description="Not possible in the booking's current state, or a scheduling conflict"),
}


def _detail(request, booking_id: int, *, status_code: int = 200, headers: dict | None = None) -> Response:
    booking = selectors.booking_get_for_user(user=request.user, booking_id=booking_id)
    data = s.BookingDetailSerializer(booking, context={"request": request, "now": clock.now()}).data
    return Response(data, status=status_code, headers=headers)


class BookingListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(
        tags=["bookings"],
        parameters=[s.BookingListQuerySerializer],
        responses={200: s.BookingListSerializer(many=True), 400: ERRORS[400]},
        summary="Your bookings, as producer and/or musician",
    )
    def get(self, request):
        query = s.BookingListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = clock.now()
        qs = selectors.booking_list_for_user(user=request.user, role=query.validated_data.get("role"),
                                             statuses=query.validated_data.get("status"), now=now)
        return paginated_response(self, request, qs, s.BookingListSerializer, context={"request": request, "now": now})

    @extend_schema(
        tags=["bookings"],
        request=s.BookingOfferInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
                                     description="Retry-safe offers: the same key returns the same booking.")],
        responses={201: s.BookingDetailSerializer, **ERRORS,
                   422: OpenApiResponse(description="Idempotency-Key reused with a different body")},
        summary="Make an offer to a musician (producers)",
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "")
        if key and not _IDEMPOTENCY_KEY.match(key):
            raise ValidationFailed(fields={"Idempotency-Key": ["Use 1-255 visible ASCII characters."]})
        data = validated_or_400(s.BookingOfferInputSerializer(data=request.data), _problems(request.user))
        booking = services.booking_offer(
            producer=request.user,
            musician_profile_id=data.pop("musician"),
            idempotency_key=key,
            fingerprint=services.request_fingerprint(request.data) if key else "",
            **data,
        )
        headers = {"Location": f"/api/bookings/{booking.pk}/"}
        if booking.replayed:
            headers["Idempotent-Replayed"] = "true"
        return _detail(request, booking.pk, status_code=status.HTTP_201_CREATED, headers=headers)


def _problems(producer):
    return lambda values: services.booking_problems(producer=producer, values=values)


class BookingQuoteView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["bookings"], request=s.BookingQuoteRequestSerializer,
                   responses={200: s.BookingQuoteResponseSerializer, **ERRORS},
                   summary="Price an offer and check the musician is free, without saving anything")
    def post(self, request):
        data = validated_or_400(s.BookingQuoteRequestSerializer(data=request.data), _problems(request.user))
        data.pop("expires_at", None)
        preview = services.booking_preview(producer=request.user, musician_profile_id=data.pop("musician"), **data)
        return Response(s.BookingQuoteResponseSerializer(preview).data)


class BookingDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["bookings"], responses={200: s.BookingDetailSerializer, 404: ERRORS[404]},
                   summary="One booking with its quote, history and materials")
    def get(self, request, pk: int):
        return _detail(request, pk)


class _ActionView(APIView):
    permission_classes = [IsAuthenticated]
    input_serializer = s.BookingNoteInputSerializer

    def act(self, request, pk: int, data: dict) -> None:
        raise NotImplementedError

    def post(self, request, pk: int):
        serializer = self.input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        response = self.act(request, pk, dict(serializer.validated_data))
        return response if response is not None else _detail(request, pk)


def _role(request, pk: int) -> str:
    """'producer' or 'musician' for a party; NotFound for anyone else (staff: 'staff')."""
    booking = Booking.objects.filter(pk=pk).values("producer_id", "musician_id").first()
    user = request.user
    if booking is None:
        raise NotFound("No such booking.")
    if user.pk == booking["producer_id"]:
        return "producer"
    if user.pk == booking["musician_id"]:
        return "musician"
    if user.is_staff:
        return "staff"
    raise NotFound("No such booking.")


_ACTION_SCHEMA = {"tags": ["bookings"], "responses": {200: s.BookingDetailSerializer, **ERRORS}}


class AcceptView(_ActionView):
    @extend_schema(**_ACTION_SCHEMA, request=None,
                   summary="Accept: the musician accepts an offer, or the producer accepts a counter-offer")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        booking = services.booking_accept_as_party(booking_id=pk, actor=request.user)
        # The response renders the booking the service returned (locked and written in its
        # transaction), not a second read of it.
        booking = selectors.booking_detail_complete(booking=booking)
        data = s.BookingDetailSerializer(booking, context={"request": request, "now": clock.now()}).data
        return Response(data)


class DeclineView(_ActionView):
    @extend_schema(**_ACTION_SCHEMA, request=s.BookingNoteInputSerializer,
                   summary="Decline: the musician declines an offer, or the producer declines a counter-offer")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        if _role(request, pk) == "producer":
            services.booking_decline_counter(booking_id=pk, actor=request.user, note=data["note"])
        else:
            services.booking_decline(booking_id=pk, actor=request.user, note=data["note"])


class CounterView(_ActionView):
    input_serializer = s.BookingCounterInputSerializer

    @extend_schema(**_ACTION_SCHEMA, request=s.BookingCounterInputSerializer, summary="Counter-offer other fee terms (musician)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        note = data.pop("note")
        terms = {key: value for key, value in data.items() if value is not None}
        services.booking_counter(booking_id=pk, actor=request.user, note=note, **terms)


class WithdrawView(_ActionView):
    @extend_schema(**_ACTION_SCHEMA, request=s.BookingNoteInputSerializer, summary="Withdraw an unanswered offer (producer)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        services.booking_withdraw(booking_id=pk, actor=request.user, note=data["note"])


class CancelView(_ActionView):
    input_serializer = s.BookingCancelInputSerializer

    @extend_schema(**_ACTION_SCHEMA, request=s.BookingCancelInputSerializer,
                   summary="Cancel an accepted booking (either party), with a reason")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        services.booking_cancel(booking_id=pk, actor=request.user, reason=data["reason"],
                                expected_fee=data["expected_fee"])


class CompleteView(_ActionView):
    @extend_schema(**_ACTION_SCHEMA, request=None, summary="Mark a finished booking completed (producer)")
    def post(self, request, pk: int):
        return super().post(request, pk)

    def act(self, request, pk, data):
        services.booking_complete(booking_id=pk, actor=request.user)


class CancellationPreviewView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["bookings"], responses={200: s.BookingCancellationPreviewSerializer, 404: ERRORS[404]},
                   summary="What cancelling now would owe the musician (show it before confirming)")
    def get(self, request, pk: int):
        booking = selectors.booking_get_for_user(user=request.user, booking_id=pk)
        charge = services.cancellation_preview(booking=booking, actor=request.user)
        return Response(s.BookingCancellationPreviewSerializer({
            "late": charge.late, "fee": charge.fee, "currency": booking.currency, "deadline": charge.deadline,
            "window_hours": booking.late_cancellation_window_hours,
        }).data)


class MaterialListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(tags=["bookings"], responses={200: s.BookingMaterialSerializer(many=True), 404: ERRORS[404]},
                   summary="Charts and references of a booking")
    def get(self, request, pk: int):
        materials = selectors.materials_for_user(user=request.user, booking_id=pk)
        return Response(s.BookingMaterialSerializer(materials, many=True).data)

    @extend_schema(tags=["bookings"], request={"multipart/form-data": s.BookingMaterialInputSerializer},
                   responses={201: s.BookingMaterialSerializer, **ERRORS},
                   summary="Upload a chart or reference (PDF, PNG, JPEG, MusicXML, MP3; at most 20 MB)")
    def post(self, request, pk: int):
        serializer = s.BookingMaterialInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        material = services.material_add(booking_id=pk, actor=request.user, upload=serializer.validated_data["file"],
                                         kind=serializer.validated_data["kind"])
        return Response(s.BookingMaterialSerializer(material).data, status=status.HTTP_201_CREATED)


class MaterialDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["bookings"], responses={**{(200, kind.content_type): OpenApiTypes.BINARY
                                                    for kind in filetypes.ALL_TYPES},
                                                 302: OpenApiResponse(description="With S3 storage: a signed URL "
                                                                      "valid for MATERIALS_URL_SECONDS"),
                                                 404: ERRORS[404]},
                   summary="Download a material (parties and staff only)")
    def get(self, request, pk: int, material_id: int):
        material = selectors.material_get_for_user(user=request.user, booking_id=pk, material_id=material_id)
        return private_download(material.file, filename=material.original_name, content_type=material.content_type)

    @extend_schema(tags=["bookings"], responses={204: None, **ERRORS}, summary="Remove a material you uploaded")
    def delete(self, request, pk: int, material_id: int):
        services.material_delete(booking_id=pk, material_id=material_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VenueListCreateView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["venues"], responses={200: s.VenueSerializer(many=True)}, summary="Your studios and venues")
    def get(self, request):
        return paginated_response(self, request, selectors.venues_for_owner(user=request.user), s.VenueSerializer)

    @extend_schema(tags=["venues"], request=s.VenueInputSerializer, responses={201: s.VenueSerializer, **ERRORS},
                   summary="Add a studio or venue (producers)")
    def post(self, request):
        serializer = s.VenueInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        venue = services.venue_create(owner=request.user, **serializer.validated_data)
        return Response(s.VenueSerializer(venue).data, status=status.HTTP_201_CREATED)


class VenueDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["venues"], responses={200: s.VenueSerializer, 404: ERRORS[404]})
    def get(self, request, pk: int):
        return Response(s.VenueSerializer(selectors.venue_get_for_owner(user=request.user, venue_id=pk)).data)

    @extend_schema(tags=["venues"], request=s.VenueUpdateSerializer, responses={200: s.VenueSerializer, **ERRORS})
    def patch(self, request, pk: int):
        serializer = s.VenueUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        venue = services.venue_update(owner=request.user, venue_id=pk, **serializer.validated_data)
        return Response(s.VenueSerializer(venue).data)

    @extend_schema(tags=["venues"], responses={204: None, **ERRORS})
    def delete(self, request, pk: int):
        services.venue_delete(owner=request.user, venue_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _feed_data(request, feed) -> dict:
    from django.urls import reverse

    url = request.build_absolute_uri(reverse("bookings:calendar-feed", kwargs={"token": feed.token}))
    return {"url": url, "webcal_url": re.sub(r"^https?://", "webcal://", url), "created_at": feed.created_at,
            "last_fetched_at": feed.last_fetched_at}


class CalendarFeedView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["calendar"], responses={200: s.CalendarFeedSerializer},
                   summary="Your private calendar subscription URL (created on first use)")
    def get(self, request):
        return Response(_feed_data(request, services.calendar_feed_get_or_create(user=request.user)))


class CalendarFeedRotateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["calendar"], request=None, responses={200: s.CalendarFeedSerializer},
                   summary="Revoke your calendar URL and get a new one")
    def post(self, request):
        return Response(_feed_data(request, services.calendar_feed_rotate(user=request.user)))

