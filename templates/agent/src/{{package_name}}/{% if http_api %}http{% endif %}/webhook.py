"""The signed webhook trigger (factor 11): Stripe's signature scheme over the raw body.

`X-Signature-256: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`. A timestamp more
than 5 minutes from this server's clock is refused, and each accepted signature is remembered
in the store's database for that window (every process sees it): a captured request replayed
is answered 409 and starts nothing. A sender retrying signs again (a new timestamp) and sends
the same `X-Delivery-Id`, which finds the first delivery's thread.
"""

import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import SecretStr, ValidationError
from starlette.concurrency import run_in_threadpool

from ..service import AgentService, Trigger
from ..store.seen import SeenIds
from .guards import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_TOLERANCE_SECONDS,
    require_json,
    verify_signature,
)
from .models import ERROR_RESPONSES, ErrorBody, ThreadView, WebhookTrigger, thread_response

WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "Missing, invalid or stale X-Signature-256."},
    409: {"model": ErrorBody, "description": "This signed request was already received."},
    503: {"model": ErrorBody, "description": "Webhooks are off: no AGENT_WEBHOOK_SECRET."},
}


def webhook_router(service: AgentService, secret: SecretStr | None, seen: SeenIds) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    async def signed_body(
        request: Request,
        signature: Annotated[
            str | None,
            Header(
                alias=SIGNATURE_HEADER,
                description='`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>`, '
                "keyed with AGENT_WEBHOOK_SECRET (Stripe's scheme).",
            ),
        ] = None,
    ) -> bytes:
        """The raw body, once its signature checks out and was never seen before; nothing
        unsigned is ever parsed."""
        if secret is None:
            raise HTTPException(503, "webhooks are disabled: AGENT_WEBHOOK_SECRET is not set")
        body = await request.body()
        try:
            stamp, mac = verify_signature(secret.get_secret_value(), body, signature, time.time())
        except ValueError as exc:
            raise HTTPException(401, str(exc)) from None
        require_json(request)
        # Kept a little past the window, so clock steps on either side cannot reopen it.
        until = stamp + 2 * SIGNATURE_TOLERANCE_SECONDS
        if not await run_in_threadpool(seen.remember, "webhook", mac, until):
            raise HTTPException(409, "this signed request was already received (a replay)")
        return body

    @router.post(
        "/webhooks/trigger",
        status_code=202,
        response_model=ThreadView,
        responses=WEBHOOK_RESPONSES,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": WebhookTrigger.model_json_schema()}},
            }
        },
    )
    def trigger(
        body: Annotated[bytes, Depends(signed_body)],
        delivery_id: Annotated[
            str | None,
            Header(
                alias=DELIVERY_HEADER,
                max_length=200,
                description="A unique id per delivery. A repeated id starts no second run; "
                "it is answered with the thread the first delivery started.",
            ),
        ] = None,
    ) -> JSONResponse:
        """Start a thread from a signed event; a runner takes its steps. Senders retry
        deliveries: a repeated `X-Delivery-Id` is answered with the first delivery's thread."""
        event = parse_trigger(body)
        metadata = metadata_of(event)
        if delivery_id is not None:
            metadata["delivery_id"] = delivery_id
        trigger = Trigger(
            message=event.message,
            source="webhook",
            metadata=metadata,
            idempotency_key=delivery_id,
        )
        # A repeat finds the first delivery's thread and schedules nothing.
        return thread_response(service.launch(trigger), 202)

    return router


def parse_trigger(body: bytes) -> WebhookTrigger:
    try:
        return WebhookTrigger.model_validate_json(body)
    except ValidationError as exc:
        # The same 422 shape FastAPI gives for the other routes.
        raise RequestValidationError(exc.errors(include_url=False), body=body) from exc


def metadata_of(event: WebhookTrigger) -> dict[str, str]:
    """Extra payload fields as strings (nested values as JSON), stored but never shown."""
    return {
        key: value if isinstance(value, str) else json.dumps(value)
        for key, value in event.metadata().items()
    }
