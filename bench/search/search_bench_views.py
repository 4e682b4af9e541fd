"""The comparison baselines for load.py.

``raw_search``: a minimal hand-written Django view for GET /api/musicians/ that runs the *same*
SQL statement the endpoint runs (musicians.search.search_page: capped count, page, names,
instruments and genres in one statement) and returns the same JSON; no DRF, no input validation
beyond what the benchmark URL needs, no throttle, no page cache. load.py checks both answers are
identical before timing, so the ratio between them is the cost of everything around the SQL.

``floor``: the plain-JsonResponse floor: the same middleware, a view that does nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.http import HttpResponse, JsonResponse
from rest_framework.utils.urls import replace_query_param

from musicians.search import page_count, search_page
from musicians.selectors import SEARCH_RESULT_CAP, genre_slugs, instrument_slugs

PAGE_SIZE = 20


def raw_search(request):
    q = request.GET
    instrument_ids, _ = instrument_slugs.lookup(q.getlist("instrument"))
    genre_ids, _ = genre_slugs.lookup(q.getlist("genre"))
    page = search_page(
        instrument_ids=instrument_ids, genre_ids=genre_ids,
        available_from=datetime.fromisoformat(q["available_from"]) if "available_from" in q else None,
        available_to=datetime.fromisoformat(q["available_to"]) if "available_to" in q else None,
        max_rate=Decimal(q["max_rate"]) if "max_rate" in q else None, currency=q.get("currency"),
        near=tuple(float(x) for x in q["near"].split(",")) if "near" in q else None, page=1, page_size=PAGE_SIZE,
    )
    url = request.build_absolute_uri()
    body = {
        "count": min(page.total, SEARCH_RESULT_CAP),
        "next": replace_query_param(url, "page", 2) if page_count(page.total, PAGE_SIZE) > 1 else None,
        "previous": None,
        "results": page.cards,
        "count_capped": page.total > SEARCH_RESULT_CAP,
    }
    return HttpResponse(json.dumps(body, ensure_ascii=False, separators=(",", ":")), content_type="application/json")


def floor(request):
    return JsonResponse({"ok": True})
