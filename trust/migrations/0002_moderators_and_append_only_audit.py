"""The Moderators group with exactly the permissions moderation needs, and (on PostgreSQL) a
trigger that keeps the audit log append-only whatever code or SQL tries."""

from django.db import migrations

MODERATOR_PERMISSIONS = (
    ("trust", "moderate_profile"),
    ("trust", "view_pendingprofile"),
    ("trust", "view_moderatedprofile"),
    ("trust", "view_reportedprofile"),
    ("trust", "view_report"),
    ("trust", "change_report"),
    ("trust", "view_review"),
    ("trust", "hide_review"),
    ("trust", "view_auditentry"),
    ("trust", "export_auditentry"),
    ("trust", "view_bookingflag"),
    ("trust", "change_bookingflag"),
    ("trust", "view_endorsement"),
    ("trust", "delete_endorsement"),
    ("trust", "view_recommendation"),
    ("musicians", "view_musicianprofile"),
    ("bookings", "view_booking"),
    ("accounts", "view_user"),
)


def create_moderators(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); create them now so
    # the group can hold them on a fresh database.
    from django.contrib.auth.management import create_permissions

    # (tests/conftest.py also calls this with the real app registry to restore the group after a
    # transactional test's flush, so put each app config back exactly as it was.)
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in MODERATOR_PERMISSIONS
    ]
    group.permissions.set(permissions)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION trust_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    -- The one change allowed: a deleted user's entries lose the link (actor_label keeps the name).
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
       AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'trust_auditentry is append-only: ' || TG_OP || ' refused', ERRCODE = '42501';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER trust_auditentry_append_only
    BEFORE UPDATE OR DELETE ON trust_auditentry
    FOR EACH ROW EXECUTE FUNCTION trust_auditentry_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS trust_auditentry_append_only ON trust_auditentry;
DROP FUNCTION IF EXISTS trust_auditentry_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("trust", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0001_initial"),
        ("bookings", "0001_initial"),
        ("musicians", "0003_reference_data"),
    ]

    operations = [
        migrations.RunPython(create_moderators, remove_moderators),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
