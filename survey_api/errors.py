"""Domain errors and the one function that turns any error into the one JSON error shape."""

from __future__ import annotations

import logging
import re
import socket
from typing import Any
from urllib.parse import quote

import msgspec
from advanced_alchemy.exceptions import (
    DuplicateKeyError,
    ForeignKeyError,
    IntegrityError,
    RepositoryError,
)
from advanced_alchemy.exceptions import (
    NotFoundError as RepositoryNotFound,
)
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy import exc as sa_exc

from survey_api.i18n import page_context

logger = logging.getLogger("survey_api")

DATABASE_RETRY_AFTER_S = 5
"""Retry-After of a 503 when the database could not be reached or could not write."""

_MSGSPEC_PATH = re.compile(r" - at `\$\.?([^`]*)`$")
_MSGSPEC_NAMED = re.compile(r"(?:missing required|contains unknown) field `([^`]+)`")


class ErrorItem(msgspec.Struct, omit_defaults=True):
    """One problem with the input: which field, what is wrong, and (for imports) which row."""

    field: str | None
    message: str
    row: int | None = None
    kind: str | None = None


class ErrorBody(msgspec.Struct):
    """The body of every 4xx and 5xx answer."""

    status: int
    code: str
    message: str
    errors: list[ErrorItem] = msgspec.field(default_factory=list)


class DomainError(Exception):
    """Raised by services; ``status`` and ``code`` say how the API reports it."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, field: str | None = None, errors: list[ErrorItem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors if errors is not None else ([ErrorItem(field=field, message=message)] if field else [])


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class MalformedBody(DomainError):
    """A body that cannot be decoded at all (as a schema mismatch, it is a 400)."""

    status = 400
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    status = 410
    code = "gone"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


def field_from_msgspec(message: str) -> tuple[str | None, str]:
    """Split msgspec's ``Expected `int`, got `str` - at `$.overall``` into (``overall``, message).

    Missing and unknown fields are named too: ``Object missing required field `password``` → ``password``.
    """
    field = None
    match = _MSGSPEC_PATH.search(message)
    if match:
        field = match.group(1).replace("[", ".").replace("]", "") or None
        message = message[: match.start()]
    named = _MSGSPEC_NAMED.search(message)
    if named:
        field = f"{field}.{named.group(1)}" if field else named.group(1)
    return field, message


def _http_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        415: "unsupported_media_type",
        429: "too_many_requests",
        503: "unavailable",
    }.get(status, "error" if status >= 500 else "bad_request")


_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "58", "3D000")
"""PostgreSQL error classes that say the server, not the request, is at fault: connection exceptions (08),
insufficient resources such as too many connections or a full disk (53), operator intervention such as a terminated
session or a server shutting down (57P), system errors (58), and a database that does not exist (3D000: dropped,
or not made yet)."""


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or could not write (locked, disk full, server gone,
    database dropped, connection refused or terminated): nothing was saved, and the same request may be sent again.
    The causes of a wrapping error (a repository error, say) are looked at too."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sa_exc.OperationalError):
            return True
        if isinstance(current, sa_exc.DBAPIError):
            if current.connection_invalidated or current.statement is None:
                return True  # a connection cut off, or one that could not be made or could not commit
            sqlstate = getattr(current.orig, "sqlstate", None) or getattr(current.orig, "pgcode", None)
            if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
                return True
        if isinstance(current, ConnectionError | TimeoutError | socket.gaierror):
            return True  # raised by the driver while connecting: refused, reset, no answer, unknown host
        current = current.__cause__
    return False


def error_body(exc: Exception) -> tuple[ErrorBody, dict[str, str]]:
    """Map any exception to (body, headers). Unknown exceptions become a 500 that reveals nothing."""
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after)
        return ErrorBody(exc.status, exc.code, exc.message, exc.errors), headers
    if isinstance(exc, ValidationException):
        items = []
        for extra in exc.extra if isinstance(exc.extra, list) else []:
            field, message = field_from_msgspec(str(extra.get("message", "")))
            key = extra.get("key")
            if key and (extra.get("source") != "body" or not field):
                field = key if not field else f"{key}.{field}"
            items.append(ErrorItem(field=field, message=message))
        message = "; ".join(f"{i.field}: {i.message}" if i.field else i.message for i in items) or exc.detail
        return ErrorBody(400, "invalid_input", message, items), headers
    if isinstance(exc, HTTPException):
        headers.update(exc.headers or {})
        return ErrorBody(exc.status_code, _http_code(exc.status_code), exc.detail), headers
    if isinstance(exc, RepositoryNotFound):
        return ErrorBody(404, "not_found", "Not found"), headers
    if isinstance(exc, DuplicateKeyError | IntegrityError | ForeignKeyError | sa_exc.IntegrityError):
        return ErrorBody(409, "conflict", "The change conflicts with existing data"), headers
    if database_unavailable(exc):
        # the database could not be reached or could not write (locked, disk full, server gone): nothing was saved,
        # and trying again is safe (ratings, dossier events and complaints carry their own ids)
        logger.warning("database unavailable: %s", exc.orig if isinstance(exc, sa_exc.DBAPIError) else exc)
        headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return ErrorBody(
            503, "unavailable", "The database is unavailable just now: nothing was saved. Try again."
        ), headers
    if isinstance(exc, RepositoryError):
        logger.exception("repository error", exc_info=exc)
        return ErrorBody(500, "error", "Internal error"), headers
    logger.exception("unhandled error", exc_info=exc)
    return ErrorBody(500, "error", "Internal error"), headers


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """Browsers navigating to a page get an HTML error page; API clients always get JSON."""
    if request.url.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The single exception handler registered on the app."""
    body, headers = error_body(exc)
    if wants_html(request) and body.status == 401:
        return Redirect(f"/login?next={quote(request.url.path)}")
    if wants_html(request):
        return Template(  # type: ignore[return-value]
            "error.html",
            context={**page_context(request), "error": body},
            status_code=body.status,
            headers=headers,
        )
    return Response(
        content=body,
        status_code=body.status or HTTP_500_INTERNAL_SERVER_ERROR,
        media_type=MediaType.JSON,
        headers=headers,
    )


