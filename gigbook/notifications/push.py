"""Web Push: one more channel of the outbox.

Messages are encrypted for the browser (RFC 8291, ``aes128gcm``) and signed with our VAPID key
(RFC 8292) by ``pywebpush``, and posted to the subscription's push service (RFC 8030) with a TTL, an
Urgency and a Topic: a newer message about the same page replaces one the phone has not fetched yet.

Pick a backend with PUSH_BACKEND (a dotted path):
- WebPushBackend: the real thing (production, tests against a local push service).
- FilePushBackend: one JSON file per message in PUSH_FILE_PATH (the demo, like var/sms/).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

OPENED_SALT = "gigbook.notifications.push-opened"
OPENED_MAX_AGE = 7 * 24 * 3600
# Push services accept at least 4,096 bytes of payload; keep well under it after encryption.
MAX_BODY_CHARS = 400


class PushError(Exception):
    """Sending failed. ``transient`` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


class PushGone(PushError):
    """The push service says this subscription no longer exists (404/410): delete it."""

    def __init__(self, message: str):
        super().__init__(message, transient=False)


def b64url_decode(value: str) -> bytes:
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64url_encode(value: bytes) -> str:
    return base64.urlsafe_b64encode(value).rstrip(b"=").decode()


def topic_for(key: str) -> str:
    """An RFC 8030 Topic (at most 32 characters of the URL-safe base64 alphabet) for ``key``."""
    return b64url_encode(hashlib.sha256(key.encode()).digest())[:32]


def opened_token(notification_id: int) -> str:
    return signing.dumps(notification_id, salt=OPENED_SALT, compress=True)


def opened_token_read(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=OPENED_SALT, max_age=OPENED_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return value if isinstance(value, int) else None


def _vapid_private_key() -> str:
    """The VAPID private key (base64url raw or DER). The demo makes one in var/ on first use."""
    if settings.WEBPUSH_VAPID_PRIVATE_KEY:
        return settings.WEBPUSH_VAPID_PRIVATE_KEY
    if not settings.DEBUG:
        raise PushError("Web push is not configured (WEBPUSH_VAPID_PRIVATE_KEY).", transient=False)
    from cryptography.hazmat.primitives.asymmetric import ec

    path = Path(settings.VAR_DIR) / "push" / "vapid-private-key.txt"
    if not path.exists():
        key = ec.generate_private_key(ec.SECP256R1())
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(b64url_encode(key.private_numbers().private_value.to_bytes(32, "big")))
    return path.read_text().strip()


def vapid_public_key() -> str:
    """What browsers pass as ``applicationServerKey``: the uncompressed P-256 point, base64url."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    if settings.WEBPUSH_VAPID_PUBLIC_KEY:
        return settings.WEBPUSH_VAPID_PUBLIC_KEY
    private_value = int.from_bytes(b64url_decode(_vapid_private_key()), "big")
    key = ec.derive_private_key(private_value, ec.SECP256R1())
    return b64url_encode(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


class BasePushBackend:
    def send(self, subscription, payload: dict, *, ttl: int, topic: str, urgency: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """Let go of any connection kept open between sends."""


class WebPushBackend(BasePushBackend):
    """Web Push through pywebpush. An instance sends through one HTTP session, so the pushes of a
    delivery batch to one push service (most browsers use a handful) share a kept-alive HTTPS
    connection instead of a TCP and TLS handshake each."""

    def __init__(self) -> None:
        self._session = None

    def send(self, subscription, payload: dict, *, ttl: int, topic: str, urgency: str) -> None:
        import requests
        from pywebpush import WebPushException, webpush

        if self._session is None:
            self._session = requests.Session()
        try:
            webpush(
                subscription.as_subscription_info(),
                data=json.dumps(payload),
                vapid_private_key=_vapid_private_key(),
                vapid_claims={"sub": settings.WEBPUSH_VAPID_SUBJECT},
                ttl=ttl,
                headers={"Topic": topic, "Urgency": urgency},
                timeout=settings.WEBPUSH_TIMEOUT,
                content_encoding="aes128gcm",
                requests_session=self._session,
            )
        except WebPushException as exc:
            response = exc.response
            status = getattr(response, "status_code", None)
            if status in (404, 410):
                raise PushGone(f"push service answered HTTP {status}") from exc
            # 413 (too big) and other 4xx mean the message itself is refused: do not retry.
            transient = status is None or status == 429 or status >= 500
            raise PushError(f"push service answered HTTP {status}", transient=transient) from exc
        except requests.RequestException as exc:
            self.close()  # the next push starts on fresh connections
            raise PushError(f"push service unreachable: {exc.__class__.__name__}") from exc

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()


class FilePushBackend(BasePushBackend):
    """Writes what would be pushed (before encryption) to a file, so the demo shows the payload."""

    def send(self, subscription, payload: dict, *, ttl: int, topic: str, urgency: str) -> None:
        folder = Path(settings.PUSH_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        record = {"endpoint": subscription.endpoint, "headers": {"TTL": ttl, "Topic": topic, "Urgency": urgency},
                  "payload": payload, "sent_at": timezone.now().isoformat()}
        temporary = folder / f".{name}.tmp"
        temporary.write_text(json.dumps(record, indent=2), encoding="utf-8")
        temporary.rename(folder / f"{name}.json")  # atomic: readers never see half a file
        logger.info("push written to %s", folder, extra={"push_endpoint": subscription.endpoint})


def get_push_backend() -> BasePushBackend:
    return import_string(settings.PUSH_BACKEND)()
