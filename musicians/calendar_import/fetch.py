"""Fetch a calendar feed over HTTP(S) safely: no private addresses, a size cap, a deadline, few redirects.

No database and no logging of addresses here: a calendar's address is its owner's secret (a Google
"secret address" grants read access to the whole diary), so errors carry plain words only.

SSRF: every hop's host is resolved once, each address must be public (not loopback, private,
link-local, shared, reserved or multicast) unless ``CALENDAR_IMPORT_ALLOW_PRIVATE`` is set, and the
connection goes to the address that was checked (the name is only used for SNI, the certificate and
the Host header), so a second DNS answer cannot swap in a private address after the check.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import urllib3
from django.conf import settings


class FetchError(Exception):
    """A fetch that failed, with a message in plain words for the musician (never the address)."""


@dataclass(frozen=True)
class FetchResult:
    not_modified: bool
    body: bytes = b""
    etag: str = ""
    last_modified: str = ""


MAX_REDIRECTS = 5
USER_AGENT = "GigBook calendar import (+https://github.com/gigbook)"


def normalize_url(url: str) -> str:
    """``webcal://`` (iCloud, Outlook "subscribe" links) is HTTPS; anything but http(s) is refused."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
    elif scheme not in ("http", "https"):
        raise FetchError("Use the calendar's web address (it starts with https:// or webcal://).")
    if not parts.hostname:
        raise FetchError("This address has no server name in it.")
    if parts.username or parts.password:
        raise FetchError("Addresses with a user name or password in them are not supported.")
    return urlunsplit(parts)


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_literal_host(url: str) -> None:
    """Refuse at once an address whose host is a private IP literal (no DNS needed to know)."""
    host = urlsplit(normalize_url(url)).hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not settings.CALENDAR_IMPORT_ALLOW_PRIVATE and not _address_allowed(address):
        raise FetchError("This address points to a private or local network, which calendars are not fetched from.")


def _resolve(host: str, port: int) -> str:
    """One checked IP address for ``host`` (FetchError if it has none, or any is private)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise FetchError("The calendar's server name could not be found. Check the address.") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
    if not addresses:
        raise FetchError("The calendar's server name could not be found. Check the address.")
    # All of them, not just the first: a name with one public and one private answer is refused.
    if not settings.CALENDAR_IMPORT_ALLOW_PRIVATE and not all(_address_allowed(a) for a in addresses):
        raise FetchError("This address points to a private or local network, which calendars are not fetched from.")
    return str(addresses[0])


def _pool(scheme: str, host: str, ip: str, port: int, timeout: urllib3.Timeout):
    if scheme == "https":
        return urllib3.HTTPSConnectionPool(
            ip, port=port, timeout=timeout, retries=False, maxsize=1,
            server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(ip, port=port, timeout=timeout, retries=False, maxsize=1)


def fetch(url: str, *, etag: str = "", last_modified: str = "") -> FetchResult:
    """GET ``url`` (conditionally when ``etag``/``last_modified`` are given). Raises FetchError."""
    max_bytes = settings.CALENDAR_IMPORT_MAX_BYTES
    total_seconds = settings.CALENDAR_IMPORT_TIMEOUT_SECONDS
    deadline = time.monotonic() + total_seconds
    current = normalize_url(url)
    seen: set[str] = set()
    for _hop in range(MAX_REDIRECTS + 1):
        if current in seen:
            raise FetchError("The calendar's address redirects in a loop. Copy the address again from your calendar.")
        seen.add(current)
        parts = urlsplit(current)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        host = parts.hostname or ""
        ip = _resolve(host, port)
        headers = {
            "Host": parts.netloc.rpartition("@")[2],
            "User-Agent": USER_AGENT,
            "Accept": "text/calendar, */*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("The calendar's server took too long to answer. We will try again.")
        timeout = urllib3.Timeout(connect=min(remaining, 10.0), read=remaining)
        path = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            with _pool(parts.scheme, host, ip, port, timeout) as pool:
                response = pool.urlopen("GET", path, headers=headers, redirect=False,
                                        preload_content=False, decode_content=True, assert_same_host=False)
                try:
                    status = response.status
                    if status in (301, 302, 303, 307, 308):
                        location = response.headers.get("Location", "")
                        if not location:
                            raise FetchError("The calendar's server sent a redirect without an address.")
                        current = normalize_url(urljoin(current, location))
                        continue
                    if status == 304:
                        return FetchResult(not_modified=True, etag=etag, last_modified=last_modified)
                    _check_status(status)
                    declared = response.headers.get("Content-Length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        raise FetchError(_too_big(max_bytes))
                    body = bytearray()
                    for chunk in response.stream(64 * 1024):
                        body += chunk
                        if len(body) > max_bytes:
                            raise FetchError(_too_big(max_bytes))
                        if time.monotonic() > deadline:
                            raise FetchError("The calendar's server took too long to answer. We will try again.")
                    return FetchResult(
                        not_modified=False,
                        body=bytes(body),
                        etag=response.headers.get("ETag", ""),
                        last_modified=response.headers.get("Last-Modified", ""),
                    )
                finally:
                    response.release_conn()
        except FetchError:
            raise
        except (urllib3.exceptions.TimeoutError, TimeoutError):
            raise FetchError("The calendar's server took too long to answer. We will try again.") from None
        except urllib3.exceptions.SSLError:
            raise FetchError("The calendar's server did not prove its identity (a certificate problem).") from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise FetchError("The calendar's server could not be reached. We will try again.") from None
    raise FetchError("The calendar's address redirects too many times. Copy the address again from your calendar.")


def _too_big(max_bytes: int) -> str:
    return (f"The calendar is larger than {max_bytes // (1024 * 1024)} MB, more than a personal calendar should be. "
            "Check that this is the right address.")


def _check_status(status: int) -> None:
    if status in (401, 403):
        raise FetchError("The calendar's server refused access. The address may have been reset or made private.")
    if status in (404, 410):
        raise FetchError("No calendar was found at this address. It may have been removed or reset.")
    if status == 429 or status >= 500:
        raise FetchError(f"The calendar's server had a problem (error {status}). We will try again.")
    if status != 200:
        raise FetchError(f"The calendar's server answered with an unexpected error ({status}).")
