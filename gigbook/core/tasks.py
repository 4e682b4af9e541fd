"""Helpers for Celery work started by services."""

from __future__ import annotations

from functools import partial

from django.db import transaction


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Send ``task`` with ``args`` only after the current transaction commits.

    A task sent mid-transaction could run before the rows it needs are visible, or for rows
    that are rolled back. Outside a transaction it is sent at once.
    """
    transaction.on_commit(partial(task.delay, *args, **kwargs))
