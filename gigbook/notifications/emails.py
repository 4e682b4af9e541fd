"""Every email the app sends carries a link to the account page and a one-click unsubscribe.

RFC 8058: ``List-Unsubscribe: <https://…>`` plus ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``;
the mail client POSTs to the URL without cookies, so the URL itself names the person and the kind
of message, signed so it cannot be altered. It never expires: an old email must still unsubscribe.
"""

from __future__ import annotations

import email.policy
import functools
from email.headerregistry import HeaderRegistry, UnstructuredHeader

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


class _URLListHeader(UnstructuredHeader):
    """List-Unsubscribe: angle-bracketed URLs, written on one line.

    The standard folding turns a header with a word longer than a line (our signed unsubscribe
    URL is ~130 characters) into RFC 2047 encoded words, ``=?utf-8?q?=3Chttp=3A//...``: the URL is
    then no longer in the header for a mail client that does not decode them (they are not allowed
    in this header, RFC 2369), and the encoding cost a tenth of the CPU of rendering the message.
    A line may be 998 characters long (RFC 5322); a longer or non-ASCII value folds as before.
    """

    def fold(self, *, policy) -> str:
        value = str(self)
        line = f"{self.name}: {value}"
        if value.isascii() and len(line) <= 998 and not any(c in value for c in "\r\n"):
            return line + policy.linesep
        return super().fold(policy=policy)


class _HeaderClasses(HeaderRegistry):
    """The standard header registry, keeping the class it makes for each header name.

    CPython's registry builds a new class with ``type()`` on every lookup, and the modern email API
    looks one up twice for every header set (``header_max_count``, then the parse): about 30 class
    creations per message, a quarter of the CPU of turning one notification email into bytes
    (measured on a broadcast's offers). The classes carry no state, so one per name serves all.
    """

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}
        self.map_to_type("list-unsubscribe", _URLListHeader)

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.clear()

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


_HEADER_CLASSES = _HeaderClasses()


@functools.cache
def _with_header_classes(policy: email.policy.Policy) -> email.policy.Policy:
    return policy.clone(header_factory=_HEADER_CLASSES)


class Email(EmailMultiAlternatives):
    """``EmailMultiAlternatives`` rendered with the caching header registry (List-Unsubscribe unfolded)."""

    def message(self, *, policy: email.policy.Policy = email.policy.default):
        # Backends pass their own policy (SMTP: CRLF line ends); only the header factory changes.
        return super().message(policy=_with_header_classes(policy))


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
) -> Email:
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
    message = Email(
        subject=subject,
        body=render_to_string(f"{template}.txt", full_context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to or user.email],
        headers={**(headers or {}), **list_headers(user_id=user.pk, kind=kind)},
    )
    message.attach_alternative(render_to_string(f"{template}.html", full_context), "text/html")
    return message
