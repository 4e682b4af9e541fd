"""Every email the app sends carries a link to the account page and a one-click unsubscribe.

RFC 8058: ``List-Unsubscribe: <https://…>`` plus ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``;
the mail client POSTs to the URL without cookies, so the URL itself names the person and the kind
of message, signed so it cannot be altered. It never expires: an old email must still unsubscribe.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from gigbook.core.errors import DomainError

_SALT = "gigbook.unsubscribe"
ACCOUNT_PATH = "/account/"


class UnsubscribeLinkInvalid(DomainError):
    status_code = 400
    default_detail = "This unsubscribe link is not valid. It may have been copied incompletely."


def account_url() -> str:
    return f"{settings.SITE_URL}{ACCOUNT_PATH}"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, kind group) from a token; raises UnsubscribeLinkInvalid."""
    try:
        payload = signing.loads(token, salt=_SALT)
        return int(payload["u"]), str(payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise UnsubscribeLinkInvalid() from exc


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(user_id=user_id, kind=kind)}/"


def list_headers(*, user_id: int, kind: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(user_id=user_id, kind=kind)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def email_build(
    *,
    user,
    kind: str,
    subject: str,
    template: str,
    context: dict,
    to: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """An email to ``user`` (or the address ``to``) from ``template``.txt/.html with the footer links.

    ``kind`` is the kind group the unsubscribe link turns off ("all" for account messages).
    """
    full_context = {
        **context,
        "recipient": user,
        "site_url": settings.SITE_URL,
        "account_url": account_url(),
        "unsubscribe_url": unsubscribe_url(user_id=user.pk, kind=kind),
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{template}.txt", full_context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to or user.email],
        headers={**(headers or {}), **list_headers(user_id=user.pk, kind=kind)},
    )
    message.attach_alternative(render_to_string(f"{template}.html", full_context), "text/html")
    return message
