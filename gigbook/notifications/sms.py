"""SMS backends. Pick one with the SMS_BACKEND setting (a dotted path).

- ConsoleSMSBackend: logs the message (demo).
- FileSMSBackend: one JSON file per message in SMS_FILE_PATH, so a tester can open the link (demo, tests).
- MemorySMSBackend: an in-process list (unit tests).
- TwilioSMSBackend: the real provider, configured by TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN / TWILIO_FROM_NUMBER.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import urllib.parse
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SMSError(Exception):
    """Sending failed. ``transient`` says whether trying again later may succeed."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


class BaseSMSBackend:
    def send(self, *, to: str, text: str) -> str:
        """Send ``text`` to the E.164 number ``to``; return the provider's message id."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of any connection kept open between sends."""


class ConsoleSMSBackend(BaseSMSBackend):
    def send(self, *, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        logger.info("SMS to %s: %s", to, text, extra={"sms_to": to, "sms_id": message_id})
        return message_id


class FileSMSBackend(BaseSMSBackend):
    def send(self, *, to: str, text: str) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        message_id = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        record = {"id": message_id, "to": to, "from": settings.SMS_FROM, "text": text, "sent_at": timezone.now().isoformat()}
        temporary = folder / f".{message_id}.tmp"
        temporary.write_text(json.dumps(record), encoding="utf-8")
        temporary.rename(folder / f"{message_id}.json")  # atomic: readers never see half a file
        logger.info("SMS to %s written to %s", to, folder, extra={"sms_to": to, "sms_id": message_id})
        return message_id


class MemorySMSBackend(BaseSMSBackend):
    outbox: list[dict] = []

    def send(self, *, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        MemorySMSBackend.outbox.append({"id": message_id, "to": to, "text": text})
        return message_id


class TwilioSMSBackend(BaseSMSBackend):
    """Twilio's Messages API over HTTPS with basic auth; no SDK needed for one POST.

    An instance keeps its HTTPS connection open between sends (a delivery batch uses one instance),
    so a batch of texts pays one TCP and TLS handshake instead of one per text. Each text is still
    its own request, accepted or refused on its own; after a network error the connection is
    closed and the next send opens a new one (the failed text is retried later, as before).
    """

    api_base = "https://api.twilio.com"

    def __init__(self) -> None:
        self.account_sid = settings.TWILIO_ACCOUNT_SID
        self.auth_token = settings.TWILIO_AUTH_TOKEN
        self.from_number = settings.TWILIO_FROM_NUMBER
        self.api_base = getattr(settings, "TWILIO_API_BASE", "") or self.api_base
        if not (self.account_sid and self.auth_token and self.from_number):
            raise SMSError("Twilio is not configured (TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN/TWILIO_FROM_NUMBER).", transient=False)
        base = urllib.parse.urlsplit(self.api_base)
        self._https, self._host, self._port = base.scheme == "https", base.hostname, base.port
        self._path = f"{base.path.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        self._headers = {"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"}
        self._connection: http.client.HTTPConnection | None = None

    def send(self, *, to: str, text: str) -> str:
        data = urllib.parse.urlencode({"To": to, "From": self.from_number, "Body": text}).encode()
        try:
            if self._connection is None:
                connection_class = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                self._connection = connection_class(self._host, self._port, timeout=15)
            self._connection.request("POST", self._path, body=data, headers=self._headers)
            response = self._connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, closed by the server
            self.close()
            raise SMSError(f"Twilio unreachable: {exc!r}") from exc
        if response.will_close:
            self.close()
        if response.status >= 400:
            # 4xx other than 429 means the message itself is bad (e.g. invalid number): do not retry.
            transient = response.status == 429 or response.status >= 500
            raise SMSError(f"Twilio answered HTTP {response.status}", transient=transient)
        return str(json.loads(body.decode() or "{}").get("sid", ""))

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def get_sms_backend() -> BaseSMSBackend:
    return import_string(settings.SMS_BACKEND)()
