"""Short links for text messages: ``/s/<code>`` opens a long path on this site (e.g. a signed
phone link of ~150 characters) as if it had been opened itself.

The code is 12 URL-safe random characters (72 bits): as unguessable as the signed token it stands
for needs to be in practice, since the target still checks its own signature and expiry.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.urls import resolve

from gigbook.core import clock
from gigbook.core.models import ShortLink


def short_link_make(*, target: str, expires_at: datetime) -> str:
    """Store an alias for ``target`` (a path on this site) and return its path, ``/s/<code>``."""
    resolve(target)  # only our own pages; raises Resolver404 on anything else
    link = ShortLink.objects.create(code=secrets.token_urlsafe(9), target=target, expires_at=expires_at,
                                    created_at=clock.now())
    return f"/s/{link.code}"


def short_links_make(*, targets: list[str], expires_at: datetime) -> list[str]:
    """``short_link_make`` for many targets in one statement (a broadcast's offers); paths in order."""
    for target in set(targets):
        resolve(target)
    now = clock.now()
    links = [ShortLink(code=secrets.token_urlsafe(9), target=target, expires_at=expires_at, created_at=now)
             for target in targets]
    ShortLink.objects.bulk_create(links)
    return [f"/s/{link.code}" for link in links]


def short_link_target(code: str) -> str | None:
    link = ShortLink.objects.filter(code=code).only("target").first()
    return None if link is None else link.target





# The target page says "expired" by itself; keep aliases a while after that, then drop them.
SHORT_LINK_KEEP_DAYS = 30


def short_links_purge() -> int:
    """Delete aliases whose link expired more than SHORT_LINK_KEEP_DAYS ago. Idempotent."""
    from datetime import timedelta

    cutoff = clock.now() - timedelta(days=SHORT_LINK_KEEP_DAYS)
    deleted, _ = ShortLink.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
