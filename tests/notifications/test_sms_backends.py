"""SMS backends. Twilio is outside our machine, so a local HTTP server plays its API."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest

from gigbook.notifications.sms import FileSMSBackend, SMSError, TwilioSMSBackend


@pytest.fixture
def fake_twilio():
    received = []
    state = {"status": 201}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append({"path": self.path, "auth": self.headers["Authorization"], "form": parse_qs(body)})
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"sid": "SM123"}).encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "received": received, "state": state}
    server.shutdown()


@pytest.fixture
def twilio_settings(settings, fake_twilio):
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = "secret"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE = fake_twilio["url"]
    return settings


def test_twilio_backend_posts_the_message_with_basic_auth(twilio_settings, fake_twilio):
    assert TwilioSMSBackend().send(to="+447911123456", text="Gig offer: bass Fri") == "SM123"
    (request,) = fake_twilio["received"]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert request["form"] == {"To": ["+447911123456"], "From": ["+15005550006"], "Body": ["Gig offer: bass Fri"]}


@pytest.mark.parametrize(("status", "transient"), [(400, False), (429, True), (503, True)])
def test_twilio_errors_say_whether_to_retry(twilio_settings, fake_twilio, status, transient):
    fake_twilio["state"]["status"] = status
    with pytest.raises(SMSError) as raised:
        TwilioSMSBackend().send(to="+447911123456", text="x")
    assert raised.value.transient is transient


def test_twilio_unreachable_is_transient(twilio_settings):
    twilio_settings.TWILIO_API_BASE = "http://127.0.0.1:1"
    with pytest.raises(SMSError) as raised:
        TwilioSMSBackend().send(to="+447911123456", text="x")
    assert raised.value.transient is True


def test_twilio_unconfigured_fails_permanently(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(SMSError) as raised:
        TwilioSMSBackend()
    assert raised.value.transient is False


def test_file_backend_writes_one_json_file_per_message(settings, tmp_path):
    settings.SMS_FILE_PATH = tmp_path
    FileSMSBackend().send(to="+447911123456", text="one")
    FileSMSBackend().send(to="+447911123456", text="two")
    texts = sorted(json.loads(path.read_text())["text"] for path in tmp_path.glob("*.json"))
    assert texts == ["one", "two"]
