"""Beat may run on several nodes: RedBeat's Redis lock lets one send, the others stand by.

Two real `celery beat` processes share the test Redis; no worker runs, so every task beat sent is
still in the broker queue to be counted. Each periodic task must be sent at most once per interval
(as if only one beat ran), and when the lock holder dies the standby takes over.
"""

import json
import math
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings

pytestmark = pytest.mark.worker

ROOT = Path(__file__).resolve().parents[2]


def _queued_tasks(client) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange("celery", 0, -1)]


def _start_beat(tmp_path, name, prefix):
    log_path = tmp_path / f"beat-{name}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "gigbook.settings_test",
        "REDIS_URL": settings.REDIS_URL,
        "REDBEAT_KEY_PREFIX": prefix,
        "REDBEAT_LOCK_TIMEOUT": "6",
    }
    command = [str(Path(sys.executable).with_name("celery")), "-A", "gigbook", "beat", "--loglevel=DEBUG",
               f"--schedule={tmp_path / name}"]
    log = open(log_path, "w")  # noqa: SIM115 - owned by the process
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                               cwd=str(ROOT))
    return process, log_path


def _stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_two_beats_send_each_periodic_task_once_per_interval_and_a_standby_takes_over(tmp_path):
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete("celery")
    prefix = f"test-redbeat-{uuid.uuid4().hex[:8]}:"
    schedule = settings.CELERY_BEAT_SCHEDULE
    fastest = min(schedule.values(), key=lambda entry: entry["schedule"])
    started = time.monotonic()
    first, first_log = _start_beat(tmp_path, "a", prefix)
    second = None
    try:
        time.sleep(1)
        second, second_log = _start_beat(tmp_path, "b", prefix)
        # Wait (bounded) until the fastest task has been sent twice: beat really sends throughout.
        deadline = started + 75
        while time.monotonic() < deadline and _queued_tasks(client).count(fastest["task"]) < 2:
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        sent = _queued_tasks(client)
        assert sent.count(fastest["task"]) >= 2, first_log.read_text()[-2000:] + second_log.read_text()[-2000:]
        # RedBeat first sends a task one interval after start; two beats sending would reach two
        # sends of the fastest task after one interval, not two.
        for entry in schedule.values():
            allowed = math.floor(elapsed / entry["schedule"])
            assert sent.count(entry["task"]) <= allowed, (entry["task"], sent.count(entry["task"]), allowed)

        # The lock holder dies; the standby takes the lock once it lapses and keeps sending.
        holder, standby = (first, second) if "Sending due task" in first_log.read_text() else (second, first)
        standby_log = second_log if standby is second else first_log
        assert "Sending due task" not in standby_log.read_text()
        _stop(holder)
        client.delete("celery")
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and fastest["task"] not in _queued_tasks(client):
            time.sleep(0.5)
        assert fastest["task"] in _queued_tasks(client), standby_log.read_text()[-3000:]
        assert "Sending due task" in standby_log.read_text()
    finally:
        _stop(first)
        if second is not None:
            _stop(second)
        client.delete("celery")
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
