"""The API answers exactly as its served OpenAPI schema (``/api/schema/``) says, for every operation.

schemathesis loads the schema from the running Django app (in-process WSGI, no network) and, on the
demo data (``seed_demo``), sends each operation as four callers (anonymous, the demo producer, the demo
musician, a moderator): first a set of hand-written requests with real objects and bodies (real
200/201s), then generated ones, with path ids drawn from real objects (the caller's own and others')
plus a made-up one, and schema-breaking input as the producer. Every answer is checked for: no 5xx, a
documented status code, a documented content type and headers, a body matching the documented schema
for that status.

It fails when:
- an answer breaks the schema (undocumented status, wrong shape, 5xx);
- an operation of the schema was never called (every one must be, as some caller);
- an URL under /api/ or one of its methods is not in the schema (an undocumented endpoint);
- a GET whose path names objects that exist never answered 2xx to any caller.

A new endpoint needs nothing here unless its path ids should point at real objects (``PATH_OBJECTS``)
or it needs a hand-written body to reach a 2xx (``explicit_cases``).

Run it (~1,400 requests for ~125 operations: about 50 s of CPU, 2-5 minutes on this box while other work runs):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<DB> REDIS_URL=redis://127.0.0.1:6379/<R> \\
        .venv/bin/pytest tests/api/test_schema_contract.py -q
One path (a substring of the schema's path templates, e.g. ``/api/bookings/{id}/accept/``; comma-separate
several), with more generated examples, and the status table printed:
    CONTRACT_PATHS=/api/venues/ CONTRACT_EXAMPLES=25 .venv/bin/pytest tests/api/test_schema_contract.py -q -s
"""

from __future__ import annotations

import io
import os
import re
import time
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import schemathesis
from django.apps import apps
from django.contrib.admindocs.views import simplify_regex
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gigbook.core import clock

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
ROLES = {
    "anonymous": None,
    "producer": "producer@gigbook.test",
    "musician": "musician@gigbook.test",
    "moderator": "moderator@gigbook.test",
}
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "3"))
# Schema-breaking input (wrong types, missing fields, bad ids) sent as the producer: it must be refused
# with a documented 4xx, never a 5xx.
NEGATIVE_EXAMPLES = int(os.environ.get("CONTRACT_NEGATIVE_EXAMPLES", "1"))
ONLY = [part.strip() for part in os.environ.get("CONTRACT_PATHS", "").split(",") if part.strip()]
MISSING = 987654321

# Path templates whose ids name objects: generated cases use real ids of these (plus a made-up one).
# Two ids: (model of the inner object, its field naming the outer one). The first matching prefix wins.
PATH_PAIRS = {
    "/api/bookings/{id}/materials/{material_id}/": ("bookings.Material", "booking_id"),
    "/api/invoices/{id}/payments/{payment_id}/": ("billing.Payment", "invoice_id"),
}
PATH_OBJECTS = {
    "/api/invoices/{id}/": "billing.Invoice",
    "/api/expenses/{id}/": "billing.Expense",
    "/api/me/billing/purchase-orders/{booking_id}/": "bookings.Booking",
    "/api/bookings/{id}/": "bookings.Booking",
    "/api/holds/{id}/": "bookings.Hold",
    "/api/engagements/{id}/": "engagements.Engagement",
    "/api/venues/{id}/": "bookings.Venue",
    "/api/endorsements/{id}/": "trust.Endorsement",
    "/api/favourites/{id}/": "gigrequests.Favourite",
    "/api/gig-requests/{id}/": "gigrequests.GigRequest",
    "/api/offers/{id}/": "gigrequests.Invitation",
    "/api/me/unavailability/{block_id}/": "musicians.UnavailabilityBlock",
    "/api/me/calendar-import/{calendar_id}/": "calendar_import.ImportedCalendar",
    "/api/moderation/flags/{id}/": "trust.BookingFlag",
    "/api/moderation/profiles/{id}/": "musicians.MusicianProfile",
    "/api/moderation/reports/{id}/": "trust.Report",
    "/api/moderation/reviews/{id}/": "trust.Review",
    "/api/musicians/{profile_id}/": "musicians.MusicianProfile",
    "/api/reputation/{profile_id}/": "musicians.MusicianProfile",
    "/api/notifications/{id}/": "notifications.Notification",
    "/api/recommendations/{id}/": "trust.Recommendation",
    "/api/reviews/{id}/": "trust.Review",
}
# URLs under /api/ that are not operations of the API itself.
NOT_OPERATIONS = {"/api/schema/", "/api/docs/"}
CATCH_ALL = {"api-not-found"}  # the JSON 404 for every other /api/ URL


