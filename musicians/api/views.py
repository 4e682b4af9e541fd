"""Thin API views: parse with an input serializer, call one service or selector, render."""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gigbook.core.api import validated_or_400
from musicians import cache as search_cache
from musicians import selectors, services
from musicians.api.pagination import SearchPagination
from musicians.api.serializers import (
    BlockInSerializer,
    BlockOutSerializer,
    GenreSerializer,
    InstrumentSerializer,
    MusicianCardSerializer,
    OwnProfileSerializer,
    PhotoInSerializer,
    ProfileInSerializer,
    PublicProfileSerializer,
    SearchParamsSerializer,
)
from musicians.calendar_import import selectors as calendar_selectors
from musicians.models import MusicianProfile, UnavailabilityBlock

# Columns a search result card needs; the page query skips bio, notes and the search text.
CARD_COLUMNS = (
    "id", "user_id", "stage_name", "headline", "photo", "city", "latitude", "longitude", "travel_radius_km",
    "records_remotely", "willing_to_tour", "reads_notation", "reads_chords", "reads_nashville", "years_experience",
    "currency", "hourly_rate", "session_rate", "day_rate", "live_rate", "rating_avg", "rating_count",
)


class IsMusician(BasePermission):
    message = "Only musician accounts have a profile. Add the musician role in your account settings."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_musician)


def _own_profile(request):
    profile = selectors.profile_for_owner(user=request.user)
    if profile is None:
        profile = services.profile_start(user=request.user)
        profile = selectors.profile_for_owner(user=request.user)
    return profile


class MyProfileView(APIView):
    """The signed-in musician's own profile (created as an empty draft on first visit)."""

    permission_classes = [IsAuthenticated, IsMusician]

    @extend_schema(responses=OwnProfileSerializer, tags=["my profile"])
    def get(self, request):
        return Response(OwnProfileSerializer(_own_profile(request)).data)

    def _save(self, request, *, partial: bool):
        serializer = ProfileInSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.profile_update(user=request.user, changes=serializer.validated_data, replace=not partial)
        return Response(OwnProfileSerializer(selectors.profile_for_owner(user=request.user)).data)

    @extend_schema(request=ProfileInSerializer, responses=OwnProfileSerializer, tags=["my profile"],
                   description="Replace the whole editable profile; omitted fields become empty.")
    def put(self, request):
        return self._save(request, partial=False)

    @extend_schema(request=ProfileInSerializer, responses=OwnProfileSerializer, tags=["my profile"],
                   description="Change only the fields sent; nested lists sent are replaced as a whole.")
    def patch(self, request):
        return self._save(request, partial=True)


class MyProfileSubmitView(APIView):
    permission_classes = [IsAuthenticated, IsMusician]

    @extend_schema(request=None, responses={200: OwnProfileSerializer, 400: OpenApiResponse(description="Incomplete"),
                                            409: OpenApiResponse(description="Not submittable now")},
                   tags=["my profile"])
    def post(self, request):
        services.profile_submit(profile=_own_profile(request))
        return Response(OwnProfileSerializer(selectors.profile_for_owner(user=request.user)).data)


class MyProfilePhotoView(APIView):
    permission_classes = [IsAuthenticated, IsMusician]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": PhotoInSerializer}, responses=OwnProfileSerializer,
                   tags=["my profile"])
    def post(self, request):
        serializer = PhotoInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.profile_photo_set(user=request.user, upload=serializer.validated_data["photo"])
        return Response(OwnProfileSerializer(selectors.profile_for_owner(user=request.user)).data)

    @extend_schema(request=None, responses={200: OwnProfileSerializer}, tags=["my profile"])
    def delete(self, request):
        services.profile_photo_remove(user=request.user)
        return Response(OwnProfileSerializer(selectors.profile_for_owner(user=request.user)).data)


