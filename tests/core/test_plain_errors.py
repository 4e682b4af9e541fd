"""Every error text the main forms can show is in plain words: no underscore, no "ISO" or other format
name, no API field name (booking, short-notice, hold, venue, profile, availability).

Three walks: (1) every message every input serializer field can raise, built the way DRF builds them;
(2) every literal message in the code that raises field errors for those forms (services, views,
serializers), read from the source so a new message is checked the day it is written; (3) real bad
answers from the API, which also show every invalid field is reported in one answer.
"""

from __future__ import annotations

import ast
import string
from datetime import timedelta
from pathlib import Path

import pytest
from rest_framework import serializers

from bookings.api.hold_serializers import HoldInputSerializer
from bookings.api.serializers import (
    BookingCancelInputSerializer,
    BookingCounterInputSerializer,
    BookingOfferInputSerializer,
    VenueInputSerializer,
)
from bookings.gigrequests.api.serializers import GigFavouriteInputSerializer, GigRequestInputSerializer
from gigbook.core import clock
from musicians.api.serializers import BlockInSerializer, ProfileInSerializer, SearchParamsSerializer
from tests.core.plain_words import problems

ROOT = Path(__file__).resolve().parents[2]
FORM_SERIALIZERS = [
    BookingOfferInputSerializer, BookingCounterInputSerializer, BookingCancelInputSerializer, VenueInputSerializer,
    GigRequestInputSerializer, GigFavouriteInputSerializer, HoldInputSerializer, ProfileInSerializer,
    BlockInSerializer, SearchParamsSerializer,
]
# Where the field errors of those forms are written.
SOURCES = [
    "bookings/services", "bookings/gigrequests/services", "bookings/api", "bookings/gigrequests/api",
    "bookings/views.py", "bookings/hold_views.py", "bookings/gigrequests/views.py", "bookings/fees.py",
    "musicians/services.py", "musicians/api/serializers.py", "musicians/views.py",
    "gigbook/accounts/api/serializers.py",
]  # gigbook/core/plain_messages.py: checked as rendered, field by field, above
RAISERS = {"_field_error", "ValidationFailed", "ValidationError", "FeeError", "_BadTerm", "_error"}


def _fields(serializer_class):
    """(name, field) for every field, nested rows and list children included."""
    stack = [("", serializer_class())]
    while stack:
        prefix, node = stack.pop()
        if isinstance(node, serializers.ListSerializer):
            node = node.child
        if isinstance(node, serializers.Serializer):
            for name, field in node.fields.items():
                yield name, field
                stack.append((name, field))
        elif isinstance(node, serializers.ListField):
            yield prefix, node.child
            stack.append((prefix, node.child))


def _all_field_names() -> set[str]:
    names = set()
    for serializer_class in FORM_SERIALIZERS:
        names.update(name for name, _ in _fields(serializer_class))
    return names


FIELD_NAMES = _all_field_names()


def _rendered(message: str, field) -> str:
    """The message as DRF would format it for this field (placeholders from its own settings)."""
    values = {name: getattr(field, name, None) for _, name, _, _ in string.Formatter().parse(message) if name}
    values = {k: ("x" if v is None else v) for k, v in values.items()}
    return message.format(**values)


def test_every_serializer_field_message_is_plain():
    bad = []
    for serializer_class in FORM_SERIALIZERS:
        for name, field in _fields(serializer_class):
            for key, message in field.error_messages.items():
                text = _rendered(str(message), field)
                if found := problems(text, FIELD_NAMES):
                    bad.append(f"{serializer_class.__name__}.{name} [{key}]: {text!r}: {', '.join(found)}")
    assert not bad, "\n".join(bad)


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def _messages_in(tree) -> list[tuple[int, str]]:
    found = []

    def strings(node):
        text = _literal(node)
        if text is not None:
            found.append((node.lineno, text))
            return  # an f-string's parts are not messages of their own
        for child in ast.iter_child_nodes(node):
            strings(child)

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in RAISERS:
                # The first argument of _field_error is the field; a message is a sentence.
                args = node.args[1:] if name == "_field_error" else node.args
                for arg in [*args, *(kw.value for kw in node.keywords if kw.arg in (None, "fields", "detail"))]:
                    strings(arg)
            elif name == "append" and isinstance(func, ast.Attribute) and getattr(func.value, "id", "") in (
                "errors", "problems"
            ):
                strings(node.args[0])
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Subscript) and getattr(t.value, "id", "") == "errors" for t in node.targets
        ):
            strings(node.value)
        elif isinstance(node, ast.Dict) and any(_literal(k) == "invalid" or _literal(k) == "does_not_exist"
                                                for k in node.keys if k is not None):
            strings(node)
    return [(line, text) for line, text in found if " " in text.strip()]  # sentences, not keys


