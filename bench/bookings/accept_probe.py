"""Count the SQL statements of one HTTP accept (token auth, DRF, service, response) in process.

Run by accept_bench.py with the code tree to measure first on sys.path (this tree's or a
baseline's); prints one JSON line. Uses the bench database and the musician/offer ids given.
"""

import json
import os
import sys

code_root, bench_dir, booking_id, token = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
sys.path[:0] = [code_root, bench_dir]
os.chdir(code_root)
os.environ["DJANGO_SETTINGS_MODULE"] = "bench_settings"

import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

client = Client(HTTP_AUTHORIZATION=f"Token {token}")
with CaptureQueriesContext(connection) as queries:
    response = client.post(f"/api/bookings/{booking_id}/accept/")
print(json.dumps({"status": response.status_code, "statements": len(queries),
                  "code": __import__("gigbook").__file__}))