def _selected(path: str) -> bool:
    return not ONLY or any(part in path for part in ONLY)


def _path_candidates(path: str) -> list[dict] | None:
    """Real path parameters for ``path`` (several objects, visible to some callers and not others)."""
    for prefix, (label, outer) in PATH_PAIRS.items():
        if path.startswith(prefix):
            outer_param, inner_param = re.findall(r"{(\w+)}", prefix)
            rows = apps.get_model(label).objects.order_by("-pk").values_list(outer, "pk")[:20]
            pairs = [{outer_param: outer_pk, inner_param: pk} for outer_pk, pk in rows]
            return [*pairs, {outer_param: rows[0][0] if rows else MISSING, inner_param: MISSING}]
    for prefix, label in PATH_OBJECTS.items():
        if path.startswith(prefix):
            param = re.search(r"{(\w+)}", prefix).group(1)
            pks = list(apps.get_model(label).objects.order_by("-pk").values_list("pk", flat=True)[:30])
            return [{param: pk} for pk in pks] + [{param: MISSING}]
    return None


class Recorder:
    def __init__(self):
        self.statuses: dict[tuple[str, str], Counter] = defaultdict(Counter)
        self.without_objects: set[tuple[str, str]] = set()
        self.seconds: dict[tuple[str, str], float] = defaultdict(float)  # the demo data has nothing for their path ids
        self.failures: list[str] = []
        self._seen: set[tuple] = set()

    def run(self, case, role: str, token: str | None, *, expect: set[int] | None = None):
        # The in-process WSGI client does not undo GZipMiddleware's compression (HTTP clients do).
        headers = {"Accept-Encoding": "identity", **({"Authorization": f"Token {token}"} if token else {})}
        key = (case.operation.method.upper(), case.operation.path)
        started = time.monotonic()
        response = case.call(headers=headers)
        self.seconds[key] += time.monotonic() - started
        self.statuses[key][response.status_code] += 1
        where = f"{key[0]} {case.path} as {role} ({case.operation.path})"
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # a group of check failures: keep them all
            text = str(exc)
            titles = tuple(sorted(set(re.findall(r"^- (ST\d+ .*)$", text, flags=re.M))))
            if (key, response.status_code, titles) not in self._seen:  # one report per kind of break
                self._seen.add((key, response.status_code, titles))
                self.failures.append(f"{where} -> {response.status_code}: {text[:1200]}")
        if expect is not None and response.status_code not in expect:
            body = response.text[:500]
            self.failures.append(f"{where}: expected {sorted(expect)}, got {response.status_code}: {body}")
        return response


def _api_urls() -> set[tuple[str, str]]:
    """(METHOD, path template) for every view routed under /api/, as drf-spectacular names them."""
    found = set()

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/") and pattern.name not in CATCH_ALL:
                path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", simplify_regex(route)).replace("{pk}", "{id}")
                callback = pattern.callback
                cls = getattr(callback, "cls", None)
                actions = getattr(callback, "actions", None)
                if actions:
                    methods = set(actions)
                elif cls is not None:
                    methods = {m for m in cls.http_method_names if hasattr(cls, m)} - {"options", "head"}
                else:
                    methods = {"get"}  # a plain Django view: it must not hide under /api/
                found.update((method.upper(), path) for method in methods)

    walk(get_resolver().url_patterns, "")
    return {(method, path) for method, path in found if path not in NOT_OPERATIONS}


@pytest.fixture
def demo(settings, monkeypatch):
    settings.DEBUG = True  # seed_demo refuses to run otherwise
    call_command("seed_demo", stdout=io.StringIO())
    # Thousands of requests in a minute: the per-user throttle would answer 429 to most of them.
    # 429 stays documented and the auth endpoints' own limit (5 a minute here) still answers it.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/min", "user": "100000/min"})
    users = {role: apps.get_model("accounts.User").objects.get(email=email) for role, email in ROLES.items() if email}
    tokens = {role: Token.objects.get_or_create(user=user)[0].key for role, user in users.items()}
    return {"users": users, "tokens": {"anonymous": None, **tokens}}


