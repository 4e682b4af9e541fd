"""Messages people read, read as the recipient would: the offer text, "filled", the late loser's
page, the producer's live list and greetings."""

import re

import pytest
from django.core import mail

from bookings.gigrequests import services
from bookings.gigrequests.models import Invitation
from gigbook.notifications.models import Notification
from gigbook.notifications.sms import MemorySMSBackend
from tests.gigrequests.factories import ordered, post

pytestmark = pytest.mark.django_db

TWO_CHAIRS = [{"instrument": "bass-guitar", "count": 2}]


def _texts_to(profile) -> list[str]:
    return [m["text"] for m in MemorySMSBackend.outbox if m["to"] == profile.user.phone]


def _short_link(text: str, settings) -> str:
    [link] = re.findall(rf"{re.escape(settings.SITE_URL)}/s/[A-Za-z0-9_-]{{12}}(?=\s|$)", text)
    return link


@pytest.fixture
def sent(now, producer, venue, players, eager_celery, django_capture_on_commit_callbacks):
    """A two-chair broadcast to three bass players, with the texts and emails really delivered."""
    ann, ben, cat = (players(name, lat_lng=(51.5330 - n / 100, -0.1790)) for n, name in
                     enumerate(("Ann Bass", "Ben Bass", "Dr. Cat Bass")))
    with django_capture_on_commit_callbacks(execute=True):
        request = post(producer, venue, strategy="broadcast", chairs=TWO_CHAIRS)
    return request, ann, ben, cat


def test_the_offer_text_says_when_how_many_chairs_first_to_accept_and_has_a_short_link(client, sent, settings):
    request, ann, _ben, _cat = sent
    [text] = _texts_to(ann)
    assert text.startswith("GigBook: Pat Producer needs Bass guitar (2 chairs), first to accept wins. ")
    assert "Wed 02 Jun, 10:00–13:00 (Europe/London)" in text  # date, start–end, time zone
    assert "Abbey Road Studio 2, 50.00 GBP per hour." in text
    assert "Answer by Wed 02 Jun, 09:00 (Europe/London): " in text  # not today, so with the day
    link = _short_link(text, settings)
    assert f"Answer by Wed 02 Jun, 09:00 (Europe/London): {link}" in text
    assert "/gig-requests/o/" not in text  # not the ~150-character signed link as well
    assert len(text) <= 400

    path = link.removeprefix(settings.SITE_URL)
    page = client.get(path)
    assert page.status_code == 200
    assert "Bass guitar for Pat Producer" in page.content.decode()
    assert client.head(path).status_code == 200


def test_the_short_link_keeps_the_single_use_rules(client, sent, settings):
    request, ann, _ben, _cat = sent
    path = _short_link(_texts_to(ann)[0], settings).removeprefix(settings.SITE_URL)
    assert client.get(path).status_code == 200
    assert Invitation.objects.get(request=request, musician=ann.user).status == Invitation.Status.SENT
    accepted = client.post(path, {"action": "accept"})
    assert accepted.status_code == 302
    invitation = Invitation.objects.get(request=request, musician=ann.user)
    assert invitation.status == Invitation.Status.ACCEPTED
    # The long link in the email is the same token: it shows the answer and cannot answer again.
    long_link = Notification.objects.get(recipient=ann.user, kind="gig_request_offer").url
    assert "You’re booked" in client.get(long_link).content.decode()
    assert client.post(path, {"action": "decline"}).status_code in (302, 409)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert client.get("/s/nosuchcode00").status_code == 404


def test_filled_message_for_a_two_chair_request_says_both_chairs(sent, eager_celery,
                                                                 django_capture_on_commit_callbacks):
    request, ann, ben, cat = sent
    invitations = {i.musician_id: i for i in ordered(request)}
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_accept(invitation_id=invitations[ann.user_id].pk, actor=ann.user)
        services.invitation_accept(invitation_id=invitations[ben.user_id].pk, actor=ben.user)
    filled = Notification.objects.get(recipient=cat.user, kind="gig_request_filled")
    assert "Both Bass guitar chairs for Pat Producer on Wed 02 Jun, 10:00–13:00 (Europe/London) have been filled." \
        in filled.body
    assert "the chair" not in filled.body.lower()
    [email] = [m for m in mail.outbox if m.to == [cat.user.email] and "Filled" in m.subject]
    assert "Both Bass guitar chairs" in email.body
    assert _texts_to(cat)[-1].startswith("GigBook: both Bass guitar chairs for Wed 02 Jun, 10:00 (Europe/London) "
                                         "have been filled. Thank you!")


def test_filled_message_for_one_chair_says_the_chair(now, producer, venue, players):
    ann, ben = players("Ann", lat_lng=(51.5330, -0.1790)), players("Ben", lat_lng=(51.52, -0.15))
    request = post(producer, venue, strategy="broadcast")
    services.invitation_accept(invitation_id=ordered(request)[0].pk, actor=ann.user)
    filled = Notification.objects.get(recipient=ben.user, kind="gig_request_filled")
    assert filled.body.startswith("The Bass guitar chair for Pat Producer on Wed 02 Jun, 10:00–13:00 (Europe/London) "
                                  "has been filled.")


def test_a_late_loser_reads_filled_once(client, now, producer, venue, players):
    ann, ben = players("Ann", lat_lng=(51.5330, -0.1790)), players("Ben", lat_lng=(51.52, -0.15))
    request = post(producer, venue, strategy="broadcast")
    ann_link = Notification.objects.get(recipient=ann.user, kind="gig_request_offer").url
    services.invitation_accept(invitation_id=ordered(request)[1].pk, actor=ben.user)
    page = client.post(ann_link, {"action": "accept"})
    assert page.status_code == 409
    assert page.content.decode().count("This gig has just been filled") == 1


def test_players_told_filled_show_as_filled_on_the_producers_page(client_for, now, producer, venue, players):
    ann, ben, cat = (players(name, lat_lng=(51.5330 - n / 100, -0.1790)) for n, name in enumerate(("A", "B", "C")))
    request = post(producer, venue, strategy="call_list")
    first, second, third = ordered(request)
    services.invitation_accept(invitation_id=first.pk, actor=ann.user)
    states = {row["musician"]["name"]: row["state"]
              for row in client_for(producer).get(f"/api/gig-requests/{request.pk}/").json()["invitations"]}
    # Only A was asked (a call list): the others were never sent the offer and are "withdrawn".
    assert states == {"A": "accepted", "B": "withdrawn", "C": "withdrawn"}

    request2 = post(producer, venue, strategy="broadcast", starts_at=request.starts_at.replace(hour=15),
                    ends_at=request.ends_at.replace(hour=18))
    x, y = ordered(request2)[:2]
    services.invitation_accept(invitation_id=x.pk, actor=x.musician)
    rows = client_for(producer).get(f"/api/gig-requests/{request2.pk}/").json()["invitations"]
    told = [row["state"] for row in rows if row["id"] != x.pk]
    assert told and set(told) == {"filled"}
    with open("static/js/gigrequests-status.js", encoding="utf-8") as script:
        assert 'filled: "Told it was filled"' in script.read()


def test_greetings_use_the_whole_name_not_its_first_word(sent):
    _request, _ann, _ben, cat = sent
    [email] = [m for m in mail.outbox if m.to == [cat.user.email]]
    assert email.body.startswith("Hello Dr. Cat Bass,")
    assert "Hello Dr.," not in email.body
