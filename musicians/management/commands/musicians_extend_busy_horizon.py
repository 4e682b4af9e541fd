from django.core.management.base import BaseCommand

from musicians import services


class Command(BaseCommand):
    help = "Write weekly unavailability into busy time up to the horizon and purge old rows (beat runs it daily)."

    def handle(self, *args, **options):
        added = services.busy_horizon_extend()
        self.stdout.write(f"busy intervals added: {added}")
