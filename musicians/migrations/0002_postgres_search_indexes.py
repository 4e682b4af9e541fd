from django.contrib.postgres.operations import BtreeGistExtension, TrigramExtension
from django.db import migrations

from musicians.dbops import postgres_only_sql


class Migration(migrations.Migration):
    """Indexes the search needs on PostgreSQL; see bench/README.md for the measurements."""

    dependencies = [("musicians", "0001_initial")]

    operations = [
        # Trusted extensions on PostgreSQL 13+: the database owner may create them.
        BtreeGistExtension(),
        TrigramExtension(),
        postgres_only_sql(
            [
                # "Which busy intervals overlap [from, to)": range overlap (&&) on a GiST index.
                # The bounds must be '[)' to match the half-open rule of the selectors.
                "CREATE INDEX musicians_busy_during_gist ON musicians_busyinterval "
                "USING gist (tstzrange(starts_at, ends_at, '[)'))",
                # "Whose travel radius reaches this venue": the reach rectangle contains the point.
                "CREATE INDEX musicians_prof_reach_gist ON musicians_musicianprofile "
                "USING gist (box(point(reach_lng_min, reach_lat_min), point(reach_lng_max, reach_lat_max))) "
                "WHERE status = 'approved'",
                # Substring search for q (LIKE '%word%') on names, headline and bio.
                "CREATE INDEX musicians_prof_search_trgm ON musicians_musicianprofile "
                "USING gin (search_text gin_trgm_ops) WHERE status = 'approved'",
            ],
            [
                "DROP INDEX IF EXISTS musicians_busy_during_gist",
                "DROP INDEX IF EXISTS musicians_prof_reach_gist",
                "DROP INDEX IF EXISTS musicians_prof_search_trgm",
            ],
        ),
    ]
