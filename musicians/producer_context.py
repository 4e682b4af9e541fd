"""What the search and profile pages may know of the signed-in producer's own things: their
venues (to search from one) and their first-call lists (to show "on your first call").

Those live in ``bookings``, which ``musicians`` never imports: the bookings apps register their
readers here at start-up (``AppConfig.ready``), so the dependency still points one way. With no
reader registered the pages simply offer no venues and mark no one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    id: int
    name: str
    city: str
    time_zone: str
    latitude: float | None
    longitude: float | None

    @property
    def located(self) -> bool:
        return self.latitude is not None and self.longitude is not None


_readers: dict[str, Callable] = {}


def register(*, places: Callable | None = None, first_call: Callable | None = None) -> None:
    """``places(user) -> list[Place]``; ``first_call(user) -> set[(musician_user_id, instrument_slug)]``."""
    if places is not None:
        _readers["places"] = places
    if first_call is not None:
        _readers["first_call"] = first_call


def _producer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_producer", False))


def places(user) -> list[Place]:
    """The producer's venues (one query), or nothing for anyone else."""
    reader = _readers.get("places")
    return list(reader(user)) if reader and _producer(user) else []


def first_call(user) -> set[tuple[int, str]]:
    """(musician user id, instrument slug) pairs on the producer's first-call lists (one query)."""
    reader = _readers.get("first_call")
    return set(reader(user)) if reader and _producer(user) else set()
