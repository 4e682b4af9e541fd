from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gigbook.core.errors import ValidationFailed
from gigbook.exchange import services

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "eurofxref-sample.xml"


class Command(BaseCommand):
    help = ("Load euro reference exchange rates (the European Central Bank's eurofxref XML or CSV files) from a "
            "local file. Without a path, the small dated sample shipped for the demo.")

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(SAMPLE))

    def handle(self, *args, path, **options):
        try:
            result = services.rates_load(path=path)
        except ValidationFailed as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Loaded {result.rates} rates for {result.currencies} currencies over {result.days} "
                          f"day(s); latest {result.latest:%d %B %Y}.")
