"""GET /api/places/?q=…: what a typed postcode or town could mean, for the venue form's suggestions."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from gigbook.core.errors import ValidationFailed
from gigbook.core.pagination import PageNumberPagination, paginated_response
from gigbook.places.gazetteer import PlaceNotFound, place_resolve, place_search

MAX_RESULTS = 10


class PlaceQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=100, help_text="What was typed: a UK postcode (NW8 9AY), its first part "
                              "(NW8) or a town.", error_messages={
                                  "required": "Type a postcode or a town.", "blank": "Type a postcode or a town.",
                                  "max_length": "That is too long for a place: type a postcode or a town."})


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="What to show, and what to send back as a venue's place.")
    kind = serializers.ChoiceField(choices=["postcode", "district", "town"])
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    time_zone = serializers.CharField()
    country = serializers.CharField(help_text="Two-letter country code.")


class PlaceSearchView(APIView):
    permission_classes = [IsAuthenticated]
    pagination_class = PageNumberPagination

    @extend_schema(tags=["places"], parameters=[PlaceQuerySerializer], responses={200: PlaceSerializer(many=True)},
                   summary="Find a place by postcode or town",
                   description="Answered from the gazetteer shipped with the app (GB postcodes from Code-Point "
                               "Open, postcode districts, towns from GeoNames); no outside service. At most "
                               f"{MAX_RESULTS} places, best first. When nothing matches the answer is a 400 whose "
                               "message says why (a postcode that does not exist, an unknown name).")
    def get(self, request):
        query = PlaceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        typed = query.validated_data["q"]
        found = place_search(typed, limit=MAX_RESULTS)
        if not found:
            try:
                found = [place_resolve(typed)]
            except PlaceNotFound as exc:
                raise ValidationFailed("No place matches.", fields={"q": [str(exc)]}) from exc
        return paginated_response(self, request, found, PlaceSerializer)
