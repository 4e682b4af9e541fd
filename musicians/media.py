"""Demo-media links: which host a URL belongs to and the player URL we may frame for it.

Only the hosts in settings.SECURE_CSP["frame-src"] are ever embedded; everything else is shown as
a plain link. Parsing is strict on purpose: the embed URL is built from an extracted id, never
copied from user input, so a crafted link cannot make us frame another page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_DIGITS = re.compile(r"^\d{1,12}$")
_YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_SOUNDCLOUD_HOSTS = {"soundcloud.com", "www.soundcloud.com", "m.soundcloud.com"}


@dataclass(frozen=True)
class ParsedMedia:
    kind: str
    url: str
    embed_url: str


def _youtube_id(host: str, path: str, query: str) -> str | None:
    parts = [p for p in path.split("/") if p]
    if host == "youtu.be":
        candidate = parts[0] if parts else ""
    elif parts[:1] == ["watch"]:
        candidate = (parse_qs(query).get("v") or [""])[0]
    elif len(parts) >= 2 and parts[0] in {"embed", "shorts", "live", "v"}:
        candidate = parts[1]
    else:
        candidate = ""
    return candidate if _YOUTUBE_ID.match(candidate) else None


def parse_media_url(raw: str) -> ParsedMedia:
    """Classify ``raw`` by host and derive its player URL. Raises ValidationError with a message."""
    url = (raw or "").strip()
    if len(url) > 500:
        raise ValidationError("Keep links under 500 characters.")
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise ValidationError("Enter a full link starting with https://") from None
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError("Links must not contain a user name or password.")
    host = (parts.hostname or "").lower()
    path = parts.path
    if host in _YOUTUBE_HOSTS:
        video = _youtube_id(host, path, parts.query)
        if not video:
            raise ValidationError("Link to a single YouTube video (e.g. https://www.youtube.com/watch?v=…).")
        return ParsedMedia("youtube", f"https://www.youtube.com/watch?v={video}",
                           f"https://www.youtube-nocookie.com/embed/{video}")
    if host in _VIMEO_HOSTS:
        segments = [p for p in path.split("/") if p]
        video = next((s for s in reversed(segments) if _DIGITS.match(s)), None)
        if not video:
            raise ValidationError("Link to a single Vimeo video (e.g. https://vimeo.com/123456).")
        return ParsedMedia("vimeo", f"https://vimeo.com/{video}", f"https://player.vimeo.com/video/{video}")
    if host in _SOUNDCLOUD_HOSTS:
        segments = [p for p in path.split("/") if p]
        if not segments:
            raise ValidationError("Link to a SoundCloud artist, track or playlist.")
        canonical = urlunsplit(("https", "soundcloud.com", "/" + "/".join(segments), "", ""))
        return ParsedMedia(
            "soundcloud", canonical, f"https://w.soundcloud.com/player/?url={quote(canonical, safe='')}&visual=false"
        )
    if host == "bandcamp.com" or host.endswith(".bandcamp.com"):
        # Bandcamp's player needs a numeric album/track id that the public URL does not carry,
        # so Bandcamp links are shown as links.
        return ParsedMedia("bandcamp", urlunsplit(("https", host, path, "", "")), "")
    if parts.scheme != "https":
        raise ValidationError("Use an https:// link.")
    return ParsedMedia("website", url, "")
