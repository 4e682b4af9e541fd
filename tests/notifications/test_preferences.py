"""Per-kind channels, quiet hours (with a moved clock) and the one-click unsubscribe of every email."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client

from gigbook.core.errors import ValidationFailed
from gigbook.notifications import preferences, services
from gigbook.notifications.models import ChannelPreference, Delivery
from gigbook.notifications.sms import MemorySMSBackend

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def player(make_user, frozen_clock):
    # The player keeps quiet hours (22:00-07:00 London); start every test at midday so a run at night
    # does not hold the messages a test expects to be sent. Tests about quiet hours set their own time.
    frozen_clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=LONDON))
    return make_user(musician=True, email="player@example.com", phone="+447911123456", time_zone="Europe/London",
                     quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 0))


def _notify(user, kind="booking_offered", **extra):
    return services.notify(recipient=user, kind=kind, title="Offer: bass, Friday", body="Bass, Friday 10:00",
                           url="/gigs/1/", sms_text="Bass Fri", **extra)


# --- Channels per kind ---------------------------------------------------------------------------


def test_kinds_are_grouped_as_people_think_of_them():
    assert preferences.kind_group("booking_offered") == "offers"
    assert preferences.kind_group("booking_countered") == "offers"
    assert preferences.kind_group("booking_accepted") == "confirmations"
    assert preferences.kind_group("booking_reminder_24h") == "reminders"
    assert preferences.kind_group("gig_request_offer") == "short_notice"
    assert preferences.kind_group("trust_review_published") == "reviews"
    assert preferences.kind_group("profile_approved") == "moderation"
    assert preferences.kind_group("invoice_ready") == "billing"
    assert preferences.kind_group("payment_recorded") == "billing"
    assert preferences.kind_group("trust_musician_suspended") == "moderation"
    assert preferences.kind_group("welcome") == preferences.OTHER


def test_channels_follow_the_choice_for_that_kind(player):
    preferences.notification_settings_update(user=player, preferences={"offers": {"sms": False}, "reviews": {"email": False}})
    assert list(_notify(player).deliveries.values_list("channel", flat=True)) == ["email"]
    assert list(_notify(player, kind="trust_review_published").deliveries.values_list("channel", flat=True)) == ["sms"]
    assert sorted(_notify(player, kind="booking_accepted").deliveries.values_list("channel", flat=True)) == ["email", "sms"]


def test_settings_refuse_unknown_kinds_channels_and_texts_without_a_verified_phone(make_user):
    user = make_user(email="nophone@example.com")
    with pytest.raises(ValidationFailed) as caught:
        preferences.notification_settings_update(
            user=user, preferences={"gossip": {"email": True}, "offers": {"pigeon": True, "sms": True}}
        )
    messages = caught.value.fields["preferences"]
    assert "“gossip” is not a kind of message we send." in messages
    assert "We cannot send messages by “pigeon”." in messages
    assert "Add and verify a mobile number before choosing texts." in messages
    with pytest.raises(ValidationFailed) as caught:
        preferences.notification_settings_update(user=user, quiet_hours_start=time(22, 0))
    assert caught.value.fields["quiet_hours_end"] == ["Give both the start and the end of your quiet hours, or neither."]
    assert not ChannelPreference.objects.exists()


def test_a_new_channel_is_one_registration(player):
    """A channel added later (push) shows in everyone's settings with its default; nothing is migrated."""
    preferences.register_channel("pigeon", "Carrier pigeon", default=False)
    try:
        settings = preferences.notification_settings_get(user=player)
        assert settings["preferences"]["offers"] == {"email": True, "sms": True, "push": True, "pigeon": False}
        preferences.notification_settings_update(user=player, preferences={"offers": {"pigeon": True}})
        assert preferences.wanted_channels(player, kind="booking_offered") == ["email", "sms", "push", "pigeon"]
        # No sender for it here: notify skips it rather than writing a delivery nobody can send
        # (and push only goes to browsers where it was turned on: none here).
        assert sorted(_notify(player).deliveries.values_list("channel", flat=True)) == ["email", "sms"]
    finally:
        preferences.CHANNELS.pop("pigeon")


