"""Account use cases: sign-up with a national phone, phone verification, email change, password."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from gigbook.accounts import services
from gigbook.accounts.models import PhoneVerification, User
from gigbook.accounts.services.phone import TooManyCodes
from gigbook.core.errors import ValidationFailed
from gigbook.core.tokens import TokenExpired, TokenInvalid, TokenUsed
from gigbook.notifications import services as notifications
from gigbook.notifications.sms import MemorySMSBackend

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    MemorySMSBackend.outbox.clear()
    yield
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks, eager_celery):
    """Run on-commit work (Celery tasks, eagerly) as a real commit would."""

    def _run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return _run


def _last_code(to: str) -> str:
    texts = [m["text"] for m in MemorySMSBackend.outbox if m["to"] == to]
    assert texts, f"no text to {to}"
    return re.search(r"\b(\d{6})\b", texts[-1]).group(1)


def _register(**overrides):
    fields = {"email": "lena@example.com", "password": "cello-and-viola-2026", "full_name": "Lena Strings",
              "roles": ["musician"], "phone": "07700 900123", "phone_country": "GB", "time_zone": "Europe/London"}
    fields.update(overrides)
    return services.user_register(**fields)


# --- Sign-up ------------------------------------------------------------------------------------


def test_sign_up_reads_a_national_number_in_the_chosen_country_and_texts_a_code(run_on_commit):
    user = run_on_commit(_register)
    assert user.phone == "+447700900123"
    assert not user.phone_verified
    assert user.display_name == "Lena Strings" and user.greeting_name == "Lena Strings"
    code = _last_code("+447700900123")
    assert "GigBook: your code is" in MemorySMSBackend.outbox[-1]["text"]
    services.phone_verify(user=user, code=code)
    user.refresh_from_db()
    assert user.phone_verified


@pytest.mark.parametrize(
    ("phone", "country", "message"),
    [
        ("12345", "GB", "not a valid phone number for the country chosen"),
        ("call me maybe", "GB", "could not read this as a phone number"),
        ("07700 900123", "", "Choose your country"),
        ("0" * 40, "GB", "too long"),
    ],
)
def test_sign_up_refuses_unreadable_phones_with_plain_words(phone, country, message):
    with pytest.raises(ValidationFailed) as caught:
        _register(phone=phone, phone_country=country)
    assert message in caught.value.fields["phone"][0]
    assert "E.164" not in caught.value.fields["phone"][0]
    assert not User.objects.exists()


def test_sign_up_refuses_unknown_time_zone_and_used_email(make_user):
    make_user(email="taken@example.com")
    with pytest.raises(ValidationFailed) as caught:
        _register(email="TAKEN@example.com", time_zone="Mars/Olympus_Mons")
    assert caught.value.fields["email"] == ["An account with this email address already exists. Log in, or reset your password."]
    assert "not a time zone we know" in caught.value.fields["time_zone"][0]


def test_texts_wait_for_the_verified_number(run_on_commit):
    user = run_on_commit(_register)
    note = notifications.notify(recipient=user, kind="booking_offered", title="Offer", body="Bass", sms_text="Bass")
    assert list(note.deliveries.values_list("channel", flat=True)) == ["email"]
    services.phone_verify(user=user, code=_last_code(user.phone))
    user.refresh_from_db()
    note = notifications.notify(recipient=user, kind="booking_offered", title="Offer 2", body="Bass", sms_text="Bass")
    assert sorted(note.deliveries.values_list("channel", flat=True)) == ["email", "sms"]


# --- Phone verification --------------------------------------------------------------------------


def test_changing_phone_takes_effect_only_after_the_code(run_on_commit, musician):
    musician.phone = "+447911123456"
    musician.phone_verified_at = datetime(2026, 1, 1, tzinfo=UTC)
    musician.save()
    run_on_commit(services.phone_verification_start, user=musician, phone="020 7946 0000", country="GB")
    musician.refresh_from_db()
    assert musician.phone == "+447911123456"  # texts still go to the old, verified number
    assert services.pending_phone(musician).phone == "+442079460000"
    services.phone_verify(user=musician, code=_last_code("+442079460000"))
    musician.refresh_from_db()
    assert musician.phone == "+442079460000" and musician.phone_verified


def test_wrong_code_is_counted_and_explained(run_on_commit, musician):
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    code = _last_code("+447700900555")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code=wrong)
    assert caught.value.fields["code"] == ["That code is not right. Check the latest text we sent you (4 tries left)."]
    assert PhoneVerification.objects.get().failed_attempts == 1  # committed although the call failed
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code="12a")
    assert caught.value.fields["code"] == ["Enter the 6-digit code from the text we sent you."]
    services.phone_verify(user=musician, code=f" {code[:3]} {code[3:]} ")  # spaces as typed from the text
    musician.refresh_from_db()
    assert musician.phone == "+447700900555"


def test_five_wrong_tries_end_the_code(run_on_commit, musician):
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    code = _last_code("+447700900555")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            services.phone_verify(user=musician, code=wrong)
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code=wrong)
    assert "that was the last try" in caught.value.fields["code"][0]
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code=code)  # even the right code no longer works
    assert "expired" in caught.value.fields["code"][0]


def test_expired_code_is_refused_plainly(run_on_commit, musician, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    frozen_clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code=_last_code("+447700900555"))
    assert caught.value.fields["code"] == ["This code has expired: codes work for 10 minutes. Ask for a new one."]
    musician.refresh_from_db()
    assert musician.phone == ""


def test_a_used_code_cannot_be_used_again(run_on_commit, musician):
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    code = _last_code("+447700900555")
    services.phone_verify(user=musician, code=code)
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code=code)
    assert "already been used" in caught.value.fields["code"][0]
    # A newer code for another number: the old one still reads as used, not as "wrong".
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900556")
    with pytest.raises(ValidationFailed) as caught:
        services.phone_verify(user=musician, code=code)
    assert "already been used" in caught.value.fields["code"][0]


def test_a_new_code_replaces_the_old_one(run_on_commit, musician):
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    first = _last_code("+447700900555")
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    second = _last_code("+447700900555")
    if first != second:
        with pytest.raises(ValidationFailed):
            services.phone_verify(user=musician, code=first)
    services.phone_verify(user=musician, code=second)


def test_codes_are_rate_limited_per_account_and_per_number(run_on_commit, musician, make_user, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    for n in range(5):
        run_on_commit(services.phone_verification_start, user=musician, phone=f"+44770090060{n}")
    with pytest.raises(TooManyCodes) as caught:
        services.phone_verification_start(user=musician, phone="+447700900609")
    assert caught.value.status_code == 429
    assert caught.value.fields["phone"][0].startswith("We have sent 5 codes in the last hour. Ask again after 13:00")
    other = make_user(email="other@example.com")
    with pytest.raises(TooManyCodes):  # the same number from five accounts is limited too
        for n in range(6):
            account = other if n == 0 else make_user(email=f"o{n}@example.com")
            services.phone_verification_start(user=account, phone="+447700900777")
    frozen_clock.advance(timedelta(hours=1, seconds=1))
    run_on_commit(services.phone_verification_start, user=musician, phone="+447700900609")
    assert len(MemorySMSBackend.outbox) == 5 + 1  # the refused requests texted nothing


def test_the_code_text_is_sent_once_even_if_the_task_runs_twice(run_on_commit, musician):
    from gigbook.accounts.tasks import send_phone_code

    verification = run_on_commit(services.phone_verification_start, user=musician, phone="+447700900555")
    assert send_phone_code.apply(args=(verification.pk, "123456")).get() is False
    assert len(MemorySMSBackend.outbox) == 1


# --- Email change --------------------------------------------------------------------------------


def _link_token(message) -> str:
    return re.search(r"/account/email/confirm/([^/\s]+)/", message.body).group(1)


def test_email_change_is_not_effective_before_confirmation(run_on_commit, musician):
    run_on_commit(services.email_change_request, user=musician, new_email="Mia.New@Example.com")
    musician.refresh_from_db()
    assert musician.email == "mia@example.com"
    assert musician.pending_email == "mia.new@example.com"
    [message] = mail.outbox
    assert message.to == ["mia.new@example.com"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Logging in still takes the old address.
    assert User.objects.get_by_natural_key("MIA@example.com") == musician
    user = services.email_change_confirm(token=_link_token(message))
    assert user.email == "mia.new@example.com" and user.pending_email == ""
    with pytest.raises(TokenUsed) as caught:
        services.email_change_confirm(token=_link_token(message))
    assert "already been used" in caught.value.detail


def test_email_change_link_expires_and_a_newer_request_replaces_it(run_on_commit, musician, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))
    run_on_commit(services.email_change_request, user=musician, new_email="first@example.com")
    run_on_commit(services.email_change_request, user=musician, new_email="second@example.com")
    first, second = mail.outbox
    with pytest.raises(TokenInvalid) as caught:
        services.email_change_confirm(token=_link_token(first))
    assert "replaced by a newer one" in caught.value.detail
    frozen_clock.advance(timedelta(hours=24, seconds=1))
    with pytest.raises(TokenExpired):
        services.email_change_confirm(token=_link_token(second))
    with pytest.raises(TokenInvalid):
        services.email_change_confirm(token=_link_token(second)[:-3] + "abc")
    musician.refresh_from_db()
    assert musician.email == "mia@example.com"


def test_email_change_refuses_an_address_already_used(run_on_commit, musician, make_user):
    make_user(email="taken@example.com")
    with pytest.raises(ValidationFailed) as caught:
        services.email_change_request(user=musician, new_email="Taken@example.com")
    assert caught.value.fields["email"] == ["Another account already uses this email address."]
    with pytest.raises(ValidationFailed) as caught:
        services.email_change_request(user=musician, new_email="mia@example.com")
    assert caught.value.fields["email"] == ["This is already your email address."]
    with pytest.raises(ValidationFailed) as caught:
        services.email_change_request(user=musician, new_email="not-an-address")
    assert caught.value.fields["email"] == ["Enter an email address such as name@example.com."]
    # Taken between the request and the click: refused at confirmation, nothing changes.
    run_on_commit(services.email_change_request, user=musician, new_email="late@example.com")
    make_user(email="late@example.com")
    with pytest.raises(ValidationFailed):
        services.email_change_confirm(token=_link_token(mail.outbox[-1]))
    musician.refresh_from_db()
    assert musician.email == "mia@example.com"


# --- Name and password ---------------------------------------------------------------------------


def test_display_name_is_used_to_greet_and_oversized_fields_save_nothing(musician):
    services.user_update(user=musician, display_name="  DJ Mia ")
    musician.refresh_from_db()
    assert musician.greeting_name == "DJ Mia"
    with pytest.raises(ValidationFailed) as caught:
        services.user_update(user=musician, display_name="x" * 151, time_zone="Europe/Paris")
    assert "at most 150 characters" in caught.value.fields["display_name"][0]
    musician.refresh_from_db()
    assert (musician.display_name, musician.time_zone) == ("DJ Mia", "Europe/London")


def test_password_change_checks_the_current_password(musician):
    with pytest.raises(ValidationFailed) as caught:
        services.password_change(user=musician, current_password="nope", new_password="123")
    assert caught.value.fields["current_password"] == ["Your current password is not right."]
    assert caught.value.fields["new_password"]
    services.password_change(user=musician, current_password="pw-Str0ng-enough", new_password="a-much-longer-secret-9")
    musician.refresh_from_db()
    assert musician.check_password("a-much-longer-secret-9")
