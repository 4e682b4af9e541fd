"""The notification outbox. (Interface fixed; implementation in progress.)"""

from __future__ import annotations


def notify(
    *,
    recipient,
    kind: str,
    title: str,
    body: str,
    url: str = "",
    sms_text: str = "",
    attachments: list[dict] | None = None,
    dedupe_key: str = "",
):
    """Write a Notification (outbox row) in the caller's transaction; deliver after commit."""
    raise NotImplementedError
