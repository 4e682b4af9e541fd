"""Lighthouse SEO score of a public profile (issue 11: "Lighthouse SEO 100 on a public profile").

    (cd bench/pages && npm install)            # Lighthouse (package.json); not needed for make run
    .venv/bin/python bench/pages/seo.py        # ~1 min

Same set-up as ``measure.py`` (its seed, production-like settings, gunicorn on loopback, DEBUG off), in
its own database ``gigbook_seobench`` (``BENCH_DATABASE_URL`` for another). Runs Lighthouse's SEO
category, signed out, against the approved musician's public profile without a photo and then with
one, and prints each score and any audit that did not pass.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gigbook_seobench")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import measure  # noqa: E402  (sets the database and settings module from the environment above)


def seo_report(url: str, out: Path) -> dict:
    import json
    import subprocess

    for _attempt in range(3):
        done = subprocess.run(
            [str(measure.LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
             "--only-categories=seo", "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run"],
            env={**os.environ, "CHROME_PATH": measure.CHROME}, timeout=240, check=False,
        )
        if done.returncode == 0:
            return json.loads(out.read_text())
    raise SystemExit(f"Lighthouse failed three times on {url}")


def main() -> None:
    import django

    if not measure.LIGHTHOUSE.exists():
        raise SystemExit("Run `npm install` in bench/pages first.")
    measure.recreate_database()
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    measure.seed()
    from musicians.models import MusicianProfile

    profile = MusicianProfile.objects.get(user__email="mia@bench.test")
    port = measure.free_port()
    server = measure.start_server(port)
    url = f"http://127.0.0.1:{port}{profile.get_absolute_url()}"
    print(f"load average {os.getloadavg()[0]:.1f}; Lighthouse SEO, signed out, Chromium {measure.CHROME}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label in ("without a photo", "with a photo"):
                if label == "with a photo":
                    _give_photo(profile)
                report = seo_report(url, Path(tmp) / "seo.json")
                score = round(report["categories"]["seo"]["score"] * 100)
                print(f"public profile {label:16} SEO {score:3d}  ({report['lighthouseVersion']}, {url})")
                for ref in report["categories"]["seo"]["auditRefs"]:
                    audit = report["audits"][ref["id"]]
                    if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                        print(f"    not passed: {ref['id']}: {audit['title']}")
    finally:
        server.terminate()
        server.wait(timeout=20)


def _give_photo(profile) -> None:
    """A real JPEG through the storage the app uses, so og:image and the page's <img> point at it."""
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), (120, 90, 160)).save(buffer, "JPEG")
    profile.photo.save("mia.jpg", ContentFile(buffer.getvalue()), save=True)
    from django.core.cache import cache

    cache.clear()  # the public profile page may be cached


if __name__ == "__main__":
    main()
