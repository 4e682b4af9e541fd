"""Helpers for Celery work started by services.

Services enqueue by task *name* so they never import a tasks module: tasks import services, and
an import the other way would make a circle (``tests/test_service_layout.py`` checks it).
"""

from __future__ import annotations

from functools import partial

from celery import shared_task
from django.db import transaction


def task_by_name(name: str):
    """The registered Celery task called ``name`` (raises LookupError for an unknown name)."""
    from gigbook.celery import app

    tasks = app.tasks
    if name not in tasks:
        # A web process has not necessarily imported every app's tasks module yet. Task names are
        # their module paths: import that module (cheap), else every app's tasks module (an alias
        # named after an old path). Not import_default_modules(): Celery's Django fixup runs all
        # system checks there, seconds of work.
        import importlib

        from django.conf import settings

        try:
            importlib.import_module(name.rpartition(".")[0])
        except ImportError:
            for app_name in settings.INSTALLED_APPS:
                try:
                    importlib.import_module(f"{app_name}.tasks")
                except ModuleNotFoundError:
                    continue
    try:
        return tasks[name]
    except KeyError:
        raise LookupError(f"No Celery task is registered under the name {name!r}") from None


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Send the task registered as ``task_name`` with ``args`` only after the current transaction commits.

    A task sent mid-transaction could run before the rows it needs are visible, or for rows
    that are rolled back. Outside a transaction it is sent at once. The name is looked up now, so
    a misspelt one fails in the service (and its test), not later in a worker. The registered task
    object (not ``send_task``) is used so that eager mode in tests and the demo still applies.
    """
    task = task_by_name(task_name)
    transaction.on_commit(partial(task.delay, *args, **kwargs))



@shared_task(name="gigbook.core.tasks.purge_short_links")
def purge_short_links() -> int:
    """Daily: drop text-message aliases long past their link's expiry (gigbook/core/shortlinks.py)."""
    from gigbook.core.shortlinks import short_links_purge

    return short_links_purge()