@pytest.fixture
def wsgi_app():
    # As Django's test client does: a request must not close the connection holding the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def _fuzz(recorder: Recorder, strategy, role: str, token: str | None, examples: int) -> None:
    if examples < 1:
        return
    # No shrinking and no example database: failures are recorded (not raised) and reported together.
    @settings(max_examples=examples, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck), derandomize=True)
    @given(case=strategy)
    def send(case):
        recorder.run(case, role, token)

    try:
        send()
    except Unsatisfiable:  # negative mode, for an operation with no input to get wrong
        pass


def explicit_cases(schema, demo):
    """Hand-written requests that reach real 2xx answers: (role, method, path, path params, query, body, expected)."""
    Booking = apps.get_model("bookings.Booking")
    Profile = apps.get_model("musicians.MusicianProfile")
    users = demo["users"]
    producer, musician = users["producer"], users["musician"]
    mia = Profile.objects.get(user=musician)
    instrument = mia.instruments.values_list("instrument__slug", flat=True).first()
    soon = (clock.now() + timedelta(days=20)).replace(hour=10, minute=0, second=0, microsecond=0)
    gig = {"musician": mia.pk, "instrument": instrument, "kind": "studio_session", "time_zone": "Europe/London",
           "starts_at": soon.isoformat(), "ends_at": (soon + timedelta(hours=3)).isoformat(),
           "fee_basis": "session", "rate": "250.00"}
    gig["venue"] = apps.get_model("bookings.Venue").objects.filter(owner=producer).values_list("pk", flat=True)[0]
    offered = Booking.objects.filter(musician=musician, status="offered", engagement_date__isnull=True).order_by(
        "pk").first()
    run = [{"starts_at": (soon + timedelta(days=days)).isoformat(), "venue": gig["venue"], "fee_basis": "flat",
            "ends_at": (soon + timedelta(days=days, hours=3)).isoformat(), "rate": "300.00"} for days in (40, 41)]
    pending = Profile.objects.filter(status="pending").order_by("pk").first()
    some_review = apps.get_model("trust.Review").objects.order_by("pk").first()
    open_report = apps.get_model("trust.Report").objects.filter(status="open").order_by("pk").first()
    cases = [
        ("producer", "GET", "/api/bookings/", {}, {"role": "producer"}, None, {200}),
        ("producer", "POST", "/api/venues/", {}, {}, {"name": "Contract Studio", "address": "1 Test Road, London",
                                                     "place": "NW8 9AY", "time_zone": "Europe/London"}, {201}),
        ("producer", "GET", "/api/places/", {}, {"q": "Brighton"}, None, {200}),
        ("producer", "GET", "/api/places/", {}, {"q": "ZZ9 9ZZ"}, None, {400}),
        ("producer", "POST", "/api/bookings/quote/", {}, {}, gig, {200}),
        ("producer", "POST", "/api/bookings/", {}, {}, gig, {201}),
        ("producer", "POST", "/api/holds/", {}, {}, {**gig, "starts_at": (soon + timedelta(days=2)).isoformat(),
                                                   "ends_at": (soon + timedelta(days=2, hours=3)).isoformat()},
         {201}),
        ("musician", "GET", "/api/holds/", {}, {"open": "true"}, None, {200}),
        ("producer", "POST", "/api/engagements/check/", {}, {}, {
            "musician": mia.pk, "instrument": instrument, "dates": run}, {200}),
        ("producer", "POST", "/api/engagements/", {}, {}, {
            "musician": mia.pk, "instrument": instrument, "title": "Contract run", "allow_partial": True,
            "dates": run}, {201}),
        ("musician", "GET", "/api/engagements/", {}, {"role": "musician"}, None, {200}),
        ("producer", "POST", "/api/favourites/", {}, {}, {"musician_profile": mia.pk, "instrument": instrument,
                                                         "note": ""}, {201, 409}),
        ("musician", "GET", "/api/me/profile/", {}, {}, None, {200}),
        ("musician", "POST", "/api/me/unavailability/", {}, {}, {
            "kind": "once", "starts_at": (soon + timedelta(days=30)).isoformat(),
            "ends_at": (soon + timedelta(days=31)).isoformat(), "note": "holiday"}, {201}),
        ("musician", "GET", "/api/offers/", {}, {"all": "true"}, None, {200}),
        ("anonymous", "GET", "/api/reviews/", {}, {"musician": mia.pk}, None, {200}),
        ("anonymous", "GET", "/api/endorsements/", {}, {"profile": mia.pk}, None, {200}),
        ("anonymous", "GET", "/api/musicians/", {}, {"q": "guitar"}, None, {200}),
        ("anonymous", "GET", "/api/musicians/{profile_id}/", {"profile_id": mia.pk}, {}, None, {200}),
        ("producer", "POST", "/api/reports/", {}, {}, {"profile": mia.pk, "reason": "spam", "details": "test"},
         {201, 409}),
        ("moderator", "GET", "/api/moderation/profiles/", {}, {"status": "pending"}, None, {200}),
        ("moderator", "GET", "/api/moderation/audit/", {}, {}, None, {200}),
    ]
    invitation = apps.get_model("gigrequests.Invitation").objects.filter(
        status__in=["sent", "seen"]).select_related("musician").order_by("pk").first()
    if invitation:
        invitee = invitation.musician.email
        cases += [
            (invitee, "GET", "/api/offers/{id}/", {"id": invitation.pk}, {}, None, {200}),
            (invitee, "POST", "/api/offers/{id}/seen/", {"id": invitation.pk}, {}, None, {200}),
        ]
    booking = Booking.objects.filter(producer=producer, status__in=["offered", "accepted"]).order_by("pk").first()
    if booking:
        Material = apps.get_model("bookings.Material")

        def latest_material():
            return {"id": booking.pk, "material_id": Material.objects.filter(booking=booking).latest("pk").pk}

        cases += [
            ("producer", "POST", "/api/bookings/{id}/materials/", {"id": booking.pk}, {},
             {"file": _png(), "kind": "chart"}, {201}),
            ("producer", "GET", "/api/bookings/{id}/materials/{material_id}/", latest_material, {}, None, {200}),
        ]
    waiting = apps.get_model("callsheets.CallSheetPlayer").objects.filter(
        booking__musician=musician, reconfirm_version__isnull=False).select_related("booking").first()
    if waiting:  # the demo session whose call sheet changed critically
        sheet_id = {"id": waiting.booking_id}
        cases += [
            ("producer", "GET", "/api/bookings/{id}/call-sheet/", sheet_id, {}, None, {200}),
            ("producer", "POST", "/api/bookings/{id}/call-sheet/", sheet_id, {}, {"dress": "All black"}, {201}),
            ("musician", "GET", "/api/bookings/{id}/call-sheet/versions/", sheet_id, {}, None, {200}),
            ("producer", "GET", "/api/bookings/{id}/call-sheet/diff/", sheet_id, {"from": 1}, None, {200}),
            ("musician", "POST", "/api/bookings/{id}/call-sheet/confirm/", sheet_id, {},
             {"version": waiting.reconfirm_version}, {200}),
        ]
    if offered:  # a phone link that expired yesterday: the recommendation answers 410 Gone
        from bookings.phone import OFFER_PURPOSE
        from gigbook.core.tokens import action_token_make

        stale = action_token_make(purpose=OFFER_PURPOSE, subject_id=offered.pk, user_id=musician.pk,
                                  expires_at=clock.now() - timedelta(days=1))
        cases.append(("anonymous", "POST", "/api/recommendations/", {}, {}, {
            "booking": offered.pk, "recommended": mia.pk, "note": "", "token": stale}, {410}))
    Expense = apps.get_model("billing.Expense")
    cases += [
        ("musician", "POST", "/api/expenses/", {}, {}, {"file": None, "receipt": _png(), "kind": "parking",
                                                        "spent_on": clock.now().date().isoformat(), "amount": "12.50",
                                                        "reimbursable": "false"}, {201}),
        ("musician", "GET", "/api/expenses/{id}/receipt/",
         lambda: {"id": Expense.objects.filter(musician=musician).latest("pk").pk}, {}, None, {200}),
    ]
    if offered:
        cases += [
            ("musician", "GET", "/api/bookings/{id}/", {"id": offered.pk}, {}, None, {200}),
            ("producer", "GET", "/api/bookings/{id}/cancellation/", {"id": offered.pk}, {}, None, {200}),
            ("musician", "POST", "/api/bookings/{id}/accept/", {"id": offered.pk}, {}, None, {200, 409}),
        ]
    engagement = apps.get_model("engagements.Engagement").objects.filter(musician=musician).order_by("pk").first()
    if engagement:
        first_date = engagement.dates.order_by("position").values_list("booking_id", flat=True).first()
        cases.append(("musician", "POST", "/api/engagements/{id}/accept/", {"id": engagement.pk}, {},
                      {"bookings": [first_date]}, {200, 409}))
    if pending:
        cases += [
            ("moderator", "GET", "/api/moderation/profiles/{id}/", {"id": pending.pk}, {}, None, {200}),
            ("moderator", "POST", "/api/moderation/profiles/{id}/approve/", {"id": pending.pk}, {}, None, {200}),
        ]
    if some_review:
        cases.append(("moderator", "POST", "/api/moderation/reviews/{id}/hide/", {"id": some_review.pk}, {},
                      {"reason": "Contract test"}, {200, 409}))
    if open_report:
        cases.append(("moderator", "POST", "/api/moderation/reports/{id}/resolve/", {"id": open_report.pk}, {},
                      {"outcome": "no_action", "note": "Contract test"}, {200, 400}))
    return cases