class MyUnavailabilityView(generics.GenericAPIView):
    """The musician's unavailability blocks; naive times are read in their own time zone."""

    permission_classes = [IsAuthenticated, IsMusician]
    serializer_class = BlockOutSerializer
    queryset = UnavailabilityBlock.objects.none()  # for the schema; get_queryset scopes to the owner

    def get_queryset(self):
        return selectors.blocks_for_owner(user=self.request.user)

    @extend_schema(responses=BlockOutSerializer(many=True), tags=["my profile"])
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BlockOutSerializer(page, many=True).data)

    @extend_schema(request=BlockInSerializer, responses={201: BlockOutSerializer}, tags=["my profile"])
    def post(self, request):
        serializer = BlockInSerializer(data=request.data)
        with timezone.override(request.user.zone):
            serializer.is_valid(raise_exception=True)
        block = services.block_create(profile=services.profile_start(user=request.user), **serializer.validated_data)
        return Response(BlockOutSerializer(block).data, status=status.HTTP_201_CREATED)


class MyUnavailabilityDetailView(APIView):
    permission_classes = [IsAuthenticated, IsMusician]

    @extend_schema(request=None, responses={204: None}, tags=["my profile"])
    def delete(self, request, block_id: int):
        services.block_delete(profile=services.profile_start(user=request.user), block_id=block_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InstrumentListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = InstrumentSerializer
    pagination_class = None
    queryset = selectors.instrument_list()

    @extend_schema(tags=["reference"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class GenreListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = GenreSerializer
    pagination_class = None
    queryset = selectors.genre_list()

    @extend_schema(tags=["reference"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MusicianSearchView(generics.GenericAPIView):
    """The directory: approved musicians only, no contact details. Open to everyone."""

    permission_classes = [AllowAny]
    serializer_class = MusicianCardSerializer
    pagination_class = SearchPagination
    queryset = MusicianProfile.objects.none()  # for the schema; get() asks musician_search

    @extend_schema(parameters=[SearchParamsSerializer], responses=MusicianCardSerializer(many=True), tags=["search"])
    def get(self, request):
        zone = request.user.zone if request.user.is_authenticated else timezone.get_default_timezone()
        # Looked up before validation: only answers to valid searches are stored, keyed by the
        # whole URL (it ends up in the "next"/"previous" links) and the zone naive times are read in.
        key = search_cache.page_key({"url": request.build_absolute_uri(), "zone": str(zone)})
        data, version = search_cache.lookup(key)
        if data is None:
            params = SearchParamsSerializer.from_query(request.query_params)
            with timezone.override(zone):
                validated_or_400(params)  # every bad filter in one answer
            kwargs = params.search_kwargs()
            # The account name rides on the page query (count() drops the unused join).
            queryset = (
                selectors.musician_search(**kwargs).select_related(None).prefetch_related(None).only(*CARD_COLUMNS)
                # The person's display name (every page shows that), else the full name.
                .annotate(full_name=Coalesce(NullIf(F("user__display_name"), Value("")), F("user__full_name")))
            )
            page = self.paginate_queryset(queryset)
            details = selectors.card_details([profile.pk for profile in page])
            for pid in calendar_selectors.stale_profile_ids(details):  # imported calendar out of date
                details[pid]["calendar_out_of_date"] = True
            serializer = MusicianCardSerializer(page, many=True, context={"rate_kind": kwargs["rate_kind"],
                                                                          "details": details})
            data = self.get_paginated_response(serializer.data).data
            search_cache.store(key, version, data)
        return Response(data)


class MusicianDetailView(APIView):
    """A public profile (press kit). Unapproved profiles are 404 except to their owner and staff."""

    permission_classes = [AllowAny]

    @extend_schema(responses=PublicProfileSerializer, tags=["search"])
    def get(self, request, profile_id: int):
        profile = selectors.profile_get_public(profile_id=profile_id, viewer=request.user)
        return Response(PublicProfileSerializer(profile).data)
