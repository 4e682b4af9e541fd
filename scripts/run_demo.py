"""Start the web server and a Celery worker (with embedded beat) together; stop both on Ctrl-C.

Used by `make run`. If either process exits, the other is stopped too, so nothing is left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    port = os.environ.get("PORT", "8000")
    (ROOT / "var").mkdir(exist_ok=True)
    commands = {
        "worker": [
            str(BIN / "celery"), "-A", "gigbook", "worker", "--beat", "--loglevel=INFO", "--concurrency=2",
            f"--schedule={ROOT / 'var' / 'celerybeat-schedule'}",
        ],
        "web": [
            str(BIN / "gunicorn"), "gigbook.wsgi:application", f"--bind=127.0.0.1:{port}", "--workers=2",
            "--threads=4", "--access-logfile=-",
        ],
    }
    processes = {name: subprocess.Popen(command, cwd=ROOT) for name, command in commands.items()}
    print(f"GigBook on http://127.0.0.1:{port}  (Ctrl-C stops the web server and the worker)", flush=True)

    stopping = False

    def stop(*_args) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(process.poll() is None for process in processes.values()):
        time.sleep(0.3)

    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + 20
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    failed = [name for name, process in processes.items() if process.returncode not in (0, -signal.SIGTERM, -signal.SIGINT) and not stopping]
    if failed:
        print(f"Stopped because {', '.join(failed)} exited (see the log above).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
