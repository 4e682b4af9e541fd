"""One SMTP connection per delivery batch, against a real SMTP server (aiosmtpd on 127.0.0.1).

Each message is still its own SMTP transaction, claimed before and recorded after: sharing the
connection changes the cost of a send, not what is recorded.
"""

import email.policy
from urllib.parse import urlsplit

import pytest
from django.core import mail

from gigbook.notifications import services
from gigbook.notifications.emails import Email
from gigbook.notifications.models import Delivery

pytestmark = pytest.mark.django_db

S = Delivery.Status


@pytest.fixture
def smtp_mailer(settings, smtp_server):
    url = urlsplit(smtp_server.url)
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": url.hostname, "port": url.port, "timeout": 10}}}
    return smtp_server


def _notify_players(make_user, count: int) -> list[int]:
    players = [make_user(email=f"conn{n:02d}@example.com") for n in range(count)]
    return [
        services.notify(recipient=player, kind="gig_request_offer", title="Bass, tonight", body="Offer", url="/o/1/").pk
        for player in players
    ]


def test_a_batch_sends_its_emails_over_one_smtp_connection(make_user, smtp_mailer):
    ids = _notify_players(make_user, 10)

    results = services.notifications_deliver(notification_ids=ids)

    assert {status for channels in results.values() for status in channels.values()} == {S.SENT}
    handler = smtp_mailer.handler
    assert sorted(m["To"] for m in handler.messages) == [f"conn{n:02d}@example.com" for n in range(10)]
    assert len(set(handler.peers)) == 1, handler.peers


def test_a_refused_message_is_retried_alone_and_the_batch_goes_on_over_a_new_connection(make_user, smtp_mailer):
    ids = _notify_players(make_user, 10)
    smtp_mailer.handler.refuse_at = {4: "451 4.3.0 Try again later"}

    results = services.notifications_deliver(notification_ids=ids)

    refused = Delivery.objects.get(notification_id=ids[3])
    assert results[ids[3]] == {"email": S.PENDING}
    assert refused.status == S.PENDING and refused.attempts == 1 and "451" in refused.last_error
    assert refused.next_attempt_at is not None
    assert Delivery.objects.exclude(pk=refused.pk).filter(status=S.SENT).count() == 9
    handler = smtp_mailer.handler
    assert sorted(m["To"] for m in handler.messages) == sorted(
        f"conn{n:02d}@example.com" for n in range(10) if n != 3
    )
    # Three before the refusal on the first connection, six after it on a second one.
    peers = handler.peers
    assert len(set(peers[:3])) == 1 and len(set(peers[3:])) == 1 and peers[0] != peers[3], peers


def _rendered(message, policy) -> bytes:
    rendered = message.message(policy=policy)
    rendered.set_boundary("fixed-boundary")  # random in each rendering
    return rendered.as_bytes()


def test_notification_emails_render_as_django_does_but_the_unsubscribe_url_stays_readable(make_user, settings):
    settings.SITE_URL = "https://gigbook.example"
    [notification_id] = _notify_players(make_user, 1)
    services.notification_deliver(notification_id=notification_id)
    [sent] = mail.outbox
    assert isinstance(sent, Email)
    sent.extra_headers.update({"Date": "Sat, 28 Nov 2026 22:30:32 +0000", "Message-ID": "<fixed@gigbook.test>"})
    url = sent.extra_headers["List-Unsubscribe"]
    assert len(url) > 78  # longer than a folded line: the standard folding would encode it

    # The SMTP backend's policy (CRLF), and the default one the file and console backends use.
    for policy in (email.policy.SMTP, email.policy.default):
        ours = _rendered(sent, policy)
        # A mail client finds the URL as written (no RFC 2047 encoded words: RFC 2369 has none).
        assert f"List-Unsubscribe: {url}{policy.linesep}".encode() in ours
        assert email.message_from_bytes(ours, policy=email.policy.default)["List-Unsubscribe"] == url
        # Everything else is byte for byte what Django renders.
        headers = {k: v for k, v in sent.extra_headers.items() if k != "List-Unsubscribe"}
        without = Email(subject=sent.subject, body=sent.body, from_email=sent.from_email, to=sent.to,
                        headers=headers, alternatives=sent.alternatives)
        plain = mail.EmailMultiAlternatives(subject=sent.subject, body=sent.body, from_email=sent.from_email,
                                            to=sent.to, headers=headers, alternatives=sent.alternatives)
        assert _rendered(without, policy) == _rendered(plain, policy)
        assert ours.replace(f"List-Unsubscribe: {url}{policy.linesep}".encode(), b"") == _rendered(without, policy)
