"""The OpenAPI document tells the truth: who may call each operation, the one error shape, and every answer.

Litestar's generator describes what the handlers' annotations say: the body, the parameters, the success answer.
What it cannot see is filled in here, in one place, from what each route is: the credentials it accepts (its
guards, whether its path is public), whether it takes input (a body, parameters), its path parameters, whether it
is rate-limited, and the answers that follow from those (400, 401, 403, 404, 409, 415, 422, 429, 503), all in the
error shape of :mod:`survey_api.errors`. Request bodies are described by msgspec, which decodes them: every
constraint (of list items and dict keys too), and ``additionalProperties: false`` where the Struct refuses unknown
fields. ``schemathesis`` checks the result against the running app (``make check``).

The few facts no route shows (a handler that reads a kiosk's token itself, a replay answered 200 beside the 201,
a QR code as SVG or PNG) are in the tables below, keyed by operation id; a key naming no operation is an error,
so the tables cannot silently fall behind a renamed handler.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.routes import HTTPRoute

from survey_api.accounts.auth import CSRF_EXEMPT, PUBLIC_PATHS, RATE_LIMITED_PREFIXES, requires_kiosk
from survey_api.errors import DATABASE_RETRY_AFTER_S, ErrorBody
from survey_api.reports.schemas import Report

if TYPE_CHECKING:
    from litestar import Litestar, Request

# The names of the security schemes (names, not secrets)
SESSION = "sessionCookie"
PERSONAL_TOKEN = "personalToken"  # noqa: S105
INTEGRATION_KEY = "integrationKey"
KIOSK_TOKEN = "kioskToken"  # noqa: S105
PEOPLE = (PERSONAL_TOKEN, SESSION)
"""What a person's login accepts: a personal token, or the session cookie of the login page. (Bearer first:
the order is the order tools try them in.)"""

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    SESSION: {
        "type": "apiKey",
        "in": "cookie",
        "name": "hl_session",
        "description": "The session cookie set by POST /api/v1/auth/login (or the /login page). Unsafe methods "
        "also need the header x-csrftoken with the csrftoken cookie's value.",
    },
    PERSONAL_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "hl_…",
        "description": "A personal API token (POST /api/v1/auth/tokens or `survey-api users token`): acts as its "
        "user, with the same role and scope. No CSRF token is needed.",
    },
    INTEGRATION_KEY: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "hi_…",
        "description": "An integration key of the one-stop information system (`survey-api keys create`): "
        "dossier intake and reading dossiers.",
    },
    KIOSK_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "hk_…",
        "description": "A paired kiosk's device token (POST /api/v1/admin/kiosks or `survey-api kiosks create`).",
    },
}

# Public routes whose handler reads a kiosk's Bearer token itself: True when the token is required, False when
# the route also takes calls without one (a citizen's rating with the QR link's token, a citizen's complaint).
KIOSK_IN_HANDLER = {"submit_rating": False, "file_complaint": False, "validate_rating": True}
# Operations that only read, though they are POSTs: nothing they do can conflict with stored data.
READ_ONLY = {"login", "logout", "validate_rating", "track_complaint"}
# Operations whose input names no stored row (so no 404): a user name and password.
NAMES_NO_ROW = {"login"}
# Answers a handler gives beside the success answer its annotation declares.
ALSO_ANSWERS: dict[str, dict[int, str]] = {
    "login": {401: "Wrong user name or password."},
    "push_dossier": {201: "The dossier was new and is now stored."},
    "submit_rating": {
        200: "The same id and body came again: the rating stored the first time.",
        410: "The rating link has expired.",
    },
    "file_complaint": {200: "The same id and body came again: the complaint filed the first time."},
}
# Success answers the annotation does not describe (``Response[bytes]``, ``Response[Any]``): per media type, the
# Struct answered (its schema made by msgspec) or a JSON Schema.
SUCCESS_MEDIA: dict[str, dict[str, type | dict[str, Any]]] = {
    "dossier_qr": {"image/svg+xml": {"type": "string"}, "image/png": {"type": "string", "format": "binary"}},
    "satisfaction_report": {
        "application/json": Report,
        "text/csv": {"type": "string"},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"type": "string", "format": "binary"},
    },
}
# Request bodies the handler reads raw (no ``data`` parameter for the generator to see).
RAW_BODIES: dict[str, dict[str, Any]] = {
    "import_dossiers": {
        "description": "CSV (UTF-8, a BOM is fine) with Vietnamese or English headers: one dossier event a row.",
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
}

ERROR_SCHEMA = "ErrorBody"
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before sending the same request again.",
        "schema": {"type": "integer"},
    }
}
_ERRORS: dict[int, tuple[str, dict[str, Any] | None]] = {
    400: ("invalid_input: a body or parameter does not match the schema (wrong type, missing or unknown field)", None),
    401: ("unauthorized: no credential, or one that is wrong, revoked or of a deactivated login", None),
    403: ("forbidden: the credential may not do this (role, kind of credential, a missing CSRF token)", None),
    404: ("not_found: no such row, or one outside your scope", None),
    409: ("conflict: the change conflicts with stored data (an id already used with another body)", None),
    415: ("unsupported_media_type: a multipart body (no endpoint takes a file); names content-type", None),
    422: ("invalid_input: a well-formed request that breaks a rule (unknown code, text with a NUL character)", None),
    429: ("too_many_attempts (login throttle) or too_many_requests (rate limit)", _RETRY_AFTER),
    503: (
        f"unavailable: the database could not be reached or could not write; nothing was saved, and the same "
        f"request may be sent again (Retry-After: {DATABASE_RETRY_AFTER_S})",
        _RETRY_AFTER,
    ),
}
_UNSAFE = {"post", "put", "patch", "delete"}


def _msgspec_schemas(types: list[Any]) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """JSON Schemas of ``types`` as msgspec validates them (every constraint, dict keys, ``additionalProperties:
    false`` for a Struct that refuses unknown fields), with their components."""
    return msgspec.json.schema_components(types, ref_template="#/components/schemas/{name}")


def _matches(patterns: list[str] | tuple[str, ...], path: str) -> bool:
    return any(re.search(pattern, path) for pattern in patterns)


def _operations(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            for method in handler.http_methods:
                yield route.path_format or "/", method.lower(), handler


def _accepts(handler: HTTPRouteHandler, operation_id: str, public: bool) -> list[dict[str, list[str]]]:
    """The operation's security requirements: one entry per credential it accepts ({} when none is needed)."""
    if operation_id in KIOSK_IN_HANDLER:
        return [{KIOSK_TOKEN: []}] if KIOSK_IN_HANDLER[operation_id] else [{}, {KIOSK_TOKEN: []}]
    if public:
        return []
    guards = [guard for layer in handler.ownership_layers for guard in layer.guards or []]
    names: tuple[str, ...] = PEOPLE
    if requires_kiosk in guards:
        names = (KIOSK_TOKEN,)
    elif any(getattr(guard, "integration", False) for guard in guards):
        names = (INTEGRATION_KEY, *PEOPLE)
    return [{name: []} for name in names]


