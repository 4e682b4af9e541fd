"""Helpers for the end-to-end short-notice stories (real Celery worker, Redis, SMTP, SMS files)."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse

from gigbook.notifications.models import Delivery, Notification


def wait_for(predicate, timeout=25.0, interval=0.1, message=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"timed out waiting: {message or predicate}")


def sms_messages(folder: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(Path(folder).glob("*.json"))]


def sms_to(folder: Path, phone: str) -> list[str]:
    return [m["text"] for m in sms_messages(folder) if m["to"] == phone]


def offer_link_path(folder: Path, phone: str) -> str:
    """The path of the one-tap link in the (single) offer text sent to ``phone``."""
    [text] = [t for t in sms_to(folder, phone) if "Answer by" in t]
    url = re.findall(r"https?://\S+", text)[0]  # the offer's link comes first (then "Settings: …")
    return urlparse(url).path


def all_delivered() -> bool:
    return not Delivery.objects.exclude(status=Delivery.Status.SENT).exists()


def inbox_kinds(user) -> Counter:
    return Counter(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def emails_to(smtp_server, address: str) -> list[str]:
    return [m["Subject"] for m in smtp_server.handler.messages if m["To"] == address]