def test_every_operation_answers_as_documented(demo, wsgi_app):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {(op.method.upper(), op.path) for op in operations}
    recorder = Recorder()
    tokens = demo["tokens"]

    # 1. Nothing routed under /api/ is missing from the schema.
    undocumented = sorted(_api_urls() - documented)
    assert not undocumented, f"endpoints missing from the OpenAPI schema: {undocumented}"

    # 2. Hand-written requests with real objects.
    for role, method, path, path_parameters, query, body, expect in explicit_cases(schema, demo):
        if not _selected(path):
            continue
        operation = schema[path][method]
        if callable(path_parameters):  # ids of objects made by an earlier case
            path_parameters = path_parameters()
        media_type = "multipart/form-data" if isinstance(body, dict) and "file" in body else "application/json"
        if isinstance(body, dict) and body.get("file", "") is None:  # "file": None only marks an upload
            body = {key: value for key, value in body.items() if key != "file"}
        case = operation.Case(path_parameters=path_parameters, query=query,
                              **({"body": body, "media_type": media_type} if body is not None else {}))
        if role not in tokens:  # a user of the demo data other than the four callers
            tokens = {**tokens, role: Token.objects.get_or_create(user__email=role, defaults={
                "user": apps.get_model("accounts.User").objects.get(email=role)})[0].key}
        recorder.run(case, role, tokens[role], expect=expect)
    tokens = demo["tokens"]

    # 3. Generated requests for every operation and caller.
    for operation in operations:
        if not _selected(operation.path):
            continue
        candidates = _path_candidates(operation.path)
        if candidates is not None and all(MISSING in params.values() for params in candidates):
            recorder.without_objects.add((operation.method.upper(), operation.path))
        for role, token in tokens.items():
            if candidates:
                strategy = st.sampled_from(candidates).flatmap(
                    lambda params, op=operation: op.as_strategy(path_parameters=params))
            else:
                strategy = operation.as_strategy()
            _fuzz(recorder, strategy, role, token, EXAMPLES if role != "anonymous" else 1)
        if NEGATIVE_EXAMPLES:
            negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
            _fuzz(recorder, negative, "producer", tokens["producer"], NEGATIVE_EXAMPLES)

    table = "\n".join(f"{method:6} {path:55} {recorder.seconds[method, path]:5.1f}s {dict(sorted(counts.items()))}"
                      for (method, path), counts in sorted(recorder.statuses.items(), key=lambda item: item[0][1]))
    print(f"\nstatus codes per operation (-s shows them):\n{table}")  # noqa: T201

    assert not recorder.failures, f"{len(recorder.failures)} answers break the schema:\n" + "\n\n".join(
        recorder.failures)
    wanted = {(op.method.upper(), op.path) for op in operations if _selected(op.path)}
    never_called = sorted(wanted - set(recorder.statuses))
    assert not never_called, f"operations never exercised: {never_called}"
    # Every read answers a real 2xx to some caller (the explicit cases and real ids see to that),
    # unless the demo data has no object for its path at all.
    reads_without_success = sorted(
        key for key in wanted - recorder.without_objects
        if key[0] == "GET" and not any(200 <= code < 300 for code in recorder.statuses[key]))
    if recorder.without_objects & wanted:
        print(f"no demo objects for: {sorted(recorder.without_objects & wanted)}")  # noqa: T201
    assert not reads_without_success, f"GET operations that never answered 2xx: {reads_without_success}"
