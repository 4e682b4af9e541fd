from django.db import migrations

from musicians.dbops import postgres_only_sql


class Migration(migrations.Migration):
    """The search's "is this musician free" probe (musicians/search.py) on a btree.

    Measured on the 100k bench data (bench/README.md): probing the (profile_id, time range) GiST
    index once per candidate was about half of a broad search's capped count; this index answers
    the same question ("a firm interval ends after the window starts and starts before it ends")
    from the musician's future intervals, inside the index (INCLUDE, index-only). Holds are left
    out: the search asks about them for the page's rows only, on the GiST index.
    SQLite (the demo) has no INCLUDE or partial-index need at its size: PostgreSQL only.
    """

    dependencies = [("musicians", "0010_account_name_from_stage_name")]

    operations = [
        postgres_only_sql(
            ["CREATE INDEX IF NOT EXISTS musicians_busy_firm_prof_end ON musicians_busyinterval "
             "(profile_id, ends_at) INCLUDE (starts_at) WHERE source <> 'hold'"],
            ["DROP INDEX IF EXISTS musicians_busy_firm_prof_end"],
        ),
    ]
