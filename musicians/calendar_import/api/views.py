"""The musician's imported calendars: list, add, remove, sync now."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gigbook.core.pagination import paginated_response
from musicians import services as musician_services
from musicians.api.views import IsMusician
from musicians.calendar_import import selectors, services
from musicians.calendar_import.api.serializers import CalendarInSerializer, CalendarOutSerializer
from musicians.calendar_import.models import ImportedCalendar

TAGS = ["calendar import"]


class MyCalendarsView(generics.GenericAPIView):
    """Calendars the musician imports busy time from (Google, iCloud, Outlook: any ICS address)."""

    permission_classes = [IsAuthenticated, IsMusician]
    serializer_class = CalendarOutSerializer
    queryset = ImportedCalendar.objects.none()  # for the schema; get() scopes to the owner

    @extend_schema(responses=CalendarOutSerializer(many=True), tags=TAGS)
    def get(self, request):
        return paginated_response(self, request, selectors.calendars_for_owner(user_id=request.user.pk),
                                  CalendarOutSerializer)

    @extend_schema(request=CalendarInSerializer, responses={201: CalendarOutSerializer}, tags=TAGS)
    def post(self, request):
        serializer = CalendarInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        calendar = services.calendar_add(profile=musician_services.profile_start(user=request.user),
                                         **serializer.validated_data)
        return Response(CalendarOutSerializer(calendar).data, status=status.HTTP_201_CREATED)


class MyCalendarDetailView(APIView):
    permission_classes = [IsAuthenticated, IsMusician]

    @extend_schema(request=None, responses={204: None}, tags=TAGS)
    def delete(self, request, calendar_id: int):
        services.calendar_remove(profile=musician_services.profile_start(user=request.user), calendar_id=calendar_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyCalendarSyncView(APIView):
    permission_classes = [IsAuthenticated, IsMusician]

    @extend_schema(request=None, responses={202: CalendarOutSerializer}, tags=TAGS,
                   description="Read the calendar again soon (in the background); its state shows the result.")
    def post(self, request, calendar_id: int):
        calendar = services.calendar_sync_request(profile=musician_services.profile_start(user=request.user),
                                                  calendar_id=calendar_id)
        return Response(CalendarOutSerializer(calendar).data, status=status.HTTP_202_ACCEPTED)
