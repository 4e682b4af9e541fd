"""Calendar addresses are secrets: stored encrypted (Fernet), shown back only as a hint.

The key comes from ``CALENDAR_IMPORT_KEY`` when set, else is derived from SECRET_KEY. Changing the
key makes stored addresses unreadable: those calendars then report an error and the musician adds
them again (docs/calendar-import.md).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(f"gigbook.calendar_import:{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _key_source() -> str:
    return settings.CALENDAR_IMPORT_KEY or settings.SECRET_KEY


def encrypt_url(url: str) -> str:
    return _fernet(_key_source()).encrypt(url.encode()).decode()


def decrypt_url(token: str) -> str | None:
    """The address, or None when it was stored under another key."""
    try:
        return _fernet(_key_source()).decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None


def url_hint(url: str) -> str:
    """What the musician sees of the address: the server's name only ("calendar.google.com/…")."""
    return f"{(urlsplit(url).hostname or '?')[:80]}/…"
