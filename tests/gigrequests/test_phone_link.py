"""The phone page opened from the SMS/email link: GET shows, POST answers, bad links change nothing."""

from datetime import timedelta

import pytest
from django.core import signing

from bookings.gigrequests import services
from bookings.gigrequests.models import GigRequest, Invitation
from bookings.models import Booking
from gigbook.core import clock
from gigbook.core.models import UsedActionToken
from gigbook.core.tokens import action_token_make
from gigbook.notifications.models import Notification
from tests.gigrequests.factories import GIG_START, ordered, post

pytestmark = pytest.mark.django_db
S = Invitation.Status


@pytest.fixture
def posted(now, producer, venue, players):
    ann, ben = players("Ann Bass", lat_lng=(51.5330, -0.1790)), players("Ben Bass", lat_lng=(51.52, -0.15))
    request = post(producer, venue)
    first = ordered(request)[0]
    link = Notification.objects.get(recipient=ann.user, kind="gig_request_offer").url
    return request, first, link, ann, ben


def snapshot(request):
    """Everything a bad link must leave alone."""
    return (
        list(Invitation.objects.filter(request=request).order_by("id").values_list("status", "seen_at", "answered_at")),
        Booking.objects.count(), UsedActionToken.objects.count(), Notification.objects.count(),
        GigRequest.objects.get(pk=request.pk).status,
    )


def test_get_shows_the_offer_and_changes_nothing(client, posted):
    request, first, link, ann, _ben = posted
    before = snapshot(request)
    response = client.get(link)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bass guitar for Pat Producer" in body
    assert "Answer by <strong>Tue 01 Jun, 21:10</strong>" in body
    assert 'value="accept"' in body and 'value="decline"' in body
    assert "no-store" in response["Cache-Control"]
    # A link scanner (or the musician) opening it twice: still nothing accepted or seen.
    client.get(link)
    assert snapshot(request) == before


def test_the_page_script_marks_it_seen(client, posted):
    request, first, link, _ann, _ben = posted
    assert client.post(f"{link}seen/").status_code == 204
    first.refresh_from_db()
    assert first.status == S.SEEN and first.seen_at is not None


def test_accept_from_the_phone_books_and_a_retry_shows_the_booking(client, posted):
    request, first, link, ann, _ben = posted
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == S.ACCEPTED
    page = client.get(link)
    assert "You’re booked" in page.content.decode()
    # The phone retries the POST (flaky connection): same page, nothing new.
    again = client.post(link, {"action": "accept"})
    assert again.status_code == 302
    assert Booking.objects.count() == 1


def test_decline_from_the_phone_then_a_reused_link_cannot_accept(client, posted):
    request, first, link, ann, ben = posted
    client.post(link, {"action": "decline"})
    first.refresh_from_db()
    assert first.status == S.DECLINED
    before = snapshot(request)

    response = client.post(link, {"action": "accept"})

    assert response.status_code == 409
    assert "You already declined this offer." in response.content.decode()
    assert snapshot(request) == before


def test_a_spent_token_is_refused_even_for_an_open_offer(client, posted):
    """Belt and braces: the token's single use is recorded independently of the offer's state."""
    request, first, link, _ann, _ben = posted
    token = link.split("/")[3]
    UsedActionToken.objects.create(token_id=signing.loads(token, salt="gigbook.action.gig-invitation")["j"],
                                   purpose="gig-invitation", used_at=clock.now())
    before = snapshot(request)
    page = client.get(link)
    assert 'value="accept"' not in page.content.decode()
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 409
    assert "already been used" in response.content.decode()
    assert snapshot(request) == before


def test_an_expired_link_gets_a_clear_page(client, posted, now):
    request, first, link, _ann, _ben = posted
    now.set(GIG_START)
    before = snapshot(request)
    for response in (client.get(link), client.post(link, {"action": "accept"})):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert snapshot(request) == before


def test_a_tampered_link_gets_a_clear_page(client, posted):
    request, first, link, _ann, _ben = posted
    token = link.split("/")[3]
    tampered = f"/gig-requests/o/{token[:-3]}{'abc' if not token.endswith('abc') else 'xyz'}/"
    before = snapshot(request)
    for response in (client.get(tampered), client.post(tampered, {"action": "accept"})):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert snapshot(request) == before


