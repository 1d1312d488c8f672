"""The HTTP API (factors 6, 7, 11): `create_app` wires routes, auth, limits and error mapping.

The app keeps no per-thread memory: every request goes through the AgentService to the store,
which records it with a queued run; runners take the steps, so any process that shares the
store can serve any thread.
"""

import math
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from .. import PROJECT_NAME
from ..config import Settings
from ..errors import AgentError, NotAwaiting, VersionConflict
from ..people import ANONYMOUS
from ..service import AgentService
from ..store.seen import SeenIds, open_seen
from ..thread import Status
from .guards import BodySizeLimit, bearer_auth, people_from, require_api_token
from .inbox import inbox_router
from .models import ConflictBody, ErrorBody
from .threads import threads_router
from .webhook import webhook_router

# What a thread in each status accepts on POST /threads/{id}/responses.
EXPECTED: dict[Status, str] = {
    "waiting_for_human": "answer",
    "waiting_for_approval": "approval",
    "running": "nothing",
    "done": "nothing",
}


def create_app(
    service: AgentService,
    settings: Settings,
    *,
    require_auth: bool = True,
    max_body_bytes: int | None = None,
    seen: SeenIds | None = None,
) -> FastAPI:
    """The API over `service`. With `require_auth`, every route except /healthz and the signed
    webhook needs `Authorization: Bearer $AGENT_API_TOKEN` (ConfigError if it is not set).
    Bodies over `max_body_bytes` (default: AGENT_MAX_BODY_BYTES) are refused with 413.
    `seen` remembers accepted webhook signatures and signed-out inbox sessions (default: a
    table in AGENT_DATABASE_URL's database, shared by every process using it)."""
    protected: list[Any] = []
    identify: Callable[..., str] = lambda: ANONYMOUS  # noqa: E731
    if require_auth:
        require_api_token(settings)
        identify = bearer_auth(people_from(settings))
        protected = [Depends(identify)]
    app = FastAPI(
        title=PROJECT_NAME,
        summary="Launch, inspect and resume agent threads.",
        # The schema is served below, behind the same auth as the routes it describes; the
        # interactive docs need it unauthenticated, so they are only on without auth.
        openapi_url=None,
        docs_url=None if require_auth else "/docs",
        redoc_url=None,
    )
    limit = settings.agent_max_body_bytes if max_body_bytes is None else max_body_bytes
    app.add_middleware(BodySizeLimit, max_bytes=limit)
    app.include_router(_health_router())
    app.include_router(threads_router(service, identify), dependencies=protected)
    if seen is None:
        seen = open_seen(settings.agent_database_url)
    app.include_router(webhook_router(service, settings.agent_webhook_secret, seen))
    app.include_router(_schema_router(app), dependencies=protected)
    app.include_router(inbox_router(service, settings, require_auth=require_auth, seen=seen))
    _install_error_handlers(app, service)
    return app


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """Liveness: answers without auth and without touching the store."""
        return {"status": "ok"}

    return router


def _schema_router(app: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/openapi.json")
    def openapi() -> dict[str, Any]:
        return app.openapi()

    return router


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _install_error_handlers(app: FastAPI, service: AgentService) -> None:
    def on_agent_error(request: Request, exc: Exception) -> JSONResponse:
        """Each core error carries its HTTP status (ThreadNotFound 404, NotAwaiting 409, ...);
        a 409 also says what the thread, left unchanged, accepts now."""
        if isinstance(exc, NotAwaiting | VersionConflict):
            status = service.get(exc.thread_id).status
            conflict = ConflictBody(detail=str(exc), status=status, expected=EXPECTED[status])
            return JSONResponse(conflict.model_dump(), status_code=409)
        code = exc.http_status if isinstance(exc, AgentError) else 500
        return JSONResponse(ErrorBody(detail=str(exc)).model_dump(), status_code=code)

    def on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
        """FastAPI's 422, except that the echoed input is always valid JSON: Python's parser
        accepts NaN, Infinity and lone surrogates, and a body may not be UTF-8, all of which
        the default handler fails on (500)."""
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        # A signed body that is not UTF-8 is echoed as bytes, which the encoder cannot decode.
        readable = jsonable_encoder(errors, custom_encoder={bytes: _decode_lossy})
        return JSONResponse({"detail": _json_safe(readable)}, status_code=422)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        """Starlette's own answers, except that a 405's Allow header lists the methods of every
        route at the path (`/threads` has GET and POST routes; Starlette names only the first)."""
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code != 405:
            return await http_exception_handler(request, exc)
        allowed = [
            method
            for method in METHODS
            if any(
                route.matches({**request.scope, "method": method})[0] == Match.FULL
                for route in app.router.routes
            )
        ]
        return JSONResponse(
            {"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(allowed)}
        )

    app.add_exception_handler(AgentError, on_agent_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


def _decode_lossy(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _json_safe(value: Any) -> Any:
    """`value` with non-finite floats as their names ("nan", "inf") and lone surrogates escaped."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_json_safe(key): _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value
