"""Search pagination with a capped count.

Counting every match of a broad search ("any guitarist near London") costs more than finding
the first page: the page walks an index in result order and stops after 20 rows, the count has
to visit all of them. The count stops at SEARCH_RESULT_CAP (``SELECT count(*) FROM (… LIMIT
1001)``, unordered), the API says ``"count_capped": true`` and pages end there: past a thousand results the
useful answer is "narrow the filters", not page 51.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from gigbook.core.pagination import PageNumberPagination
from musicians.selectors import SEARCH_RESULT_CAP


class CappedPaginator(Paginator):
    cap = SEARCH_RESULT_CAP

    @cached_property
    def count(self) -> int:
        # Any cap+1 rows will do, so no ORDER BY: the planner may stop at the first ones it finds.
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def count_capped(self) -> bool:
        return self.count > self.cap

    @cached_property
    def num_pages(self) -> int:
        # Never offer a page past the cap.
        return Paginator.num_pages.func(self) if not self.count_capped else -(-self.cap // self.per_page)


class SearchPagination(PageNumberPagination):
    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        paginator = self.page.paginator
        response.data["count"] = min(response.data["count"], paginator.cap)
        response.data["count_capped"] = paginator.count_capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count"]["description"] = f"Matches, counted up to {SEARCH_RESULT_CAP}."
        schema["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"True when more than {SEARCH_RESULT_CAP} musicians match: narrow the filters.",
        }
        schema["required"] = [*schema.get("required", []), "count_capped"]
        return schema
