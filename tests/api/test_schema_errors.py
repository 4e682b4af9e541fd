"""The served OpenAPI schema documents the error answers once and every operation refers to them."""

import pytest
from drf_spectacular.generators import SchemaGenerator

SHARED = {"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "TooManyRequests"}
BODIES = {"#/components/schemas/Error", "#/components/schemas/ValidationError"}


@pytest.fixture(scope="module")
def spec():
    # What /api/schema/ serves (the same generator and hooks), built once for the module.
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_error_answers_are_components_with_the_one_error_shape(spec):
    responses = spec["components"]["responses"]
    assert set(responses) == SHARED
    for name, response in responses.items():
        assert response["content"]["application/json"]["schema"]["$ref"] in BODIES, name
    assert responses["TooManyRequests"]["headers"]["Retry-After"]
    bad_request = spec["components"]["schemas"]["ValidationError"]
    assert bad_request["properties"]["code"]["enum"] == ["invalid"]
    assert set(bad_request["required"]) == {"detail", "code", "errors"}


def test_every_operation_documents_429_and_refers_to_the_shared_errors(spec):
    for name, operation in _operations(spec):
        assert "429" in operation["responses"], name
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            # Either the shared answer, or the operation's own wording around the shared body.
            ref = response.get("$ref") or response["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[-1] in SHARED or ref in BODIES, (name, status)


def test_lists_are_documented_as_pages(spec):
    pages = {name for name, schema in spec["components"]["schemas"].items() if name.startswith("Paginated")}
    for name in pages:
        assert set(spec["components"]["schemas"][name]["required"]) >= {"count", "results"}, name
    listed = spec["paths"]["/api/bookings/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed["$ref"] == "#/components/schemas/PaginatedBookingListList"
    assert "page" in {p["name"] for p in spec["paths"]["/api/bookings/"]["get"]["parameters"]}


def test_operations_that_need_an_account_document_401(spec):
    assert "401" in spec["paths"]["/api/bookings/"]["get"]["responses"]
    assert "403" in spec["paths"]["/api/moderation/profiles/"]["get"]["responses"]  # moderators only
    assert "404" in spec["paths"]["/api/bookings/{id}/"]["get"]["responses"]
    assert "409" in spec["paths"]["/api/bookings/{id}/accept/"]["post"]["responses"]
    # Sign-up sends no credentials: a 401 cannot happen there.
    assert "401" not in spec["paths"]["/api/auth/register/"]["post"]["responses"]
