"""SMS backends. Twilio is outside our machine, so a local HTTP server plays its API."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from gigbook.notifications.sms import FileSMSBackend, SMSError, TwilioSMSBackend


@pytest.fixture
def fake_twilio():
    received = []
    state = {"status": 201}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps the connection open between requests, as Twilio does

        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append({"path": self.path, "auth": self.headers["Authorization"], "form": parse_qs(body),
                             "client": self.client_address})
            answer = json.dumps({"sid": f"SM{len(received)}"}).encode()
            self.send_response(state["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
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
    assert TwilioSMSBackend().send(to="+447911123456", text="Gig offer: bass Fri") == "SM1"
    (request,) = fake_twilio["received"]
    assert request["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request["auth"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert request["form"] == {"To": ["+447911123456"], "From": ["+15005550006"], "Body": ["Gig offer: bass Fri"]}


def test_twilio_backend_sends_a_batch_of_texts_over_one_connection(twilio_settings, fake_twilio):
    backend = TwilioSMSBackend()
    assert [backend.send(to=f"+44791112345{n}", text=f"Offer {n}") for n in range(3)] == ["SM1", "SM2", "SM3"]
    backend.close()
    received = fake_twilio["received"]
    assert [r["form"]["Body"] for r in received] == [["Offer 0"], ["Offer 1"], ["Offer 2"]]
    assert len({r["client"] for r in received}) == 1  # one TCP (with Twilio: TLS) handshake for the three


def test_twilio_backend_opens_a_new_connection_after_the_old_one_broke(twilio_settings, fake_twilio):
    backend = TwilioSMSBackend()
    backend.send(to="+447911123450", text="first")
    backend._connection.sock.close()  # as when the provider drops an idle connection
    with pytest.raises(SMSError) as raised:
        backend.send(to="+447911123451", text="second")
    assert raised.value.transient is True  # retried later, like any network error
    assert backend.send(to="+447911123452", text="third") == "SM2"
    received = fake_twilio["received"]
    assert [r["form"]["Body"] for r in received] == [["first"], ["third"]]
    assert received[0]["client"] != received[1]["client"]
    backend.close()


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
