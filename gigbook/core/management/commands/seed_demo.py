from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Create (or refresh) the demo data. Idempotent: running it twice changes nothing."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "Refusing to create demo accounts with DEBUG off (that means production: publicly known "
                "passwords). To seed the demo on PostgreSQL/Redis, say so explicitly: DEBUG=1 make run "
                "(or DEBUG=1 python manage.py seed_demo)."
            )
        for dotted in settings.DEMO_SEEDERS:
            seeder = import_string(dotted)
            with transaction.atomic():
                seeder(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in with the demo accounts (password: gigbook-demo)."))
