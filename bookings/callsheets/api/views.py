"""``/api/bookings/<id>/call-sheet/``: the sheet, its versions and diffs, the producer's edit, the
player's confirm and drop-out. Thin: parse, call one service or selector, render. Only the
booking's two parties (and staff, read-only) see it; anyone else gets 404."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.callsheets import selectors, services
from bookings.callsheets.api import serializers as s
from gigbook.core.pagination import PageNumberPagination, paginated_response

CONFLICT = OpenApiResponse(description="The booking is finished or cancelled, the sheet changed since you read it, "
                                       "or the new time is taken (nothing was saved)")


def _sheet(request, pk: int, *, status_code: int = 200) -> Response:
    data = selectors.call_sheet_for_user(user=request.user, booking_id=pk)
    return Response(s.CallSheetSerializer(data).data, status=status_code)


class CallSheetView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["call sheets"], responses={200: s.CallSheetSerializer, 409: CONFLICT},
                   summary="The booking's call sheet (made on first use): the producer sees every player's "
                           "message state (sent, delivered, opened, confirmed); the player sees theirs")
    def get(self, request, pk: int):
        return _sheet(request, pk)

    @extend_schema(tags=["call sheets"], request=s.CallSheetEditSerializer,
                   responses={201: s.CallSheetSerializer, 409: CONFLICT},
                   summary="Change the call sheet (producer): a new version; a new time, venue or fee moves the "
                           "bookings and the players concerned must confirm again")
    def post(self, request, pk: int):
        serializer = s.CallSheetEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.call_sheet_edit(booking_id=pk, actor=request.user, **serializer.to_service_kwargs())
        return _sheet(request, pk, status_code=status.HTTP_201_CREATED)


class CallSheetVersionsView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["call sheets"], responses={200: s.CallSheetVersionSerializer(many=True), 409: CONFLICT},
                   summary="Every version, newest first, with its changes in plain words (a player sees theirs)")
    def get(self, request, pk: int):
        rows = selectors.versions_for_user(user=request.user, booking_id=pk)
        return paginated_response(self, request, rows, s.CallSheetVersionSerializer)


class CallSheetDiffView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["call sheets"], parameters=[s.CallSheetDiffQuerySerializer],
                   responses={200: s.CallSheetDiffSerializer, 409: CONFLICT},
                   summary="What changed from one version to another (default: from the first to the current)")
    def get(self, request, pk: int):
        query = s.CallSheetDiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = selectors.diff_for_user(user=request.user, booking_id=pk, since=query.validated_data["from"],
                                       until=query.validated_data["to"])
        return Response(s.CallSheetDiffSerializer(data).data)


class CallSheetConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["call sheets"], request=s.CallSheetConfirmSerializer,
                   responses={200: s.CallSheetSerializer, 409: CONFLICT},
                   summary="Confirm the changes up to a version (the player); a newer critical change is a 409")
    def post(self, request, pk: int):
        serializer = s.CallSheetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.call_sheet_confirm(booking_id=pk, actor=request.user, version=serializer.validated_data["version"])
        return _sheet(request, pk)


class CallSheetDropOutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["call sheets"], request=s.CallSheetDropOutSerializer,
                   responses={200: s.CallSheetSerializer, 409: CONFLICT},
                   summary="Drop out (the player cannot make the changed gig): the booking is cancelled under its "
                           "cancellation terms and the producer is told")
    def post(self, request, pk: int):
        serializer = s.CallSheetDropOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.call_sheet_drop_out(booking_id=pk, actor=request.user, **serializer.validated_data)
        return _sheet(request, pk)
