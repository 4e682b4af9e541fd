"""Rendering a notification's body and attachments after its row was written (``render_args``).

A service that holds a lock (accept holds the musician's) writes its messages with what is cheap
(title, text, link) and renders the rest right after commit (``outbox.outbox_fill``). If the process
dies in between, the row stays waiting and whoever needs it first renders it with the renderer
registered for its kind: the delivering worker before sending, the inbox before showing it. Renderers
are deterministic (the time stamp in an .ics is the row's ``created_at``), so whoever renders, the
text is the same, and the fill only writes rows still waiting.

Registered at app ready by the app that owns the kind (``bookings`` for its confirmations), so this
package never imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from gigbook.notifications.models import Notification

logger = logging.getLogger(__name__)

# A renderer takes waiting rows of its kind and returns {notification id: (body, attachments)}.
Renderer = Callable[[list[Notification]], dict[int, tuple[str, list]]]
_renderers: dict[str, Renderer] = {}


def renderer_register(kind: str, renderer: Renderer) -> None:
    _renderers[kind] = renderer


def notifications_render_pending(rows: Iterable[Notification]) -> int:
    """Render and store the waiting ones among ``rows`` (updated in place); how many were rendered.

    One read per kind by its renderer and one update, only when something waits (rare: a process
    that died between commit and rendering, or a reader a few milliseconds early). A row whose kind
    has no renderer, or whose renderer fails, stays waiting (logged); the worker then retries it.
    """
    from gigbook.notifications.outbox import outbox_fill

    waiting: dict[str, list[Notification]] = {}
    for row in rows:
        if row.render_args is not None:
            waiting.setdefault(row.kind, []).append(row)
    if not waiting:
        return 0
    rendered: dict[int, tuple[str, list]] = {}
    for kind, group in waiting.items():
        renderer = _renderers.get(kind)
        if renderer is None:
            logger.error("no renderer for a notification waiting to be rendered", extra={"kind": kind})
            continue
        try:
            rendered.update(renderer(group))
        except Exception:  # one kind's failure must not keep the others (or the inbox page) from showing
            logger.exception("rendering a waiting notification failed", extra={"kind": kind})
    outbox_fill([], rendered)
    for group in waiting.values():
        for row in group:
            if row.pk in rendered:
                row.body, row.attachments = rendered[row.pk]
                row.render_args = None
    return len(rendered)
