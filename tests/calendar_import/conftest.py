"""A local HTTP server that serves calendar feeds the way Google, iCloud and Outlook do (ETag,
Last-Modified, 304 on a matching If-None-Match), plus misbehaving ones: errors, web pages,
50 MB bodies, redirect loops and a server that does not answer in time."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "calendars"
# The tests' "now": Saturday 21 March 2026, 12:00 UTC. Europe changes to summer time on 29 March.
NOW = datetime(2026, 3, 21, 12, 0, tzinfo=UTC)


class FeedServer:
    def __init__(self):
        self.files: dict[str, bytes] = {f"/{p.name}": p.read_bytes() for p in FIXTURES.glob("*.ics")}
        self.broken: dict[str, str] = {}  # path -> "500", "html", "big", "big-chunked", "slow"
        self.requests: list[tuple[str, str]] = []  # (path, status)
        self.conditional: list[str] = []  # paths asked with If-None-Match / If-Modified-Since
        self.slow_seconds = 3.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", headers=None):
                server.requests.append((self.path, str(status)))
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802 (http.server's name)
                path = self.path.split("?", 1)[0]
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    server.conditional.append(path)
                mode = server.broken.get(path)
                if path.startswith("/loop-a"):
                    return self._send(302, headers={"Location": "/loop-b"})
                if path.startswith("/loop-b"):
                    return self._send(301, headers={"Location": f"http://{self.headers['Host']}/loop-a"})
                if path.startswith("/moved"):
                    return self._send(302, headers={"Location": "/google.ics"})
                if mode == "500":
                    return self._send(500, b"Internal error")
                if mode == "html":
                    return self._send(200, b"<!doctype html><html><body>Sign in to Google</body></html>",
                                      {"Content-Type": "text/html; charset=utf-8"})
                if mode == "big":  # declares 50 MB and starts sending it
                    server.requests.append((path, "200"))
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar")
                    self.send_header("Content-Length", str(50 * 1024 * 1024))
                    self.end_headers()
                    return self._stream(50 * 1024 * 1024)
                if mode == "big-chunked":  # 50 MB without saying so up front
                    server.requests.append((path, "200"))
                    self.send_response(200)
                    self.send_header("Content-Type", "text/calendar")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    return self._stream(50 * 1024 * 1024, head=b"BEGIN:VCALENDAR\r\n")
                if mode == "slow":
                    time.sleep(server.slow_seconds)
                body = server.files.get(path)
                if body is None:
                    return self._send(404, b"Not found")
                etag = f'"{hashlib.sha1(body).hexdigest()}"'  # noqa: S324 (an ETag, not security)
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, headers={"ETag": etag})
                self._send(200, body, {"Content-Type": "text/calendar; charset=UTF-8", "ETag": etag,
                                       "Last-Modified": "Sat, 21 Mar 2026 09:00:00 GMT",
                                       "Cache-Control": "no-cache, no-store, max-age=0, must-revalidate"})

            def _stream(self, total, head=b""):
                chunk = b"X" * 65536
                sent = 0
                try:
                    if head:
                        self.wfile.write(head)
                    while sent < total:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def served(self, path: str) -> list[str]:
        return [status for p, status in self.requests if p == path]


@pytest.fixture
def feeds():
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def now(frozen_clock):
    return frozen_clock.set(NOW)
