"""Several nodes on one box: the fill-a-chair story survives a web node and a worker dying.

Two web processes (gunicorn) on two ports, two Celery workers with different hostnames and two
beats share Redis, a real PgBouncer in front of a fresh PostgreSQL primary, its streaming replica,
and an S3 API server for uploads. A producer's short-notice request for two chairs goes out; web
node A and worker 1 are killed (-9) while the offers are being sent; the musicians answer through
whichever node is up. Then: every offer reaches every player (at most one message in flight at the
kill may arrive twice, and is reported), exactly one winner per chair, every loser told once, and a
chart uploaded through one node downloads through the other.
"""

import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from django.conf import settings
from moto.server import ThreadedMotoServer

from tests.bookings import samples
from tests.core import infra
from tests.gigrequests.story import sms_messages

pytestmark = pytest.mark.worker

BUCKET = "gigbook-media"
PLAYERS = 5
SEED = """
from django.contrib.auth import get_user_model
from gigbook.accounts.demo import seed
from tests.gigrequests.factories import Players
seed()
User = get_user_model()
make_user = lambda **kw: User.objects.create_user(
    email=kw.pop("email"), password="gigbook-demo", full_name=kw.pop("full_name"),
    is_producer=False, is_musician=True, phone=kw.pop("phone"), time_zone=kw.pop("time_zone"))
players = Players(lambda musician, **kw: make_user(**kw))
for n in range(PLAYERS):
    players(f"Bass Player {n}", lat_lng=(51.52 - n / 200, -0.15), email=f"bass{n}@example.com")
""".replace("PLAYERS", str(PLAYERS))


class Nodes:
    """Round-robin over the web nodes, like a load balancer: a node that does not answer is skipped."""

    def __init__(self, bases):
        self.bases = bases
        self.turn = 0

    def each(self):
        for offset in range(len(self.bases)):
            yield self.bases[(self.turn + offset) % len(self.bases)]
        self.turn += 1

    def call(self, token, method, path, body=None):
        for base in self.each():
            try:
                return infra.ApiClient(base, token).call(method, path, body)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                continue
        raise AssertionError("no web node answered")

    def form_post(self, path, data):
        for base in self.each():
            try:
                return infra.form_post(infra.ApiClient(base), path, data)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                continue
        raise AssertionError("no web node answered")


