"""The trust pages: reviews, reports, vouching, recommending after a decline and the producer's one tap."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from bookings.models import Booking
from bookings.phone import OFFER_PURPOSE
from gigbook.core.tokens import action_token_make
from musicians.models import MusicianProfile
from trust import services
from trust.models import Endorsement, Recommendation, Report, Review

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_pages_need_a_sign_in(profile):
    for path in ("/reviews/", f"/report/musician/{profile.pk}/", f"/vouch/{profile.pk}/", "/recommendations/1/",
                 "/recommend/1/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login"), path


def test_writing_a_review_on_the_reviews_page(gig, profile, producer, now):
    done = gig(profile, state="completed")
    client = browser(producer)
    page = client.get("/reviews/").content.decode()
    assert "Gigs to review" in page and profile.user.full_name in page
    prefix = f"b{done.pk}"
    bad = client.post(f"/reviews/write/{done.pk}/", {f"{prefix}-rating": "9", f"{prefix}-text": "x"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    response = client.post(f"/reviews/write/{done.pk}/", {f"{prefix}-rating": "5", f"{prefix}-text": "<b>Great</b>",
                                                          f"{prefix}-aspect_feel": "4"}, follow=True)
    assert "Thanks! Your review" in response.content.decode()
    review = Review.objects.get()
    assert (review.rating, review.aspects, review.text) == (5, {"feel": 4}, "<b>Great</b>")
    page = client.get("/reviews/").content.decode()
    assert "hidden until they review you" in page
    assert "&lt;b&gt;Great&lt;/b&gt;" in page  # what people type is escaped
    again = client.post(f"/reviews/write/{done.pk}/", {f"{prefix}-rating": "4"})
    assert "already reviewed" in again.content.decode()


def test_strangers_get_404_on_someone_elses_booking(gig, profile, make_user, now):
    done = gig(profile, state="completed")
    stranger = make_user(producer=True, email="s@example.com")
    assert browser(stranger).get(f"/reviews/write/{done.pk}/").status_code == 404
    assert browser(stranger).get(f"/recommend/{done.pk}/").status_code == 404


def test_replying_to_a_review_of_you(gig, profile, producer, now):
    done = gig(profile, state="completed")
    review = services.review_create(author=producer, booking_id=done.pk, rating=3, text="Fine")
    services.review_create(author=profile.user, booking_id=done.pk, rating=5)
    client = browser(profile.user)
    assert "Reply" in client.get("/reviews/").content.decode()
    client.post(f"/reviews/{review.pk}/reply/", {f"r{review.pk}-text": "Thanks for having me"})
    assert Review.objects.get(pk=review.pk).reply_text == "Thanks for having me"
    response = client.post(f"/reviews/{review.pk}/reply/", {f"r{review.pk}-text": "Again"}, follow=True)
    assert "already replied" in response.content.decode()
    assert browser(producer).post(f"/reviews/{review.pk}/reply/", {f"r{review.pk}-text": "x"}).status_code == 404


def test_reporting_a_profile_from_its_page(profile, producer, now):
    client = browser(producer)
    page = client.get(f"/report/musician/{profile.pk}/")
    assert page.status_code == 200 and "Report Mia Musician" in page.content.decode()
    response = client.post(f"/report/musician/{profile.pk}/", {"reason": "other", "details": ""})
    assert "Tell us what is wrong." in response.content.decode()
    response = client.post(f"/report/musician/{profile.pk}/", {"reason": "spam", "details": "Ads"}, follow=True)
    assert response.redirect_chain[-1][0] == profile.get_absolute_url()
    assert Report.objects.filter(reporter=producer, profile=profile).count() == 1
    again = client.post(f"/report/musician/{profile.pk}/", {"reason": "spam"})
    assert "already reported" in again.content.decode()
    assert browser(producer).get("/report/musician/999999/").status_code == 404


def test_vouching_from_the_vouch_page(make_musician, gig, frozen_clock, now):
    keys = make_musician("Kim Keys")
    bass = make_musician("Ben Bass", instruments=("bass-guitar",), genres=("funk",))
    start = now + timedelta(days=3)
    gig(keys, state="accepted", starts_at=start)
    gig(bass, state="accepted", starts_at=start, instrument="bass-guitar")
    client = browser(keys.user)
    refused = client.post(f"/vouch/{bass.pk}/", {"skill": "genre:funk"})
    assert "played with" in refused.content.decode()
    from bookings import services as booking_services

    frozen_clock.set(start + timedelta(days=1))
    for booking in Booking.objects.filter(status=Booking.Status.ACCEPTED):
        booking_services.booking_complete(booking_id=booking.pk)
    response = client.post(f"/vouch/{bass.pk}/", {"skill": "instrument:bass-guitar", "note": "Solid"})
    assert response.status_code == 302
    assert Endorsement.objects.get().instrument.slug == "bass-guitar"


def test_recommending_after_declining_then_the_producer_sends_the_offer(gig, profile, make_musician, producer, now):
    declined = gig(profile, state="declined", starts_at=now + timedelta(days=5))
    colleague = make_musician("Cara Colleague", instruments=("piano",), city="Bristol")
    make_musician("Dan Drums", instruments=("drums",))
    client = browser(profile.user)
    page = client.get(f"/recommend/{declined.pk}/").content.decode()
    assert "Cara Colleague" in page and "Dan Drums" not in page  # only players of the instrument
    assert "Cara" in client.get(f"/recommend/{declined.pk}/?q=brist").content.decode()
    assert "Cara" not in client.get(f"/recommend/{declined.pk}/?q=zzz").content.decode()
    client.post(f"/recommend/{declined.pk}/", {"recommended": str(colleague.pk), "note": "Reads anything"})
    rec = Recommendation.objects.get()
    assert "You recommended" in client.get(f"/recommend/{declined.pk}/").content.decode()

    producer_client = browser(producer)
    page = producer_client.get(f"/recommendations/{rec.pk}/").content.decode()
    assert "Send them this offer" in page and "Free at that time" in page
    response = producer_client.post(f"/recommendations/{rec.pk}/", {"action": "send"})
    new = Booking.objects.get(musician=colleague.user)
    assert response.status_code == 302 and response["Location"] == f"/bookings/{new.pk}/"
    assert new.status == Booking.Status.OFFERED
    assert "You sent them the offer" in producer_client.get(f"/recommendations/{rec.pk}/").content.decode()
    assert browser(profile.user).get(f"/recommendations/{rec.pk}/").status_code == 404


def test_recommending_from_the_offer_phone_link_without_signing_in(gig, profile, make_musician, now):
    declined = gig(profile, state="declined", starts_at=now + timedelta(days=5))
    colleague = make_musician("Cara Colleague", instruments=("piano",))
    token = action_token_make(purpose=OFFER_PURPOSE, subject_id=declined.pk, user_id=profile.user_id,
                              expires_at=declined.expires_at)
    client = Client()
    assert "Cara Colleague" in client.get(f"/recommend/link/{token}/").content.decode()
    client.post(f"/recommend/link/{token}/", {"recommended": str(colleague.pk)})
    assert Recommendation.objects.get().recommender == profile.user
    assert client.get("/recommend/link/not-a-token/").status_code == 400


def test_the_profile_block_shows_figures_vouches_and_reviews(gig, profile, producer, make_user, now):
    done = gig(profile, state="completed")
    services.review_create(author=producer, booking_id=done.pk, rating=4, text="Lovely <i>feel</i>")
    services.review_create(author=profile.user, booking_id=done.pk, rating=5)
    gig(profile, state="completed")
    request = RequestFactory().get("/")
    request.user = make_user(producer=True, email="viewer@example.com")
    profile = MusicianProfile.objects.get(pk=profile.pk)
    html = Template("{% load trust_tags %}{% profile_reputation profile %}").render(
        Context({"profile": profile, "request": request, "user": request.user}))
    assert "Rated 4.00 / 5 (1 review)" in html
    assert "2 gigs completed" in html and "Rehired by 1 producer" in html
    assert "Lovely &lt;i&gt;feel&lt;/i&gt;" in html
    assert f"/report/musician/{profile.pk}/" in html


def test_the_public_profile_page_shows_the_reputation_block(gig, profile, producer, now):
    gig(profile, state="completed")
    html = Client().get(f"/musicians/{profile.pk}/").content.decode()
    assert "Reputation" in html and "1 gig completed" in html and "Rehired by 0 producers" in html
    assert "Report this profile" not in html  # signed-out visitors are asked to sign in first
    assert "Report this profile" in browser(producer).get(f"/musicians/{profile.pk}/").content.decode()


def test_declining_on_the_phone_page_offers_to_recommend_a_colleague(gig, profile, make_musician, producer, now):
    from gigbook.notifications.models import Notification

    colleague = make_musician("Cara Colleague", instruments=("piano",))
    offered = gig(profile, state="offered", starts_at=now + timedelta(days=5))
    link = Notification.objects.get(recipient=profile.user, kind="booking_offered").url
    client = Client()
    client.post(link, {"action": "decline", "note": "Away"})
    assert Booking.objects.get(pk=offered.pk).status == Booking.Status.DECLINED
    page = client.get(link).content.decode()
    assert "Recommend a colleague" in page
    recommend = re.search(r'href="(/recommend/link/[^"]+/)"', page).group(1)
    client.post(recommend, {"recommended": str(colleague.pk), "note": "Great reader"})
    rec = Recommendation.objects.get()
    assert (rec.booking_id, rec.recommended_id) == (offered.pk, colleague.pk)
    # Signed in, the booking page offers the same after a decline.
    assert "Recommend a colleague" in browser(profile.user).get(f"/bookings/{offered.pk}/").content.decode()
    assert "Recommend a colleague" not in browser(producer).get(f"/bookings/{offered.pk}/").content.decode()
