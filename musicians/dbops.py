"""Migration helpers for PostgreSQL-only DDL (kept outside migrations/ so migrations can import it).

The demo runs on SQLite, which has no GiST/GIN indexes or range types; there the search uses the
same filters without these indexes, which is fine at demo scale.
"""

from __future__ import annotations

from django.db import migrations


def postgres_only_sql(forward: list[str], backward: list[str]) -> migrations.RunPython:
    def _run(statements):
        def run(apps, schema_editor):
            if schema_editor.connection.vendor != "postgresql":
                return
            for statement in statements:
                schema_editor.execute(statement)

        return run

    return migrations.RunPython(_run(forward), _run(backward), elidable=False)