# --- Quiet hours -----------------------------------------------------------------------------------


def test_quiet_hours_hold_a_message_until_morning_in_the_users_zone(player, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 27, 23, 30, tzinfo=LONDON))
    note = _notify(player)
    morning = datetime(2026, 11, 28, 7, 0, tzinfo=LONDON)
    assert set(note.deliveries.values_list("next_attempt_at", flat=True)) == {morning}
    # Nothing goes out during the night, even if a worker tries.
    assert services.notification_deliver(notification_id=note.pk) == {"email": "pending", "sms": "pending"}
    frozen_clock.set(datetime(2026, 11, 28, 6, 59, tzinfo=LONDON))
    assert note.pk not in services.deliveries_due_notification_ids()
    assert len(mail.outbox) == 0 and len(MemorySMSBackend.outbox) == 0
    # At the end of the quiet period the sweep finds it and it is sent, once.
    frozen_clock.set(datetime(2026, 11, 28, 7, 0, 30, tzinfo=LONDON))
    assert note.pk in services.deliveries_due_notification_ids()
    assert services.notification_deliver(notification_id=note.pk) == {"email": "sent", "sms": "sent"}
    assert len(mail.outbox) == 1 and len(MemorySMSBackend.outbox) == 1


def test_a_short_notice_offer_is_always_urgent(player, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 27, 23, 30, tzinfo=LONDON))
    note = _notify(player, kind="gig_request_offer")
    assert set(note.deliveries.values_list("next_attempt_at", flat=True)) == {None}
    assert services.notification_deliver(notification_id=note.pk) == {"email": "sent", "sms": "sent"}


def test_outside_quiet_hours_messages_go_at_once(player, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 28, 7, 0, tzinfo=LONDON))
    assert set(_notify(player).deliveries.values_list("next_attempt_at", flat=True)) == {None}
    frozen_clock.set(datetime(2026, 11, 28, 21, 59, tzinfo=LONDON))
    assert set(_notify(player, kind="booking_accepted").deliveries.values_list("next_attempt_at", flat=True)) == {None}


def test_quiet_hours_follow_the_users_own_clock(make_user, frozen_clock):
    user = make_user(email="ny@example.com", time_zone="America/New_York",
                     quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 30))
    # 04:00 UTC is 23:00 in New York: quiet until 07:30 New York time (12:30 UTC).
    frozen_clock.set(datetime(2026, 11, 28, 4, 0, tzinfo=UTC))
    held = _notify(user).deliveries.get()
    assert held.next_attempt_at == datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
    # A daytime quiet period (e.g. a matinee) ends the same day.
    user.quiet_hours_start, user.quiet_hours_end = time(13, 0), time(17, 0)
    frozen_clock.set(datetime(2026, 11, 28, 19, 0, tzinfo=UTC))  # 14:00 in New York
    assert preferences.quiet_until(user, at=frozen_clock.now()) == datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    frozen_clock.set(datetime(2026, 11, 28, 23, 0, tzinfo=UTC))  # 18:00 in New York
    assert preferences.quiet_until(user, at=frozen_clock.now()) is None


def test_quiet_hours_across_a_clock_change(make_user):
    user = make_user(email="dst@example.com", time_zone="Europe/London",
                     quiet_hours_start=time(22, 0), quiet_hours_end=time(7, 0))
    # The night British Summer Time ends (25 Oct 2026): 07:00 GMT is 07:00 UTC, not 06:00.
    assert preferences.quiet_until(user, at=datetime(2026, 10, 24, 23, 0, tzinfo=UTC)) == datetime(
        2026, 10, 25, 7, 0, tzinfo=UTC
    )