def _source_files():
    for entry in SOURCES:
        path = ROOT / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def test_every_error_written_in_the_code_is_plain():
    bad, seen = [], 0
    for path in _source_files():
        for line, text in _messages_in(ast.parse(path.read_text())):
            seen += 1
            if found := problems(text, FIELD_NAMES):
                bad.append(f"{path.relative_to(ROOT)}:{line}: {text!r}: {', '.join(found)}")
    assert seen > 100, "the walk found too few messages: the source list or the patterns are stale"
    assert not bad, "\n".join(bad)


# --- The API, for real ------------------------------------------------------------------------


def _texts(body) -> list[str]:
    out = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str):
            out.append(value)

    walk(body.get("errors", {}))
    return out


@pytest.fixture
def producer_api(producer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(producer)
    return client, producer


BAD = {
    "booking": ("/api/bookings/", {
        "musician": "x", "instrument": "", "kind": "concert", "starts_at": "next friday", "ends_at": "2027-13-01T10:00",
        "rate": "lots", "overtime_half_hours": "two", "fee_basis": "weekly", "per_diem_days": -1,
    }),
    "quote": ("/api/bookings/quote/", {
        "musician": 0, "instrument": "bass", "kind": "studio_session", "starts_at": "tomorrow", "ends_at": 5,
        "travel_fee": "-3",
    }),
    "hold": ("/api/holds/", {
        "musician": None, "instrument": "piano", "kind": "gig", "starts_at": "2027-06-05 25:00", "ends_at": "",
        "challenge_window_hours": 100, "cartage_fee": "1e99",
    }),
    "short-notice": ("/api/gig-requests/preview/", {
        "chairs": [{"instrument": "", "count": 0}], "kind": "nope", "starts_at": "soon", "ends_at": "later",
        "rate": "", "currency": "pounds", "strategy": "everyone", "time_box_minutes": 0,
        "broadcast_threshold_hours": "many",
    }),
    "venue": ("/api/venues/", {"name": "", "address": "", "latitude": "north", "longitude": 500, "time_zone": "Mars/Base"}),
    "search": ("/api/musicians/", None),
}


@pytest.mark.django_db
@pytest.mark.parametrize("form", sorted(BAD))
def test_bad_forms_answer_every_field_at_once_in_plain_words(producer_api, form):
    client, _ = producer_api
    url, payload = BAD[form]
    if payload is None:
        response = client.get(url, {"available_from": "2020-01-01T10:00", "available_to": "2020-01-01T09:00",
                                    "radius_km": "far", "max_rate": "cheap"})
    else:
        response = client.post(url, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    sent = set(payload) if payload is not None else {"available_to", "radius_km", "max_rate"}
    assert len(set(body["errors"]) & sent) >= min(3, len(sent)), body["errors"]  # all at once, not one by one
    texts = _texts(body)
    assert texts
    bad = [f"{t!r}: {', '.join(problems(t, FIELD_NAMES))}" for t in texts if problems(t, FIELD_NAMES)]
    assert not bad, "\n".join(bad)


@pytest.mark.django_db
def test_a_window_in_the_past_is_refused_by_search(producer_api):
    client, _ = producer_api
    start = clock.now() - timedelta(days=2000)
    response = client.get("/api/musicians/", {"available_from": start.isoformat(),
                                              "available_to": (start + timedelta(hours=3)).isoformat()})
    assert response.status_code == 400
    assert response.json()["errors"]["available_from"] == ["This time is already over: choose a time from now on."]


# --- Windows: past, empty, long; every problem with the others --------------------------------


@pytest.fixture
def booking_setup(producer, musician, frozen_clock):
    from datetime import UTC, datetime

    from tests.bookings.factories import make_profile, make_venue

    frozen_clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=UTC))
    return make_profile(musician), make_venue(producer)