def test_another_musicians_token_gets_a_clear_page(client, posted):
    request, first, link, ann, ben = posted
    # Correctly signed, but naming Ben for Ann's offer (as a leaked or mixed-up link would).
    token = action_token_make(purpose=services.TOKEN_PURPOSE, subject_id=first.pk, user_id=ben.user_id,
                              expires_at=GIG_START)
    other = f"/gig-requests/o/{token}/"
    before = snapshot(request)
    for response in (client.get(other), client.post(other, {"action": "accept"})):
        assert response.status_code == 403
        assert "sent to another musician" in response.content.decode()
    assert snapshot(request) == before


def test_a_signed_in_musician_opening_someone_elses_link_changes_nothing(client, posted):
    request, first, link, ann, ben = posted
    client.force_login(ben.user)
    before = snapshot(request)
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 403
    assert snapshot(request) == before


def test_a_timed_out_offer_says_so_and_cannot_be_accepted(client, posted, now):
    request, first, link, _ann, _ben = posted
    now.advance(timedelta(minutes=11))
    page = client.get(link).content.decode()
    assert "Your time to answer ran out at Tue 01 Jun, 21:10" in page
    response = client.post(link, {"action": "accept"})
    assert response.status_code == 409
    assert Booking.objects.count() == 0


def test_a_filled_gig_says_so_plainly(client, posted, now, players):
    request, first, link, ann, ben = posted
    services.invitation_decline(invitation_id=first.pk, actor=ann.user)
    second = ordered(request)[1]
    services.invitation_accept(invitation_id=second.pk, actor=ben.user)
    late = Notification.objects.get(recipient=ben.user, kind="gig_request_offer").url
    assert "You’re booked" in client.get(late).content.decode()
    page = client.get(link).content.decode()
    assert "You declined this offer" in page


def test_the_offer_link_of_an_unanswered_player_says_filled(client, now, producer, venue, players):
    ann, ben = players("Ann", lat_lng=(51.5330, -0.1790)), players("Ben", lat_lng=(51.52, -0.15))
    request = post(producer, venue, strategy="broadcast")
    ann_link = Notification.objects.get(recipient=ann.user, kind="gig_request_offer").url
    services.invitation_accept(invitation_id=ordered(request)[1].pk, actor=ben.user)
    response = client.post(ann_link, {"action": "accept"})
    assert response.status_code == 409
    assert "This gig has just been filled" in response.content.decode()
    assert "This gig has just been filled. Thank you" in client.get(ann_link).content.decode()


def test_unknown_action_is_a_400_page(client, posted):
    request, first, link, _ann, _ben = posted
    response = client.post(link, {"action": "maybe"})
    assert response.status_code == 400
    assert "Choose accept or decline." in response.content.decode()


def test_head_answers_like_get_and_changes_nothing(client, posted):
    request, first, link, _ann, _ben = posted
    before = snapshot(request)
    for _ in range(2):  # a link previewer, then another
        response = client.head(link)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert response.content == b""
    assert snapshot(request) == before  # not seen, not accepted, token not spent
    first.refresh_from_db()
    assert first.status == S.SENT and first.seen_at is None


def test_the_slot_total_comes_first_and_accepting_leads_to_calendar_and_my_gigs(client, posted):
    from decimal import Decimal

    from bookings import fees

    request, first, link, ann, _ben = posted
    body = client.get(link).content.decode()
    hours = fees.elapsed_hours(request.starts_at, request.ends_at)
    total = f"{first.offered_rate * hours:.2f} {request.currency}"
    assert request.fee_basis == "hourly" and hours > Decimal(1)
    money = body[body.index('class="money-total"'):body.index('id="accept-offer"')]
    assert total in money  # the whole slot, not only the hourly rate
    assert body.index('id="accept-offer"') < body.index('<details class="answer decline"')
    client.post(link, {"action": "accept"})
    after = client.get(link).content.decode()
    booking = Booking.objects.get(musician=ann.user)
    assert f"{booking.fee_total:.2f}" == total.split()[0]  # the page promised what the booking pays
    assert "Add to calendar" in after and 'href="/gigs/"' in after and "google.com/maps/dir/" in after