def test_held_deliveries_are_not_enqueued_at_commit(player, frozen_clock, django_capture_on_commit_callbacks):
    frozen_clock.set(datetime(2026, 11, 27, 23, 30, tzinfo=LONDON))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _notify(player)
    assert callbacks == []  # the beat sweep sends it when it is due; no task waits in the broker


# --- Emails: footer links, List-Unsubscribe, one-click POST ------------------------------------------


def test_every_notification_email_links_the_account_page_and_carries_one_click_unsubscribe(player, settings):
    settings.SITE_URL = "https://gigbook.example"
    services.notification_deliver(notification_id=_notify(player, kind="booking_accepted").pk)
    [message] = mail.outbox
    url = message.extra_headers["List-Unsubscribe"]
    assert url.startswith("<https://gigbook.example/unsubscribe/") and url.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://gigbook.example/account/" in message.body
    assert "https://gigbook.example/account/" in message.alternatives[0].content
    assert "Settings: https://gigbook.example/account/" in MemorySMSBackend.outbox[0]["text"]
    # The rendered message really has the headers (what a mail client sees).
    rendered = message.message()
    assert rendered["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert rendered["List-Unsubscribe"] == url


def test_one_click_unsubscribe_works_without_cookies_or_csrf(player):
    services.notification_deliver(notification_id=_notify(player).pk)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", "")
    browser = Client(enforce_csrf_checks=True)
    # GET (a link scanner, or a person) only asks.
    page = browser.get(url)
    assert page.status_code == 200 and b"Stop sending offers emails" in page.content
    assert preferences.wanted_channels(player, kind="booking_offered") == ["email", "sms", "push"]
    # The mail client's POST, exactly as RFC 8058 describes it: no cookies, no token.
    response = browser.post(url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert preferences.wanted_channels(player, kind="booking_offered") == ["sms", "push"]
    assert browser.post(url).status_code == 200  # twice is harmless
    # Only that kind stopped.
    assert preferences.wanted_channels(player, kind="booking_accepted") == ["email", "sms", "push"]
    assert list(_notify(player).deliveries.values_list("channel", flat=True)) == ["sms"]


def test_a_damaged_unsubscribe_link_gets_a_friendly_page(player):
    services.notification_deliver(notification_id=_notify(player).pk)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", "")
    response = Client().post(url.replace("/unsubscribe/", "/unsubscribe/x"))
    assert response.status_code == 400 and b"not valid" in response.content
    assert ChannelPreference.objects.count() == 0


def test_every_email_the_app_sends_carries_the_unsubscribe_headers(player, client, django_capture_on_commit_callbacks,
                                                                    eager_celery):
    from gigbook.accounts import services as accounts

    services.notification_deliver(notification_id=_notify(player).pk)  # a notification
    services.notification_deliver(notification_id=services.notify(recipient=player, kind="welcome", title="Hi", body="x").pk)
    with django_capture_on_commit_callbacks(execute=True):
        accounts.email_change_request(user=player, new_email="new.player@example.com")  # the change link
    client.post("/password-reset/", {"email": "player@example.com"})  # Django's reset email
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert message.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/unsubscribe/"), message.subject
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click", message.subject
        assert "/account/" in message.body, message.subject
    # "all" turns off every optional email at once.
    reset = mail.outbox[-1]
    Client().post(reset.extra_headers["List-Unsubscribe"].strip("<>").replace("http://127.0.0.1:8000", ""))
    assert all(not channels["email"] for channels in preferences.preferences_for(player).values())


def test_delivery_rows_keep_their_due_time_for_the_sweep(player, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 27, 23, 30, tzinfo=LONDON))
    note = _notify(player)
    frozen_clock.advance(timedelta(hours=8))
    assert Delivery.objects.filter(notification=note, status="pending").count() == 2
    assert note.pk in services.deliveries_due_notification_ids()
