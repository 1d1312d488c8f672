"""Request guards for the HTTP API: bearer token, webhook signature, JSON bodies, size limit."""

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import DEFAULT_MAX_BODY_BYTES, Settings
from ..errors import ConfigError
from ..people import People, load_people

SIGNATURE_HEADER = "X-Signature-256"
DELIVERY_HEADER = "X-Delivery-Id"
# How far a webhook's signed timestamp may be from this server's clock (Stripe uses 5 minutes).
SIGNATURE_TOLERANCE_SECONDS = 300
# Shorter API tokens are refused: a token is the only secret guarding the API and the inbox.
MIN_TOKEN_CHARS = 32


def _digest(value: str | bytes) -> bytes:
    # Hashing both sides first makes the comparison constant-time in the length too.
    return hashlib.sha256(value.encode() if isinstance(value, str) else value).digest()


def require_api_token(settings: Settings) -> None:
    """Refuse to serve with auth on and no usable AGENT_API_TOKEN (ConfigError, one line)."""
    token = settings.agent_api_token
    if token is None:
        raise ConfigError("AGENT_API_TOKEN is not set; set it, or serve with --no-auth")
    if len(token.get_secret_value().strip()) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"AGENT_API_TOKEN is shorter than {MIN_TOKEN_CHARS} characters; make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )


def people_from(settings: Settings) -> People:
    """Who may call the API and the inbox: the API token, AGENT_USERS_FILE, the proxy header."""
    token = settings.agent_api_token
    return load_people(
        token.get_secret_value() if token else None,
        settings.agent_users_file,
        settings.agent_trusted_user_header,
    )


def bearer_auth(people: People) -> Callable[..., str]:
    """A dependency that admits a request carrying a known bearer token (the API token or a
    person's own), or a user name in the trusted proxy header, and returns who sent it."""
    scheme = HTTPBearer(
        auto_error=False,
        scheme_name="AgentApiToken",
        description="AGENT_API_TOKEN, or a person's own token (`users add NAME`).",
    )

    def require_token(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)],
    ) -> str:
        name = people.by_proxy(request.headers)
        if name is None and credentials is not None:
            name = people.by_token(credentials.credentials)
        if name is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="missing or invalid bearer token",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return name

    return require_token


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The `X-Signature-256` value for `body`, in Stripe's scheme: `t=<unix seconds>,v1=<hex
    HMAC-SHA256 of "<t>." + body>`. The timestamp is signed with the body, so a captured
    request cannot be replayed later, nor its signature moved to another body."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify_signature(secret: str, body: bytes, header: str | None, now: float) -> tuple[int, str]:
    """The signed timestamp and the matching `v1` value; ValueError says why not. Several `v1`
    values may be sent (one per secret while rotating); any one matching is enough."""
    if header is None:
        raise ValueError(f"missing {SIGNATURE_HEADER} header")
    fields = [part.strip().partition("=") for part in header.split(",")]
    stamps = [value for key, _, value in fields if key == "t"]
    macs = [value.lower() for key, _, value in fields if key == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or len(stamps[0]) > 12 or not macs:
        raise ValueError(f"{SIGNATURE_HEADER} must be t=<unix seconds>,v1=<hex HMAC-SHA256>")
    timestamp = int(stamps[0])
    if abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise ValueError(
            f"{SIGNATURE_HEADER} timestamp is more than {SIGNATURE_TOLERANCE_SECONDS} s "
            "from this server's clock"
        )
    expected = sign(secret, body, timestamp).partition(",v1=")[2]
    # Every value is compared (constant time), so timing says nothing about which one matched.
    matched = [mac for mac in macs if hmac.compare_digest(_digest(mac), _digest(expected))]
    if not matched:
        raise ValueError(f"invalid {SIGNATURE_HEADER} signature")
    return timestamp, expected


def is_json_media_type(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def require_json(request: Request) -> None:
    """Refuse non-JSON bodies with 415 rather than letting them fail validation as 422."""
    if not is_json_media_type(request.headers.get("content-type")):
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Content-Type must be application/json",
        )


class BodySizeLimit:
    """ASGI middleware: answer 413 for bodies over `max_bytes`, declared or streamed (chunked).

    The body is buffered (at most `max_bytes`) before the app runs, so no route ever sees a
    partial body and an oversized upload never reaches JSON parsing.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more_body = True
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away; nobody is left to answer
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more_body = message.get("more_body", False)
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {"detail": f"request body exceeds {self.max_bytes} bytes"},
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the buffered body once, then defers to the server (disconnects)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