def _offer_body(profile, venue, **extra):
    return {"musician": profile.pk, "instrument": "piano", "kind": "studio_session", "venue": venue.pk,
            "starts_at": "2027-06-10T10:00", "ends_at": "2027-06-10T13:00", **extra}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/bookings/", "/api/bookings/quote/", "/api/holds/"])
def test_shape_and_window_problems_come_in_one_answer(producer_api, booking_setup, url):
    client, _ = producer_api
    profile, venue = booking_setup
    body = _offer_body(profile, venue, starts_at="2020-06-10T10:00", ends_at="2020-06-10T10:00", rate="lots",
                       title="x" * 500)
    errors = client.post(url, body, format="json").json()["errors"]
    assert errors["rate"] == ["Enter an amount, e.g. 180 or 180.50."]
    assert errors["title"] == ["Keep this to 120 characters or fewer."]
    assert errors["starts_at"] == ["This start has already passed: choose a time in the future."]
    assert errors["ends_at"] == ["The end must be after the start."]


@pytest.mark.django_db
def test_an_end_equal_to_the_start_is_refused_not_priced_as_a_day(producer_api, booking_setup):
    client, _ = producer_api
    profile, venue = booking_setup
    response = client.post("/api/bookings/quote/", _offer_body(profile, venue, ends_at="2027-06-10T10:00"), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"ends_at": ["The end must be after the start."]}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/bookings/", "/api/holds/"])
def test_over_twelve_hours_needs_a_confirmation(producer_api, booking_setup, url):
    client, _ = producer_api
    profile, venue = booking_setup
    long = _offer_body(profile, venue, ends_at="2027-06-11T00:30")  # 14.5 hours
    response = client.post(url, long, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"ends_at": [
        "This booking would last 14.5 hours. Check the end time, or confirm that it really runs this long."]}
    assert client.post(url, {**long, "confirm_long": True}, format="json").status_code == 201


@pytest.mark.django_db
def test_short_notice_shape_and_window_problems_come_in_one_answer(producer_api, frozen_clock):
    from datetime import UTC, datetime

    from tests.bookings.factories import make_venue

    client, producer = producer_api
    frozen_clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=UTC))
    venue = make_venue(producer)
    body = {"chairs": [{"instrument": "bass-guitar", "count": 1}], "kind": "live_show", "venue": venue.pk,
            "starts_at": "2027-06-01T20:00", "ends_at": "2027-06-01T19:00", "rate": "", "strategy": "broadcast",
            "currency": "GBP", "time_box_minutes": 0}
    errors = client.post("/api/gig-requests/preview/", body, format="json").json()["errors"]
    assert set(errors) == {"rate", "time_box_minutes", "ends_at"}, errors
    assert errors["ends_at"] == ["The end must be after the start."]


MUSICIAN_BAD = {
    "profile": ("patch", "/api/me/profile/", {
        "hourly_rate": "a lot", "travel_radius_km": -5, "currency": "pounds", "languages": ["xx_YY"],
        "instruments": [{"instrument": "kazoo_pro", "skill_level": "god"}], "latitude": 100,
    }),
    "availability": ("post", "/api/me/unavailability/", {
        "kind": "sometimes", "starts_at": "last tuesday", "weekday": 9, "start_time": "25:99", "note": "x" * 300,
    }),
}


@pytest.mark.django_db
@pytest.mark.parametrize("form", sorted(MUSICIAN_BAD))
def test_bad_musician_forms_answer_every_field_at_once_in_plain_words(musician, form):
    from rest_framework.test import APIClient

    from tests.bookings.factories import make_profile

    make_profile(musician)
    client = APIClient()
    client.force_authenticate(musician)
    method, url, payload = MUSICIAN_BAD[form]
    response = getattr(client, method)(url, payload, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert len(set(errors) & set(payload)) >= 4, errors
    bad = [f"{t!r}: {', '.join(problems(t, FIELD_NAMES))}" for t in _texts(response.json()) if problems(t, FIELD_NAMES)]
    assert not bad, "\n".join(bad)
