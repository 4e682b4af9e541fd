import os

# The sync Playwright API keeps an event loop in the main thread; without this every ORM call in a
# browser test raises SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.core.cache import cache  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from gigbook.core import clock  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _clear_cache() -> None:
    # Under pytest-xdist the workers share one Redis database, each under its own key prefix
    # (settings_test): cache.clear() is FLUSHDB and would wipe the other worker's moved clock
    # mid-test. There, only this worker's keys go.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not hasattr(cache, "_cache"):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{worker}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters and the clock override live in Redis; start every test clean (and
    without the exchange rates in force that an earlier test's rolled-back rows left in memory)."""
    from gigbook.exchange.selectors import clear_cache

    _clear_cache()
    clear_cache()
    yield
    _clear_cache()
    clear_cache()


# Data migrations that seed reference data (instruments, genres, the Moderators group). A
# transactional test ends with a flush that deletes their rows, so the next transactional test
# would start without them; they are restored before each such test.
_REFERENCE_DATA_SEEDERS = [
    ("musicians.migrations.0003_reference_data", "seed"),
    ("trust.migrations.0002_moderators_and_append_only_audit", "create_moderators"),
]


def _restore_reference_data() -> None:
    import importlib

    from django.apps import apps

    for module_name, function_name in _REFERENCE_DATA_SEEDERS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        getattr(module, function_name)(apps, None)
    # The rows come back with new ids: drop the search's process-local slug -> id maps.
    from musicians.selectors import genre_slugs, instrument_slugs

    instrument_slugs.clear()
    genre_slugs.clear()


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        _restore_reference_data()


@pytest.fixture
def frozen_clock():
    """Control time: ``frozen_clock.set(dt)`` / ``frozen_clock.advance(timedelta)``."""

    class _Clock:
        def set(self, moment):
            clock.set_now(moment)
            return moment

        def advance(self, delta):
            moment = clock.now() + delta
            clock.set_now(moment)
            return moment

        def now(self):
            return clock.now()

    control = _Clock()
    yield control
    clock.set_now(None)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_user(db, django_user_model):
    counter = {"n": 0}

    def _make(*, producer=False, musician=False, staff=False, email=None, password="pw-Str0ng-enough", **extra):
        counter["n"] += 1
        user = django_user_model.objects.create_user(
            email=email or f"user{counter['n']}@example.com",
            password=password,
            full_name=extra.pop("full_name", f"User {counter['n']}"),
            is_producer=producer,
            is_musician=musician,
            is_staff=staff,
            **extra,
        )
        return user

    return _make


@pytest.fixture
def producer(make_user):
    return make_user(producer=True, full_name="Pat Producer", email="pat@example.com", time_zone="Europe/London")


@pytest.fixture
def musician(make_user):
    return make_user(musician=True, full_name="Mia Musician", email="mia@example.com", time_zone="Europe/London")


@pytest.fixture
def staff_user(make_user):
    return make_user(staff=True, full_name="Ada Admin", email="ada@example.com")


@pytest.fixture
def client_for(db):
    """An APIClient authenticated as ``user`` (session-less, like a script)."""

    def _client(user):
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return _client


# --- Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    }


# --- Celery and mail ------------------------------------------------------------------------------


@pytest.fixture
def eager_celery():
    """Run tasks inline when .delay() is called (tasks still start only after commit)."""
    from gigbook.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield celery_app
    celery_app.conf.task_always_eager = previous


class _RecordingSMTPHandler:
    """An SMTP server's message handler that keeps what it accepted.

    With ``delay`` it waits before answering DATA; a message is only *accepted* if the client is
    still connected afterwards, as with a real server that never sent its 250 reply.

    With ``hold_at = n`` the n-th message is taken in (counted in ``messages``: a provider that
    has the message may deliver it) and then no reply is given while the client stays connected:
    the worst moment for a sender to die. ``held`` is set when that happens.

    ``refuse_at = {n: "451 ..."}`` answers the n-th message with that reply instead of taking it.
    ``peers`` holds the client's address and port of each message taken in: one per connection.
    """

    def __init__(self):
        self.messages = []
        self.delay = 0.0
        self.data_started = None
        self.hold_at = None
        self.held = None
        self.refuse_at = {}
        self.peers = []
        self.received = 0

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        import email

        if self.data_started is not None:
            self.data_started.set()
        self.received += 1
        if self.received in self.refuse_at:
            return self.refuse_at[self.received]
        if self.hold_at == self.received:
            self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
            self.peers.append(session.peer)
            self.held.set()
            transport = getattr(server, "transport", None)
            for _ in range(1200):  # at most 2 minutes
                if transport is None or transport.is_closing():
                    return "421 client went away"
                await asyncio.sleep(0.1)
            return "250 OK"
        if self.delay:
            await asyncio.sleep(self.delay)
            transport = getattr(server, "transport", None)
            if transport is None or transport.is_closing():
                return "421 client went away"
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        self.peers.append(session.peer)
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); ``.handler.messages`` holds what it accepted."""
    import socket
    import threading

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _RecordingSMTPHandler()
    handler.data_started = threading.Event()
    handler.held = threading.Event()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    controller.url = f"smtp://127.0.0.1:{port}"
    yield controller
    controller.stop()


@pytest.fixture
def celery_worker_process(settings, tmp_path):
    """Start real Celery worker processes against the test database and Redis.

    ``start(env={...})`` returns a handle with ``.kill()`` (SIGKILL to the whole process group,
    as when a machine dies) and ``.stop()``. Data the worker must see has to be committed:
    use ``@pytest.mark.django_db(transaction=True)``.
    """
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.db import connection

    from gigbook.celery import app as celery_app

    started = []
    db = connection.settings_dict
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

    class _Worker:
        def __init__(self, process, log_path):
            self.process = process
            self.log_path = log_path

        def log(self):
            return Path(self.log_path).read_text(errors="replace")

        def pool_pids(self):
            """The pool's child processes (each runs one task at a time)."""
            pids = []
            for stat in Path("/proc").glob("[0-9]*/stat"):
                try:
                    fields = stat.read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
            return pids

        def kill(self):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

        def stop(self):
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)

    def start(*, env=None, concurrency=2, name=None):
        name = name or f"w{len(started)}"
        log_path = tmp_path / f"worker-{name}.log"
        worker_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gigbook.settings_test",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            **(env or {}),
        }
        command = [
            str(Path(sys.executable).with_name("celery")), "-A", "gigbook", "worker", "--loglevel=INFO",
            f"--concurrency={concurrency}", "--pool=prefork", f"--hostname={name}-{os.getpid()}@%h",
            "--without-gossip", "--without-mingle",
        ]
        log = open(log_path, "w")  # noqa: SIM115 - owned by the process for its lifetime
        process = subprocess.Popen(
            command, env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            cwd=str(Path(__file__).resolve().parent.parent),
        )
        worker = _Worker(process, log_path)
        started.append(worker)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{worker.log()}")
            if "ready." in worker.log():
                return worker
            time.sleep(0.2)
        raise RuntimeError(f"Celery worker not ready after 30 s:\n{worker.log()}")

    celery_app.control.purge()
    yield start
    for worker in started:
        worker.stop()