def _body_type(handler: HTTPRouteHandler) -> Any:
    data = handler.parsed_fn_signature.parameters.get("data")
    return None if data is None else data.annotation


def _error(description: str, headers: dict[str, Any] | None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def complete(document: dict[str, Any], app: Litestar) -> dict[str, Any]:
    """Fill in ``document`` (Litestar's generated OpenAPI, as a dict) for ``app``'s routes, in place."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_msgspec_schemas([ErrorBody])[1])
    components["securitySchemes"] = copy.deepcopy(SECURITY_SCHEMES)
    document.pop("security", None)  # every operation says what it accepts

    known: set[str] = set()
    for path, method, handler in _operations(app):
        operation = document["paths"].get(path, {}).get(method)
        if operation is None:
            continue
        operation_id = operation["operationId"]
        known.add(operation_id)
        public = _matches(PUBLIC_PATHS, path)
        security = _accepts(handler, operation_id, public)
        operation["security"] = security
        if operation_id in RAW_BODIES:
            operation["requestBody"] = copy.deepcopy(RAW_BODIES[operation_id])
        body = operation.get("requestBody")
        parameters = operation.get("parameters", [])
        has_input = bool(body or parameters)
        has_path_parameter = any(p.get("in") == "path" for p in parameters)
        body_type = _body_type(handler)
        json_body = (body or {}).get("content", {}).get("application/json")
        if json_body is not None and body_type is not None:
            # the body as msgspec decodes it, rather than the generator's reading of it (which drops the
            # constraints of list items and dict keys, and says nothing of unknown fields)
            (json_body["schema"],), body_components = _msgspec_schemas([body_type])
            schemas.update(body_components)

        responses = operation.setdefault("responses", {})
        success = next((code for code in responses if code.startswith("2")), None)
        for status, description in ALSO_ANSWERS.get(operation_id, {}).items():
            if 200 <= status < 300 and success is not None:
                responses[str(status)] = {**copy.deepcopy(responses[success]), "description": description}
            else:
                responses[str(status)] = _error(description, None)
        if operation_id in SUCCESS_MEDIA:
            content = {}
            for media_type, answer in SUCCESS_MEDIA[operation_id].items():
                if isinstance(answer, dict):
                    content[media_type] = {"schema": copy.deepcopy(answer)}
                else:
                    (schema,), answer_components = _msgspec_schemas([answer])
                    schemas.update(answer_components)
                    content[media_type] = {"schema": schema}
            for code in responses:
                if code.startswith("2"):
                    responses[code]["content"] = copy.deepcopy(content)

        statuses = {503}
        if has_input:
            statuses |= {400, 422}
        if any(requirement for requirement in security):  # a credential is checked (401) and judged (403)
            statuses |= {401, 403}
        if method in _UNSAFE and not _matches(CSRF_EXEMPT, path) and any(SESSION in r for r in security):
            statuses.add(403)  # the session cookie without its CSRF token
        if has_path_parameter or (has_input and operation_id not in NAMES_NO_ROW):
            statuses.add(404)
        if method in _UNSAFE and body and operation_id not in READ_ONLY:
            statuses.add(409)
        if method in _UNSAFE - {"delete"}:
            statuses.add(415)
        if path.startswith(RATE_LIMITED_PREFIXES) or operation_id == "login":
            statuses.add(429)
        for status in sorted(statuses):
            if str(status) in responses and status != 400:
                continue  # the handler declared it (the health check's 503 has its own body)
            description, headers = _ERRORS[status]
            responses[str(status)] = _error(description, headers)

    unknown = (
        set(KIOSK_IN_HANDLER) | READ_ONLY | NAMES_NO_ROW | set(ALSO_ANSWERS) | set(SUCCESS_MEDIA) | set(RAW_BODIES)
    ) - known
    if unknown:
        raise LookupError(f"survey_api.openapi names operations the app does not have: {sorted(unknown)}")
    return document


class TruthfulJsonRenderPlugin(JsonRenderPlugin):
    """Serves ``/schema/openapi.json``: the generated document, completed by :func:`complete` once per app."""

    def __init__(self) -> None:
        super().__init__()
        self._rendered: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._rendered is None:
            self._rendered = self.render_json(request, complete(copy.deepcopy(openapi_schema), request.app))
        return self._rendered
