"""A call list run by a real Celery worker over Redis, with a real SMTP server, SMS files and a moved clock.

The worker is killed (SIGKILL) while it is sending the second player's offer and started again:
the chair is still filled, and every message arrives exactly once.
"""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction

from bookings.gigrequests.models import GigRequest, Invitation
from bookings.gigrequests.tasks import sweep_gig_requests
from bookings.models import Booking
from gigbook.notifications.models import Delivery
from gigbook.notifications.tasks import sweep_pending_deliveries
from tests.gigrequests.factories import ordered, post
from tests.gigrequests.story import all_delivered, emails_to, inbox_kinds, offer_link_path, sms_to, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]
S = Invitation.Status


def test_worker_killed_mid_call_list_still_fills_the_chair_with_every_message_once(
    now, producer, venue, players, smtp_server, celery_worker_process, tmp_path, settings, client
):
    sms_dir = tmp_path / "sms"
    env = {"EMAIL_URL": smtp_server.url, "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend",
           "SMS_FILE_PATH": str(sms_dir)}
    worker = celery_worker_process(env=env, name="first")
    ann, ben, cat = (players(name, lat_lng=(51.5330 - n / 100, -0.1790), email=f"{name.split()[0].lower()}@example.com")
                     for n, name in enumerate(["Ann Bass", "Ben Bass", "Cat Bass"]))
    with transaction.atomic():
        request = post(producer, venue)
    assert [i.musician for i in ordered(request)] == [ann.user, ben.user, cat.user]
    wait_for(lambda: len(sms_to(sms_dir, ann.user.phone)) == 1, message="Ann's offer text")

    # Ann declines from her phone: Ben is asked at once. The SMTP server now hangs mid-message.
    smtp_server.handler.delay = 30
    smtp_server.handler.data_started.clear()
    response = client.post(offer_link_path(sms_dir, ann.user.phone), {"action": "decline"})
    assert response.status_code == 302
    assert smtp_server.handler.data_started.wait(20), worker.log()
    ben_offer = ordered(request)[1].notification
    assert Delivery.objects.get(notification=ben_offer, channel="email").status == Delivery.Status.SENDING
    worker.kill()  # the machine dies while Ben's offer is half sent

    smtp_server.handler.delay = 0
    celery_worker_process(env=env, name="restarted")
    # Beat (run here by hand, on the restarted worker) finds the lost delivery once its lease
    # ran out, and Ben's time box ending: Cat is asked.
    now.advance(timedelta(minutes=10))
    sweep_pending_deliveries.delay()
    sweep_gig_requests.delay()
    wait_for(lambda: [i.status for i in ordered(request)] == [S.DECLINED, S.TIMED_OUT, S.SENT], message="Cat asked")
    wait_for(lambda: len(sms_to(sms_dir, cat.user.phone)) == 1 and len(sms_to(sms_dir, ben.user.phone)) == 1,
             message="Ben's and Cat's offers delivered")

    response = client.post(offer_link_path(sms_dir, cat.user.phone), {"action": "accept"})
    assert response.status_code == 302
    wait_for(all_delivered, message="everything delivered")

    booking = Booking.objects.get()
    assert booking.musician == cat.user and booking.status == Booking.Status.ACCEPTED
    assert GigRequest.objects.get(pk=request.pk).status == GigRequest.Status.FILLED
    assert inbox_kinds(ann.user) == Counter({"gig_request_offer": 1})
    assert inbox_kinds(ben.user) == Counter({"gig_request_offer": 1, "gig_request_filled": 1})
    assert inbox_kinds(cat.user) == Counter({"gig_request_offer": 1, "booking_accepted": 1})
    assert inbox_kinds(producer) == Counter({"booking_accepted": 1})
    # On the wire: one email and one text per message, the killed attempt included.
    for user, expected in ((ann.user, 1), (ben.user, 2), (cat.user, 2)):
        assert len(emails_to(smtp_server, user.email)) == expected, emails_to(smtp_server, user.email)
        assert len(sms_to(sms_dir, user.phone)) == expected, sms_to(sms_dir, user.phone)
    assert len(emails_to(smtp_server, producer.email)) == 1
    assert Delivery.objects.get(notification=ben_offer, channel="email").attempts == 2
