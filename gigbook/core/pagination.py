"""Page-numbered lists: ``{"count", "next", "previous", "results"}``.

A list view states its ``pagination_class`` (GenericAPIView does by default) and pages through it:
the same attribute is what the OpenAPI schema reads to document the list as a paginated object,
so a list documented as a bare array is a list that is really not paginated.
"""

from __future__ import annotations

from rest_framework.pagination import PageNumberPagination as _Base
from rest_framework.response import Response


class PageNumberPagination(_Base):
    page_size_query_param = "page_size"
    max_page_size = 100


def paginated_response(view, request, queryset, serializer_class, *, context: dict | None = None) -> Response:
    """One page of ``queryset`` rendered with ``serializer_class``, paged by ``view.pagination_class``."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)
