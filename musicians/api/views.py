"""Thin API views: parse with an input serializer, call one service or selector, render."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from gigbook.core.api import validated_or_400
from gigbook.core.throttling import FixedWindowThrottle
from musicians import cache as search_cache
from musicians import search, selectors, services
from musicians.api.fastpath import answer_cached_pages, page_key
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
        changes = validated_or_400(serializer, lambda values: services.profile_update_problems(
            user=request.user, changes=values, replace=not partial))
        services.profile_update(user=request.user, changes=changes, replace=not partial)
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
    """The directory: approved musicians only, no contact details. Open to everyone.

    The hottest read of the API, so it takes shortcuts the other views do not: the throttle's
    counter and a cached page are read in one Redis round trip (check_throttles), a page not in
    the cache is one SQL statement (musicians.search), and the rendered bytes are what is cached.
    """

    permission_classes = [AllowAny]
    throttle_classes = [FixedWindowThrottle]
    serializer_class = MusicianCardSerializer
    pagination_class = SearchPagination
    queryset = MusicianProfile.objects.none()  # for the schema; get() asks musicians.search

    @classmethod
    def as_view(cls, **initkwargs):
        # Anonymous cache hits are answered in front of DRF (fastpath.py); the rest come here.
        return answer_cached_pages(super().as_view(**initkwargs), cls, initkwargs)

    def check_throttles(self, request):
        # Keyed by the whole URL (it ends up in the "next"/"previous" links) and the zone naive times
        # are read in; looked up before validation, and only answers to valid searches are stored.
        zone = request.user.zone if request.user.is_authenticated else timezone.get_default_timezone()
        self.page_zone = zone
        self.page_key = page_key(request, zone)
        throttle = FixedWindowThrottle()
        counter, limit, window = throttle.counter(request)
        done = getattr(request._request, "search_lookup", None)  # the fast path's round trip, if it made one
        if done is not None and (done.page_key, done.counter) == (self.page_key, counter):
            self.cached_body, self.page_version, count = done.body, done.version, done.count
        else:
            self.cached_body, self.page_version, count = search_cache.lookup_and_count(self.page_key, counter, window)
        if not throttle.verdict(count, limit, window):
            self.throttled(request, throttle.wait())

    @extend_schema(parameters=[SearchParamsSerializer], responses=MusicianCardSerializer(many=True), tags=["search"])
    def get(self, request):
        body = self.cached_body
        if body is None:
            body = JSONRenderer().render(self._search(request))
            search_cache.store(self.page_key, self.page_version, body)
        if isinstance(request.accepted_renderer, JSONRenderer):
            return HttpResponse(body, content_type=request.accepted_renderer.media_type)
        return Response(json.loads(body))  # the browsable API

    def _search(self, request) -> dict:
        params = SearchParamsSerializer.from_query(request.query_params)
        with timezone.override(self.page_zone):
            validated_or_400(params)  # every bad filter in one answer
        number = params.validated_data.get("page", 1)
        size = params.validated_data.get("page_size") or self.pagination_class.page_size
        cap = self.pagination_class.django_paginator_class.cap
        page = search.search_page(**params.search_kwargs(), page=number, page_size=size, cap=cap)
        pages = search.page_count(page.total, size, cap)
        if number > pages:  # also when the page came back empty: no page past the last (or the cap)
            raise NotFound("Invalid page.")  # as the paginator says it
        url = request.build_absolute_uri()
        previous = None
        if number > 1:
            previous = remove_query_param(url, "page") if number == 2 else replace_query_param(url, "page", number - 1)
        return {
            "count": min(page.total, cap),
            "next": replace_query_param(url, "page", number + 1) if number < pages else None,
            "previous": previous,
            "results": page.cards,
            "count_capped": page.total > cap,
        }


class MusicianDetailView(APIView):
    """A public profile (press kit). Unapproved profiles are 404 except to their owner and staff."""

    permission_classes = [AllowAny]

    @extend_schema(responses=PublicProfileSerializer, tags=["search"])
    def get(self, request, profile_id: int):
        profile = selectors.profile_get_public(profile_id=profile_id, viewer=request.user)
        return Response(PublicProfileSerializer(profile).data)
