"""The OpenAPI document at /schema/openapi.json tells the truth: credentials, the error shape, every answer.

(schemathesis checks it against a running app in ``make check``; these hold the parts a client reads first.)
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

pytestmark = pytest.mark.anyio


@pytest.fixture
async def spec(client: AsyncTestClient[Any]) -> dict[str, Any]:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


def _responses(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return spec["paths"][path][method]["responses"]


async def test_the_schema_declares_the_session_cookie_and_the_three_bearer_credentials(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["sessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "hl_session",
        "description": schemes["sessionCookie"]["description"],
    }
    assert {name: (s["type"], s.get("scheme"), s.get("bearerFormat")) for name, s in schemes.items()} == {
        "sessionCookie": ("apiKey", None, None),
        "personalToken": ("http", "bearer", "hl_…"),
        "integrationKey": ("http", "bearer", "hi_…"),
        "kioskToken": ("http", "bearer", "hk_…"),
    }
    assert "security" not in spec  # each operation says what it accepts


async def test_each_operation_says_which_credentials_it_accepts(spec: dict[str, Any]) -> None:
    def security(path: str, method: str) -> list[dict[str, list[str]]]:
        return spec["paths"][path][method]["security"]

    people = [{"personalToken": []}, {"sessionCookie": []}]
    assert security("/api/v1/admin/centres", "post") == people
    assert security("/api/v1/auth/me", "get") == people
    assert security("/api/v1/dossiers", "post") == [{"integrationKey": []}, *people]
    assert security("/api/v1/kiosk/config", "get") == [{"kioskToken": []}]
    assert security("/api/v1/ratings/validate", "post") == [{"kioskToken": []}]
    assert security("/api/v1/ratings", "post") == [{}, {"kioskToken": []}]  # a citizen's QR token, or a kiosk
    assert security("/api/v1/auth/login", "post") == []
    assert security("/api/v1/complaints/track", "post") == []
    assert security("/health", "get") == []


async def test_the_error_shape_is_a_component_every_error_answer_refers_to(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    error = schemas["ErrorBody"]
    assert error["required"] == ["status", "code", "message"]
    assert set(error["properties"]) == {"status", "code", "message", "errors"}
    assert error["properties"]["errors"]["items"] == {"$ref": "#/components/schemas/ErrorItem"}
    assert schemas["ErrorItem"]["required"] == ["field", "message"]
    assert set(schemas["ErrorItem"]["properties"]) == {"field", "message", "row", "kind"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if status.startswith(("4", "5")) and path != "/health":
                    assert answer["content"] == {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                    }, (method, path, status)


async def test_each_operation_declares_the_errors_it_gives(spec: dict[str, Any]) -> None:
    assert sorted(_responses(spec, "/api/v1/admin/centres", "post")) == [
        "201", "400", "401", "403", "404", "409", "415", "422", "503",
    ]  # fmt: skip
    assert sorted(_responses(spec, "/api/v1/admin/centres/{code}", "get")) == [
        "200", "400", "401", "403", "404", "422", "503",
    ]  # fmt: skip
    assert sorted(_responses(spec, "/api/v1/auth/me", "get")) == ["200", "401", "403", "503"]
    assert sorted(_responses(spec, "/api/v1/auth/login", "post")) == [
        "200", "400", "401", "415", "422", "429", "503",
    ]  # fmt: skip
    assert sorted(_responses(spec, "/api/v1/ratings", "post")) == [
        "200", "201", "400", "401", "403", "404", "409", "410", "415", "422", "429", "503",
    ]  # fmt: skip
    unavailable = _responses(spec, "/api/v1/admin/centres", "get")["503"]
    assert unavailable["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert _responses(spec, "/health", "get")["503"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/Health"}}
    }
    assert all("503" in op["responses"] for item in spec["paths"].values() for op in item.values())


async def test_answers_not_in_json_and_replays_are_declared(spec: dict[str, Any]) -> None:
    assert set(_responses(spec, "/api/v1/dossiers/{code}/qr", "get")["200"]["content"]) == {
        "image/svg+xml",
        "image/png",
    }
    report = _responses(spec, "/api/v1/reports/satisfaction", "get")["200"]["content"]
    assert report["application/json"]["schema"] == {"$ref": "#/components/schemas/Report"}
    assert "Report" in spec["components"]["schemas"]
    assert set(report) == {
        "application/json",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    assert {"200", "201"} <= set(_responses(spec, "/api/v1/dossiers", "post"))
    assert spec["paths"]["/api/v1/dossiers/import"]["post"]["requestBody"]["content"] == {
        "text/csv": {"schema": {"type": "string"}}
    }


async def test_bodies_that_refuse_unknown_fields_say_so_with_their_full_constraints(spec: dict[str, Any]) -> None:
    body = spec["paths"]["/api/v1/admin/centres"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/CentreWrite"}
    centre = spec["components"]["schemas"]["CentreWrite"]
    assert centre["additionalProperties"] is False
    assert centre["required"] == ["code", "name", "unit_code"]
    rating = spec["components"]["schemas"]["RatingCreate"]
    assert rating["additionalProperties"] is False
    # what the generator used to leave out: the constraints of list items and dict keys and values
    assert rating["properties"]["reasons"]["items"]["pattern"] == "^[a-z][a-z0-9_]*$"
    assert rating["properties"]["answers"]["propertyNames"]["pattern"] == "^[a-z][a-z0-9_]*$"
    assert rating["properties"]["answers"]["additionalProperties"]["maximum"] == 5


@pytest.mark.parametrize(
    ("schema", "field", "kept", "refused"),
    [
        ("CentreWrite", "webhook_url", "https://hook.example.vn/hl", ["http://\x1c~", "http://a\x85b", "http://a b"]),
        ("ComplaintCreate", "email", "lan@example.vn", ["lan\x1f@example.vn", "lan@exa\ufeffmple.vn"]),
    ],
)
async def test_patterns_mean_the_same_to_a_client_as_to_the_server(
    spec: dict[str, Any], schema: str, field: str, kept: str, refused: list[str]
) -> None:
    import re

    import jsonschema_rs  # JSON Schema's regular expressions are ECMA-262's, as a client's validator reads them

    (text,) = [
        option for option in spec["components"]["schemas"][schema]["properties"][field]["anyOf"] if "pattern" in option
    ]
    client_side = jsonschema_rs.validator_for(text)
    assert client_side.is_valid(kept)
    assert re.search(text["pattern"], kept)
    for value in refused:  # Python's \s took \x1c-\x1f and \x85, ECMA-262's did not: the schema let them through
        assert (client_side.is_valid(value), bool(re.search(text["pattern"], value))) == (False, False), value