# --- Web push ---------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def vapid_keys(settings):
    """A VAPID key pair for this test, in settings and as env for worker processes."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    key = ec.generate_private_key(ec.SECP256R1())
    private = _b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    public = _b64url(key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
    settings.WEBPUSH_VAPID_PRIVATE_KEY, settings.WEBPUSH_VAPID_PUBLIC_KEY = private, public
    settings.PUSH_BACKEND = "gigbook.notifications.push.WebPushBackend"
    return {"private": private, "public": public,
            "env": {"WEBPUSH_VAPID_PRIVATE_KEY": private, "WEBPUSH_VAPID_PUBLIC_KEY": public,
                    "PUSH_BACKEND": "gigbook.notifications.push.WebPushBackend"}}


class _Browser:
    """What a browser keeps for one push subscription: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self, endpoint: str):
        import os as _os

        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.endpoint = endpoint
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = _os.urandom(16)
        self.p256dh = _b64url(self.private_key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))
        self.auth = _b64url(self.auth_secret)

    def subscription_json(self) -> dict:
        """As ``PushSubscription.toJSON()`` gives it."""
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@pytest.fixture
def push_service(vapid_keys):
    """A push service on 127.0.0.1 speaking RFC 8030: it checks the VAPID signature (RFC 8292),
    decrypts each message with the browser's keys (RFC 8291, aes128gcm, via http-ece) and keeps it.

    ``browser()`` makes a subscription; ``.answer[endpoint] = 410`` makes one gone;
    ``.received`` lists {"endpoint", "headers", "payload", "client"} (client: the sender's address and
    port, one per connection: it keeps connections alive, HTTP/1.1, as real push services do).
    """
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    import http_ece
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    service = type("PushService", (), {})()
    service.browsers, service.answer, service.received, service.refused = {}, {}, [], []

    def vapid_ok(authorization: str, audience: str) -> bool:
        # "vapid t=<JWT>, k=<our public key>"; the JWT is ES256-signed, aud is the push service's origin.
        fields = dict(part.strip().split("=", 1) for part in authorization[len("vapid "):].split(","))
        if fields.get("k") != vapid_keys["public"]:
            return False
        head, claims, signature = fields["t"].split(".")
        raw = _b64url_decode(signature)
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _b64url_decode(fields["k"]))
        public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
                      f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        return json.loads(_b64url_decode(claims))["aud"] == audience

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            endpoint = f"{service.url}{self.path}"
            browser = service.browsers.get(endpoint)
            status = service.answer.get(endpoint, 201)
            try:
                assert browser is not None, "unknown subscription"
                assert self.headers.get("Content-Encoding") == "aes128gcm"
                assert vapid_ok(self.headers.get("Authorization", ""), service.url)
                payload = json.loads(http_ece.decrypt(body, private_key=browser.private_key,
                                                      auth_secret=browser.auth_secret, version="aes128gcm"))
            except Exception as exc:  # a malformed push is refused, as a real service does
                service.refused.append(f"{exc.__class__.__name__}: {exc}")
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if status < 300:
                service.received.append({"endpoint": endpoint, "headers": dict(self.headers), "payload": payload,
                                         "client": self.client_address})
            self.send_response(status)
            self.send_header("Location", f"{service.url}/message/{len(service.received)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"

    def browser(name: str | None = None) -> _Browser:
        made = _Browser(f"{service.url}/push/{name or len(service.browsers)}")
        service.browsers[made.endpoint] = made
        return made

    service.browser = browser
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()
