"""PostgreSQL-only constraint helpers (outside migrations/ so migrations and models can import them).

The demo runs on SQLite, which has no EXCLUDE constraints: there the booking services' own overlap
check (under the musician lock) is the only guard. On PostgreSQL the exclusion constraint is the
guarantee.
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.operations import AddConstraint
from django.db.models import Func


def _is_postgres(connection) -> bool:
    return connection.vendor == "postgresql"


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that is invisible to non-PostgreSQL backends.

    - ``validate`` (run by ``full_clean``, so by the admin) would send TSTZRANGE to SQLite: skipped there.
    - ``constraint_sql``/``create_sql``/``remove_sql`` return None elsewhere, so SQLite's table rebuilds
      (any later AlterField on the model) do not try to recreate it.
    """

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if not _is_postgres(connections[using]):
            return
        super().validate(model, instance, exclude=exclude, using=using)

    def constraint_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not _is_postgres(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)


class AddPostgresOnlyConstraint(AddConstraint):
    """AddConstraint whose database work happens only on PostgreSQL (the state change happens everywhere)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _is_postgres(schema_editor.connection):
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _is_postgres(schema_editor.connection):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