class SurveyRequest(Request[Any, Any, Any]):
    """The app's request: a JSON body nested deeper than the decoder goes, or not UTF-8, is refused naming the body
    (the decoder raises ``RecursionError`` or ``UnicodeDecodeError`` for them, which are not decoding errors to the
    framework, so they were answered 500)."""

    async def json(self) -> Any:
        try:
            return await super().json()
        except RecursionError:
            raise MalformedBody("The JSON body is nested too deeply", field="body") from None
        except UnicodeDecodeError:
            raise MalformedBody("The JSON body is not UTF-8 text", field="body") from None


# -- NUL characters -----------------------------------------------------------------------------------------------
_NUL_MARKS = (b"\\u0000", b"%00", b"\x00")


def _nul_path(value: Any, path: str = "") -> str | None:
    """Where in decoded JSON a string (or key) holds a NUL character: ``text``, ``items.0.name``; None if nowhere."""
    if isinstance(value, str):
        return path or "body" if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = _nul_path(item, here)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_path(item, f"{path}.{index}" if path else str(index))
            if found:
                return found
    return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _nul_field(pairs: list[tuple[str, str]]) -> str | None:
    return next((key for key, value in pairs if "\x00" in key or "\x00" in value), None)


async def refuse_nul_characters(request: Request[Any, Any, Any]) -> None:
    """Refuse input holding a NUL character (422 naming the field) before any handler sees it: PostgreSQL cannot
    store one in text, so it would otherwise fail as a 500 there while SQLite kept it. Most requests cost one
    search of the raw bytes; only a body that holds a mark of it is decoded to find the field. A multipart body is
    refused (415 naming ``content-type``) before it is read."""
    from urllib.parse import parse_qsl

    if "\x00" in request.scope["path"]:
        raise InvalidInput("The address holds a NUL character", field="path")
    query = request.scope.get("query_string", b"")
    if b"%00" in query:
        named = _nul_field(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        if named:
            raise InvalidInput("Text must not hold a NUL character", field=named)
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        return
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        # no page or endpoint takes a file; and a body read after the CSRF check has parsed such a form would wait
        # for bytes that never come
        raise UnsupportedMediaType("Send a form (application/x-www-form-urlencoded) or JSON", field="content-type")
    body = await request.body()  # kept by the request: the handler reads the same bytes
    if not any(mark in body for mark in _NUL_MARKS):
        return
    content_type = request.headers.get("content-type", "")
    field: str | None = None
    if "json" in content_type:
        try:
            decoded = msgspec.json.decode(body)
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
            return  # not JSON (or not JSON anyone can read): the handler says so
        try:
            field = _nul_path(decoded)
        except RecursionError:
            field = "body"
    elif "x-www-form-urlencoded" in content_type:
        field = _nul_field(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    elif b"\x00" in body and _is_utf8(body):
        field = "body"  # a UTF-8 file (a CSV import): its text may not hold one either (UTF-16 is refused later)
    if field:
        raise InvalidInput("Text must not hold a NUL character", field=field)


# -- JSON bodies as typed -----------------------------------------------------------------------------------------
async def refuse_lax_json(request: Request[Any, Any, Any]) -> None:
    """Refuse (400 naming the field) a JSON body whose values are not of the schema's types. Litestar converts
    bodies in msgspec's lax mode, made for query strings: a number of seconds became a date (a kiosk rating's
    ``"submitted_at": 0`` was stored as 1 January 1970) and ``"5"`` an integer. Decoding the body once more, strictly,
    costs a few microseconds; malformed JSON is left to the handler, which says so. A whole number written ``3.0`` is
    an integer, as in JSON Schema."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    media_type = getattr(data.kwarg_definition, "media_type", "application/json")
    if media_type != "application/json":
        return  # a form: its values are text, converted on purpose
    body = await request.body()
    if not body:
        return
    try:
        msgspec.json.decode(body, type=data.annotation, strict=True)
    except msgspec.ValidationError:
        try:  # JSON Schema counts 3.0 as an integer: so does the API (lax mode takes it too)
            msgspec.convert(_integral_floats(msgspec.json.decode(body)), type=data.annotation, strict=True)
        except msgspec.ValidationError as exc:
            raise ValidationException(str(exc), extra=[{"message": str(exc), "source": "body"}]) from exc
        except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
            return  # a value before the rest of the JSON was found malformed: the handler says so
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return  # not JSON anyone can read: the request's own decoding says so, naming the body


def _integral_floats(value: Any) -> Any:
    """``value`` with each float that is a whole number (``3.0``) written as an integer."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats(item) for item in value]
    return value
