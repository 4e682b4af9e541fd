"""A worker killed (SIGKILL) in the middle of a batch, with a real worker, Redis and SMTP server.

The SMTP server takes in one message and then never answers while the worker is connected: the
kill lands exactly while that message is in flight (the provider has it, the worker has not
recorded it). Every other message must arrive exactly once, and the rest of the batch promptly.
"""

import os
import signal
import time
from collections import Counter

import pytest
from django.db import transaction

from gigbook.notifications import services
from gigbook.notifications.models import Delivery
from gigbook.notifications.tasks import sweep_pending_deliveries

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

S = Delivery.Status


def wait_for(predicate, timeout=30.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def status_counts() -> dict[str, int]:
    return Counter(Delivery.objects.values_list("status", flat=True))


def received(smtp_server) -> Counter:
    return Counter(message["To"] for message in list(smtp_server.handler.messages))


def notify_all(make_user, count: int) -> list[str]:
    users = [make_user(email=f"player{n:02d}@example.com") for n in range(count)]
    with transaction.atomic():  # one transaction, as a broadcast writes them: batches of 25
        for user in users:
            services.notify(recipient=user, kind="gig_request_offer", title="Bass, tonight", body="Offer", url="/o/1/")
    return [user.email for user in users]


def report_duplicates(counts: Counter, in_flight: str) -> int:
    duplicates = {address: n - 1 for address, n in counts.items() if n > 1}
    print(f"\nduplicates: {sum(duplicates.values())} {duplicates} (message in flight at the kill: to {in_flight})")  # noqa: T201
    return sum(duplicates.values())


def test_worker_killed_mid_batch_of_50_sends_each_once_but_the_one_in_flight_and_the_rest_at_restart(
    make_user, smtp_server, celery_worker_process
):
    env = {"EMAIL_URL": smtp_server.url}
    smtp_server.handler.hold_at = 11
    # One pool process: one batch at a time, so exactly one message can be in flight.
    worker = celery_worker_process(env=env, concurrency=1, name="mailer")
    addresses = notify_all(make_user, 50)

    assert smtp_server.handler.held.wait(60), worker.log()
    in_flight = smtp_server.handler.messages[-1]["To"]
    # The batch sends over one SMTP connection, so the kill cuts a connection in use mid-batch.
    assert len(set(smtp_server.handler.peers)) == 1, smtp_server.handler.peers
    # Each send was recorded as it was made: ten 'sent'; the one in flight and the rest of its
    # batch 'sending'; the other batches still waiting in the broker.
    before_kill = status_counts()
    assert before_kill[S.SENT] == 10 and before_kill[S.SENDING] >= 1 and before_kill.total() == 50, before_kill
    worker.kill()
    assert status_counts() == before_kill
    assert sum(received(smtp_server).values()) == 11

    restarted_at = time.monotonic()
    # Same worker name, as a supervisor restarts it (with its usual two pool processes).
    celery_worker_process(env=env, concurrency=2, name="mailer")
    ready = time.monotonic() - restarted_at
    assert wait_for(lambda: set(received(smtp_server)) == set(addresses), timeout=30), received(smtp_server)
    took = time.monotonic() - restarted_at
    print(f"\nall 50 recipients had their message {took:.1f} s after the restart (worker ready after {ready:.1f} s; "  # noqa: T201
          f"lease {services._lease()})")
    assert took < 15
    assert wait_for(lambda: status_counts() == {S.SENT: 50}), status_counts()

    time.sleep(1.5)  # room for any (wrong) further send
    counts = received(smtp_server)
    assert report_duplicates(counts, in_flight) <= 1
    assert all(n == 1 for address, n in counts.items() if address != in_flight), counts
    assert sweep_pending_deliveries() == 0


def test_pool_process_killed_mid_batch_its_redelivered_task_takes_its_claims_back_at_once(
    make_user, smtp_server, celery_worker_process
):
    """The pool child dies (OOM killer, segfault): reject_on_worker_lost gives the task again at once."""
    env = {"EMAIL_URL": smtp_server.url}
    smtp_server.handler.hold_at = 6
    worker = celery_worker_process(env=env, concurrency=1, name="pool")
    addresses = notify_all(make_user, 25)

    assert smtp_server.handler.held.wait(60), worker.log()
    in_flight = smtp_server.handler.messages[-1]["To"]
    assert status_counts()[S.SENT] == 5
    claimed = dict(Delivery.objects.filter(status=S.SENDING).values_list("pk", "claim_token"))
    tokens = set(claimed.values())
    assert len(claimed) >= 15 and len(tokens) == 1 and tokens != {""}
    [child] = worker.pool_pids()
    os.kill(child, signal.SIGKILL)

    killed_at = time.monotonic()
    # Well within the 30 s lease, and no sweep runs: only the redelivered task can send these.
    assert wait_for(lambda: status_counts() == {S.SENT: 25}, timeout=20), (status_counts(), worker.log())
    took = time.monotonic() - killed_at
    print(f"\nrest of the batch sent {took:.1f} s after the pool process was killed")  # noqa: T201
    assert took < 10
    # The same task (same id) took them back.
    assert set(Delivery.objects.filter(pk__in=claimed).values_list("claim_token", flat=True)) == tokens
    time.sleep(1.0)
    counts = received(smtp_server)
    assert set(counts) == set(addresses)
    assert report_duplicates(counts, in_flight) <= 1
    assert all(n == 1 for address, n in counts.items() if address != in_flight), counts


def test_a_batch_longer_than_the_lease_keeps_its_claims_while_sweeps_run(
    make_user, smtp_server, celery_worker_process, settings
):
    """The heartbeat: a slow batch extends its lease, so the sweep never hands its rest to another worker."""
    settings.NOTIFICATION_LEASE_SECONDS = 3
    smtp_server.handler.delay = 0.4  # 15 messages: 6 s, twice the lease
    worker = celery_worker_process(env={"EMAIL_URL": smtp_server.url, "NOTIFICATION_LEASE_SECONDS": "3"}, concurrency=2)
    addresses = notify_all(make_user, 15)

    swept = []
    deadline = time.monotonic() + 40
    while status_counts() != {S.SENT: 15} and time.monotonic() < deadline:
        swept.append(sweep_pending_deliveries())  # beat, far more often than every 10 s
        time.sleep(0.3)
    assert status_counts() == {S.SENT: 15}, worker.log()
    assert len(swept) > 12 and not any(swept), swept  # ran past the lease, never found a lost claim
    time.sleep(1.0)
    assert received(smtp_server) == Counter(addresses)
