"""The trust API: the moderation permission matrix, shapes, bad input (400, never 500), query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from bookings.models import Booking
from gigbook.notifications.models import Notification
from musicians.models import MusicianProfile
from trust import services
from trust.models import Recommendation, Report, Review

pytestmark = pytest.mark.django_db
S = MusicianProfile.Status

MODERATION_GETS = ["/api/moderation/profiles/?status=pending", "/api/moderation/profiles/{pk}/",
                   "/api/moderation/reports/", "/api/moderation/reviews/", "/api/moderation/flags/",
                   "/api/moderation/audit/"]
MODERATION_POSTS = [
    ("/api/moderation/profiles/{pk}/approve/", {}),
    ("/api/moderation/profiles/{pk}/reject/", {"reason_code": "photo"}),
    ("/api/moderation/profiles/{pk}/suspend/", {"reason_code": "fraud"}),
    ("/api/moderation/profiles/{pk}/unsuspend/", {}),
    ("/api/moderation/profiles/bulk/", {"action": "approve", "ids": ["{pk}"]}),
    ("/api/moderation/reports/1/resolve/", {"outcome": "no_action"}),
    ("/api/moderation/reviews/1/hide/", {"reason": "x"}),
    ("/api/moderation/flags/1/resolve/", {"resolution": "x"}),
]


@pytest.fixture
def pending(make_musician):
    return make_musician("Pending Player", status=S.PENDING)


def _fill(value, pk):
    if isinstance(value, str):
        return value.replace("{pk}", str(pk))
    if isinstance(value, dict):
        return {k: _fill(v, pk) for k, v in value.items()}
    if isinstance(value, list):
        return [int(_fill(v, pk)) if v == "{pk}" else v for v in value]
    return value


def test_everyone_but_moderators_gets_403_from_the_moderation_api(pending, producer, musician, staff_user,
                                                                  client_for, now):
    clients = {"anonymous": APIClient(), "producer": client_for(producer), "musician": client_for(musician),
               "staff without the role": client_for(staff_user)}
    for who, client in clients.items():
        for url in MODERATION_GETS:
            assert client.get(url.format(pk=pending.pk)).status_code in (401, 403), (who, url)
        for url, body in MODERATION_POSTS:
            response = client.post(_fill(url, pending.pk), _fill(body, pending.pk), format="json")
            assert response.status_code in (401, 403), (who, url, response.status_code)
    assert MusicianProfile.objects.get(pk=pending.pk).status == S.PENDING


def test_a_moderator_lists_the_queue_and_sees_the_diff(pending, moderator, client_for, make_musician, now,
                                                       django_assert_num_queries):
    for n in range(4):
        make_musician(f"Queue {n}", status=S.PENDING)
    make_musician("Live One")
    client = client_for(moderator)
    # 2 permission lookups (user, group), count, page of profiles, 4 prefetches (instruments, genres,
    # media, credits): the same for 5 rows as for 50.
    with django_assert_num_queries(8):
        response = client.get("/api/moderation/profiles/?status=pending")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 5
    first = body["results"][0]
    assert first["id"] == pending.pk and first["status"] == "pending"
    assert "headline" in first["changed_fields"] and first["last_approved_at"] is None

    detail = client.get(f"/api/moderation/profiles/{pending.pk}/").json()
    change = next(c for c in detail["changes"] if c["field"] == "instruments")
    assert change["added"] == ["Piano (main), Professional", "Hammond organ, Professional"]


def test_moderation_actions_through_the_api(pending, moderator, client_for, now):
    client = client_for(moderator)
    response = client.post(f"/api/moderation/profiles/{pending.pk}/reject/", {"reason_code": "nope"}, format="json")
    assert response.status_code == 400
    assert "reason_code" in response.json()["errors"]
    response = client.post(f"/api/moderation/profiles/{pending.pk}/reject/", {"reason_code": "other"}, format="json")
    assert response.status_code == 400 and "details" in response.json()["errors"]
    response = client.post(f"/api/moderation/profiles/{pending.pk}/approve/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    response = client.post(f"/api/moderation/profiles/{pending.pk}/unsuspend/")
    assert response.status_code == 409
    response = client.post(f"/api/moderation/profiles/{pending.pk}/suspend/",
                           {"reason_code": "fraud", "details": "x" * 2001}, format="json")
    assert response.status_code == 400
    response = client.post(f"/api/moderation/profiles/{pending.pk}/suspend/", {"reason_code": "fraud"}, format="json")
    assert response.status_code == 200
    assert response.json()["profile"]["status"] == "suspended"
    assert response.json()["withdrawn_bookings"] == []
    assert client.post("/api/moderation/profiles/999999/approve/").status_code == 404


def test_bulk_api_reports_each_profile(moderator, client_for, make_musician, now):
    ok = make_musician("Ok", status=S.PENDING)
    draft = make_musician("Draft", status=S.DRAFT)
    client = client_for(moderator)
    response = client.post("/api/moderation/profiles/bulk/", {"action": "approve", "ids": [ok.pk, draft.pk]},
                           format="json")
    assert response.status_code == 200
    assert response.json()["done"] == [ok.pk]
    assert list(response.json()["failed"]) == [str(draft.pk)]
    for bad in ({"action": "explode", "ids": [ok.pk]}, {"action": "approve", "ids": []},
                {"action": "approve", "ids": ["x"]}, {"action": "approve"}, {"action": "reject", "ids": [ok.pk]},
                {"action": "approve", "ids": list(range(1, 300))}):
        assert client.post("/api/moderation/profiles/bulk/", bad, format="json").status_code == 400, bad


def test_reports_api_files_lists_and_resolves(profile, producer, moderator, client_for, now,
                                              django_assert_num_queries):
    client = client_for(producer)
    response = client.post("/api/reports/", {"profile": profile.pk, "reason": "off_platform",
                                             "details": "Wanted cash in hand"}, format="json")
    assert response.status_code == 201
    assert client.post("/api/reports/", {"profile": profile.pk, "reason": "spam"}, format="json").status_code == 409
    for bad in ({"reason": "spam"}, {"profile": profile.pk, "review": 1, "reason": "spam"},
                {"profile": "abc", "reason": "spam"}, {"profile": profile.pk, "reason": "nope"},
                {"profile": profile.pk, "reason": "spam", "details": "x" * 2001}):
        assert client.post("/api/reports/", bad, format="json").status_code == 400, bad
    assert client.post("/api/reports/", {"profile": 999999, "reason": "spam"}, format="json").status_code == 404
    assert APIClient().post("/api/reports/", {"profile": profile.pk, "reason": "spam"}, format="json").status_code in (
        401, 403)

    mod = client_for(moderator)
    with django_assert_num_queries(4):  # permissions (2), count, page
        listing = mod.get("/api/moderation/reports/?status=open")
    assert listing.json()["count"] == 1
    report_id = listing.json()["results"][0]["id"]
    assert mod.post(f"/api/moderation/reports/{report_id}/resolve/", {"outcome": "bogus"},
                    format="json").status_code == 400
    resolved = mod.post(f"/api/moderation/reports/{report_id}/resolve/", {"outcome": "warned", "note": "Phoned"},
                        format="json")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    mine = client.get("/api/reports/").json()["results"][0]
    assert mine["outcome"] == "warned" and "resolution_note" not in mine


def test_reports_api_is_rate_limited(make_musician, producer, client_for, settings, now):
    settings.TRUST_REPORTS_PER_HOUR = 2
    client = client_for(producer)
    targets = [make_musician(f"P{n}") for n in range(3)]
    codes = [client.post("/api/reports/", {"profile": t.pk, "reason": "spam"}, format="json").status_code
             for t in targets]
    assert codes == [201, 201, 429]
    assert Report.objects.count() == 2


def test_reviews_api(gig, profile, producer, make_user, client_for, now, django_assert_num_queries):
    done = gig(profile, state="completed")
    producer_client, musician_client = client_for(producer), client_for(profile.user)
    todo = producer_client.get("/api/reviews/to-write/").json()
    assert [row["booking"] for row in todo["results"]] == [done.pk]
    assert todo["results"][0]["you_review"] == "of_musician"
    for bad in ({"booking": done.pk, "rating": 6}, {"booking": done.pk, "rating": "x"}, {"booking": done.pk},
                {"booking": done.pk, "rating": 5, "text": "x" * 1001},
                {"booking": done.pk, "rating": 5, "aspects": {"feel": 9}},
                {"booking": done.pk, "rating": 5, "aspects": "great"},
                {"booking": done.pk, "rating": 5, "aspects": {"paid_on_time": 5}}):
        assert producer_client.post("/api/reviews/", bad, format="json").status_code == 400, bad
    stranger = client_for(make_user(producer=True, email="s@example.com"))
    assert stranger.post("/api/reviews/", {"booking": done.pk, "rating": 1}, format="json").status_code == 404
    created = producer_client.post("/api/reviews/", {"booking": done.pk, "rating": 5, "text": "Superb",
                                                     "aspects": {"feel": 5}}, format="json")
    assert created.status_code == 201 and created.json()["published_at"] is None
    assert producer_client.post("/api/reviews/", {"booking": done.pk, "rating": 5}, format="json").status_code == 409
    # Blind: public listing is empty until the musician reviews too.
    assert APIClient().get(f"/api/reviews/?musician={profile.pk}").json()["count"] == 0
    assert musician_client.get("/api/reviews/mine/").json()["count"] == 0
    musician_client.post("/api/reviews/", {"booking": done.pk, "rating": 4}, format="json")
    with django_assert_num_queries(2):
        public = APIClient().get(f"/api/reviews/?musician={profile.pk}")
    assert public.json()["count"] == 1 and public.json()["results"][0]["text"] == "Superb"
    review_id = public.json()["results"][0]["id"]
    reply = musician_client.post(f"/api/reviews/{review_id}/reply/", {"text": "Thank you!"}, format="json")
    assert reply.status_code == 200 and reply.json()["reply_text"] == "Thank you!"
    assert musician_client.post(f"/api/reviews/{review_id}/reply/", {"text": "Again"},
                                format="json").status_code == 409
    assert producer_client.post(f"/api/reviews/{review_id}/reply/", {"text": "Me"}, format="json").status_code == 404
    assert APIClient().get("/api/reviews/").status_code == 404


def test_moderators_hide_reviews_through_the_api(gig, profile, producer, moderator, client_for, now):
    done = gig(profile, state="completed")
    review = services.review_create(author=producer, booking_id=done.pk, rating=1)
    mod = client_for(moderator)
    assert mod.post(f"/api/moderation/reviews/{review.pk}/hide/", {}, format="json").status_code == 400
    response = mod.post(f"/api/moderation/reviews/{review.pk}/hide/", {"reason": "Off topic"}, format="json")
    assert response.status_code == 200
    assert Review.objects.get(pk=review.pk).hidden_at is not None
    assert mod.post(f"/api/moderation/reviews/{review.pk}/restore/").status_code == 200
    assert client_for(producer).post(f"/api/moderation/reviews/{review.pk}/hide/", {"reason": "x"},
                                     format="json").status_code == 403


def test_recommendation_api_turns_into_a_new_offer(gig, profile, make_musician, producer, client_for, now):
    declined = gig(profile, state="declined", starts_at=now + timedelta(days=5))
    colleague = make_musician("Cara Colleague", instruments=("piano",))
    musician_client = client_for(profile.user)
    for bad in ({"booking": declined.pk}, {"booking": "x", "recommended": colleague.pk},
                {"booking": declined.pk, "recommended": colleague.pk, "note": "x" * 501}):
        assert musician_client.post("/api/recommendations/", bad, format="json").status_code == 400, bad
    assert APIClient().post("/api/recommendations/", {"booking": declined.pk, "recommended": colleague.pk},
                            format="json").status_code in (401, 403)
    assert APIClient().post("/api/recommendations/", {"booking": declined.pk, "recommended": colleague.pk,
                                                      "token": "forged"}, format="json").status_code == 400
    created = musician_client.post("/api/recommendations/", {"booking": declined.pk, "recommended": colleague.pk,
                                                             "note": "Great reader"}, format="json")
    assert created.status_code == 201
    rec_id = created.json()["id"]
    assert Notification.objects.filter(recipient=producer, kind="trust_recommendation").count() == 1

    producer_client = client_for(producer)
    listing = producer_client.get("/api/recommendations/").json()
    assert [row["id"] for row in listing["results"]] == [rec_id]
    assert musician_client.post(f"/api/recommendations/{rec_id}/send-offer/").status_code == 404
    sent = producer_client.post(f"/api/recommendations/{rec_id}/send-offer/")
    assert sent.status_code == 201
    booking = Booking.objects.get(pk=sent.json()["booking"])
    assert booking.musician == colleague.user and booking.status == Booking.Status.OFFERED
    again = producer_client.post(f"/api/recommendations/{rec_id}/send-offer/")
    assert again.json()["booking"] == booking.pk
    assert Recommendation.objects.get().status == Recommendation.Status.OFFERED


def test_endorsement_and_reputation_api(profile, client_for, make_musician, django_assert_num_queries, now):
    other = make_musician("Other")
    response = client_for(other.user).post("/api/endorsements/", {"profile": profile.pk, "genre": "soul"},
                                           format="json")
    assert response.status_code == 403 and response.json()["code"] == "not_played_together"
    assert client_for(other.user).post("/api/endorsements/", {"profile": "x"}, format="json").status_code == 400
    assert APIClient().get("/api/endorsements/").status_code == 400
    with django_assert_num_queries(2):
        listing = APIClient().get(f"/api/endorsements/?profile={profile.pk}")
    assert listing.json()["count"] == 0
    rep = APIClient().get(f"/api/reputation/{profile.pk}/").json()
    assert rep == {"profile": profile.pk, "rating_avg": None, "rating_count": 0, "gigs_completed": 0,
                   "rehired_by": 0, "vouches": []}
    draft = make_musician("Draft", status=S.DRAFT)
    assert APIClient().get(f"/api/reputation/{draft.pk}/").status_code == 404


def test_flags_and_audit_lists_for_moderators(moderator, client_for, make_musician, gig, now,
                                              django_assert_num_queries):
    profile = make_musician("Flag Me")
    gig(profile, state="accepted", starts_at=now + timedelta(days=6))
    services.moderation_suspend(profile_id=profile.pk, by=moderator, reason_code="fraud")
    client = client_for(moderator)
    with django_assert_num_queries(4):  # permissions (2), count, page
        flags = client.get("/api/moderation/flags/").json()
    assert flags["count"] == 1
    flag_id = flags["results"][0]["id"]
    assert client.post(f"/api/moderation/flags/{flag_id}/resolve/", {}, format="json").status_code == 400
    assert client.post(f"/api/moderation/flags/{flag_id}/resolve/", {"resolution": "Replacement found"},
                       format="json").status_code == 200
    assert client.get("/api/moderation/flags/?open=false").json()["count"] == 1
    assert client.get("/api/moderation/flags/?open=maybe").status_code == 400
    fresh = client_for(type(moderator).objects.get(pk=moderator.pk))  # permissions not yet cached
    with django_assert_num_queries(4):
        audit = fresh.get("/api/moderation/audit/").json()
    assert {row["action"] for row in audit["results"]} >= {"profile.suspend", "flag.resolve"}


def test_the_other_lists_cost_the_same_for_one_row_as_for_many(gig, profile, make_musician, make_user, producer,
                                                               moderator, client_for, frozen_clock, now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(client, url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(ctx.captured_queries)

    urls = {producer: ["/api/reports/", "/api/reviews/mine/", "/api/reviews/to-write/", "/api/recommendations/"],
            moderator: ["/api/moderation/reviews/"]}

    def add_rows(n):
        for i in range(n):
            done = gig(profile, state="completed")
            services.review_create(author=profile.user, booking_id=done.pk, rating=4)
            gig(profile, state="completed")
            declined = gig(profile, state="declined")
            colleague = make_musician(f"Colleague {n}-{i}", instruments=("piano",))
            services.recommendation_create(booking_id=declined.pk, actor=profile.user,
                                           recommended_profile_id=colleague.pk)
            services.report_create(reporter=producer, profile_id=colleague.pk, reason="spam")
            reviewed = gig(profile, state="completed")
            services.review_create(author=producer, booking_id=reviewed.pk, rating=5)

    add_rows(1)
    fresh = {user: client_for(type(user).objects.get(pk=user.pk)) for user in urls}
    first = {url: queries(fresh[user], url) for user, group in urls.items() for url in group}
    add_rows(2)
    fresh = {user: client_for(type(user).objects.get(pk=user.pk)) for user in urls}
    again = {url: queries(fresh[user], url) for user, group in urls.items() for url in group}
    assert first == again
    assert max(again.values()) <= 4  # count + page (+ the moderator's two permission lookups)


def test_moderators_cannot_cancel_bookings_through_the_bookings_api(gig, profile, moderator, superuser, client_for,
                                                                   now):
    booking = gig(profile, state="accepted", starts_at=now + timedelta(days=9))
    body = {"reason": "Suspicious", "expected_fee": "0.00"}
    response = client_for(moderator).post(f"/api/bookings/{booking.pk}/cancel/", body, format="json")
    assert response.status_code == 403
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.ACCEPTED
    response = client_for(superuser).post(f"/api/bookings/{booking.pk}/cancel/", body, format="json")
    assert response.status_code == 200
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
