import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gigbook.settings")

app = Celery("gigbook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _drop_stale_db_connections(task=None, **_kwargs) -> None:
    # Like Django's request cycle: a connection broken by a PostgreSQL restart, or older than
    # CONN_MAX_AGE, is closed so the next query reconnects instead of failing the task. Eager
    # tasks run inside the caller's transaction, whose connection must be left alone.
    if task is not None and task.request.is_eager:
        return
    from django.db import close_old_connections

    close_old_connections()