def _wait(predicate, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out: {message}")


def _texts(sms_dir: Path) -> dict[str, list[str]]:
    by_phone: dict[str, list[str]] = {}
    for message in sms_messages(sms_dir):
        by_phone.setdefault(message["to"], []).append(message["text"])
    return by_phone


def _offer_path(texts: list[str]) -> str:
    links = [url for text in texts for url in re.findall(r"https?://\S+", text)]
    # The offer text carries a short alias (/s/…) of the signed phone link (/gig-requests/o/…).
    offer_links = [urlsplit(url).path for url in links if urlsplit(url).path.startswith(("/s/", "/gig-requests/o/"))]
    assert offer_links, texts
    return offer_links[0]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="k", aws_secret_access_key="s",
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def test_fill_a_chair_across_two_web_nodes_and_two_workers_with_one_of_each_killed(s3_endpoint, tmp_path):
    sms_dir = tmp_path / "sms"
    with infra.primary_and_replica() as (primary, replica), infra.pgbouncer(primary) as pooled_port:
        port_a, port_b = infra.free_port(), infra.free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "gigbook.settings",
            "DEBUG": "1", "HTTPS": "0",
            "DATABASE_URL": primary.url("gigbook", port=pooled_port),
            "DATABASE_POOLER": "pgbouncer",
            "DATABASE_REPLICA_URL": replica.url("gigbook"),
            "REDIS_URL": settings.REDIS_URL,
            "REDBEAT_KEY_PREFIX": f"multinode-{uuid.uuid4().hex[:8]}:",
            "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": BUCKET, "AWS_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_S3_REGION_NAME": "us-east-1", "AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s",
            "AWS_S3_ADDRESSING_STYLE": "path",
            "SMS_BACKEND": "gigbook.notifications.sms.FileSMSBackend", "SMS_FILE_PATH": str(sms_dir),
            "EMAIL_URL": "consolemail://",
            "SITE_URL": f"http://127.0.0.1:{port_a}",
            "GIGBOOK_VAR_DIR": str(tmp_path / "var"),
            "THROTTLE_USER": "10000/min", "THROTTLE_ANON": "10000/min",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        infra.manage({**env, "DATABASE_URL": primary.url("gigbook"), "DATABASE_POOLER": ""}, "migrate", "--noinput")
        infra.manage(env, "shell", "-c", SEED)
        import redis

        redis.Redis.from_url(settings.REDIS_URL).delete("celery")
        processes = []
        try:
            web_a = infra.gunicorn(env, port_a, tmp_path / "web-a.log")
            web_b = infra.gunicorn(env, port_b, tmp_path / "web-b.log")
            worker_1 = infra.celery(env, "worker", "w1", tmp_path / "worker-1.log")
            worker_2 = infra.celery(env, "worker", "w2", tmp_path / "worker-2.log")
            beats = [infra.celery(env, "beat", f"b{n}", tmp_path / f"beat-{n}.log") for n in (1, 2)]
            processes = [web_a, web_b, worker_1, worker_2, *beats]
            a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
            nodes = Nodes([a, b])
            token = infra.api_login(a, "producer@gigbook.test")

            status, venue = nodes.call(token, "POST", "/api/venues/", {
                "name": "Studio One", "address": "1 Studio Lane, London", "city": "London",
                "latitude": 51.52, "longitude": -0.14, "time_zone": "Europe/London"})
            assert status == 201, venue
            starts = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
            status, request = nodes.call(token, "POST", "/api/gig-requests/", {
                "chairs": [{"instrument": "bass-guitar", "count": 2}], "kind": "studio_session",
                "venue": venue["id"], "starts_at": starts.isoformat(),
                "ends_at": (starts + timedelta(hours=3)).isoformat(),
                "answer_by": (starts - timedelta(hours=2)).isoformat(), "rate": "60.00", "strategy": "broadcast",
                "title": "Two basses tonight"})
            assert status == 201, request
            # The machines die while the offers are going out.
            time.sleep(0.3)
            web_a.kill()
            worker_1.kill()

            phones = [f"+447700900{n:03d}" for n in range(1, PLAYERS + 1)]
            _wait(lambda: all(phone in _texts(sms_dir) for phone in phones), 150,
                  f"an offer to every player: {sorted(_texts(sms_dir))}")
            offers = {phone: _offer_path(_texts(sms_dir)[phone]) for phone in phones}

            # Four players answer at once-ish, through whichever node is up: two chairs, two winners.
            answers = {phone: nodes.form_post(offers[phone], {"action": "accept"}) for phone in phones[:4]}
            assert all(code in (200, 302, 409) for code in answers.values()), answers
            status, final = nodes.call(token, "GET", f"/api/gig-requests/{request['id']}/")
            assert status == 200, final
            assert final["status"] == "filled", final
            status, bookings = nodes.call(token, "GET", "/api/bookings/?page_size=100")
            accepted = [item for item in bookings["results"] if item["status"] == "accepted"]
            assert len(accepted) == 2, bookings

            # Everyone hears once: two winners, the other three told the chairs are filled.
            def told_everyone():
                texts = _texts(sms_dir)
                return all(len(texts.get(phone, [])) >= 2 for phone in phones)

            _wait(told_everyone, 120, f"closing messages: {_texts(sms_dir)}")
            time.sleep(3)  # anything sent twice would show up now
            texts = _texts(sms_dir)
            duplicates = {phone: count - 2 for phone, count in Counter(
                {phone: len(texts[phone]) for phone in phones}).items() if count > 2}
            total = sum(len(v) for v in texts.values())
            print(f"multi-node: {total} texts to {len(phones)} players; duplicates {duplicates or 'none'}")  # noqa: T201
            assert sum(duplicates.values()) <= 1, texts

            # A chart uploaded through node B is readable through node A (restarted) as well.
            web_a.start()
            infra.wait_http(f"{a}/healthz", web_a)
            booking_id = accepted[0]["id"]
            upload = urllib.request.Request(
                f"{b}/api/bookings/{booking_id}/materials/", method="POST",
                data=b"--x\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nchart\r\n--x\r\n"
                     b"Content-Disposition: form-data; name=\"file\"; filename=\"chart.pdf\"\r\n"
                     b"Content-Type: application/pdf\r\n\r\n" + samples.PDF + b"\r\n--x--\r\n",
                headers={"Authorization": f"Token {token}", "Content-Type": "multipart/form-data; boundary=x"})
            with urllib.request.urlopen(upload, timeout=20) as response:  # noqa: S310 - local test server
                assert response.status == 201
                material_id = json.loads(response.read())["id"]
            for base in (a, b):
                opener = urllib.request.build_opener(_NoRedirect)
                download = urllib.request.Request(f"{base}/api/bookings/{booking_id}/materials/{material_id}/",
                                                  headers={"Authorization": f"Token {token}"})
                try:
                    opener.open(download, timeout=20)
                    raise AssertionError("expected a redirect to the bucket")
                except urllib.error.HTTPError as exc:
                    assert exc.code == 302, exc.code
                    signed = exc.headers["Location"]
                with urllib.request.urlopen(signed, timeout=20) as response:  # noqa: S310 - local S3 server
                    assert response.read() == samples.PDF
        finally:
            for process in processes:
                process.stop()
            redis.Redis.from_url(settings.REDIS_URL).delete("celery")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
