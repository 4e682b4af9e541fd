"""Demo mode (SQLite, no row locks): the billing migrations apply, the demo seed makes its invoices, and the
earnings figures come out exact (SQLite sums decimals as floats; the selector brings them back to mills)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import io, json
from datetime import date
from decimal import Decimal
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_demo", stdout=io.StringIO())
from django.db import connection
from billing import selectors, services
from billing.models import Invoice
from gigbook.accounts.models import User
mia = User.objects.get(email="musician@gigbook.test")
invoices = list(Invoice.objects.filter(musician=mia))
summary = selectors.earnings_summary(user=mia, start=date(2000, 1, 1), end=date(2100, 1, 1), group_by="month")
print(json.dumps({"vendor": connection.vendor, "statuses": sorted(i.status for i in invoices),
                  "exact": summary.totals["GBP"].invoiced == sum(i.total for i in invoices),
                  "digits": max(-r.invoiced.as_tuple().exponent for r in summary.rows),
                  "reminders": services.invoice_reminders_send_due()}))
"""


def test_billing_demo_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "gigbook.settings", "GIGBOOK_VAR_DIR": str(tmp_path), "DEBUG": "1",
                "PYTHONPATH": str(ROOT)})
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "vendor": "sqlite", "statuses": ["issued", "issued", "paid"], "exact": True, "digits": 3, "reminders": 1}
