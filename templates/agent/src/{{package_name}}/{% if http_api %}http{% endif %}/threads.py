"""Thread routes: launch, read and answer threads. Each request records what happened and queues
a run in one transaction, then answers; a runner takes the steps."""

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse

from ..service import AgentService, Approval, HumanAnswer, Trigger
from .guards import require_json
from .models import (
    ERROR_RESPONSES,
    AnswerBody,
    ApprovalBody,
    ConflictBody,
    ErrorBody,
    LaunchRequest,
    ThreadList,
    ThreadQuery,
    ThreadSummaryView,
    ThreadView,
    thread_response,
)

Responses = dict[int | str, dict[str, Any]]

NOT_FOUND: Responses = {404: {"model": ErrorBody, "description": "No thread with this id."}}
CONFLICT: Responses = {
    409: {"model": ConflictBody, "description": "The thread awaits something else."}
}


def threads_router(service: AgentService, identify: Callable[..., str]) -> APIRouter:
    """The routes; `identify` names who sent a request (recorded with each human response)."""
    router = APIRouter(prefix="/threads", tags=["threads"], responses=ERROR_RESPONSES)

    @router.post(
        "",
        status_code=202,
        response_model=ThreadView,
        dependencies=[Depends(require_json)],
    )
    def launch_thread(
        body: LaunchRequest,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                max_length=200,
                # Printable ASCII only: a control character (NUL) is no key, and PostgreSQL
                # cannot store it in a text column.
                pattern=r"^[ -~]+$",
                description="Any unique string per request (printable ASCII). A retry with the "
                "same key starts nothing new: it is answered with the thread the first request "
                "started.",
            ),
        ] = None,
    ) -> JSONResponse:
        """Start a thread; a runner takes its steps. Poll `GET /threads/{id}`."""
        trigger = Trigger(message=body.message, source="http", idempotency_key=idempotency_key)
        return thread_response(service.launch(trigger), 202)

    @router.get("", response_model=ThreadList)
    def list_threads(query: Annotated[ThreadQuery, Query()]) -> ThreadList:
        """Find threads by status and age, e.g. `?status=waiting_for_human` for an inbox, or
        `?status=running&updated_before=...` for runs that look stuck."""
        found = service.list_threads(query.status, query.limit, updated_before=query.updated_before)
        return ThreadList(threads=[ThreadSummaryView(**asdict(summary)) for summary in found])

    @router.get("/{thread_id}", response_model=ThreadView, responses=NOT_FOUND)
    def get_thread(thread_id: str) -> JSONResponse:
        """The thread with its derived status and every event."""
        return thread_response(service.get(thread_id))

    @router.post(
        "/{thread_id}/responses",
        status_code=202,
        response_model=ThreadView,
        dependencies=[Depends(require_json)],
        responses={**NOT_FOUND, **CONFLICT},
    )
    def respond(
        thread_id: str,
        body: AnswerBody | ApprovalBody,
        who: Annotated[str, Depends(identify)],
    ) -> JSONResponse:
        """Answer a question (`{"answer"}`) or decide on an approval (`{"approved", "comment"}`);
        a runner takes it from there. A response the thread is not waiting for is
        refused with 409 and changes nothing."""
        response: HumanAnswer | Approval = (
            HumanAnswer(answer=body.answer, by=who, via="api")
            if isinstance(body, AnswerBody)
            else Approval(approved=body.approved, comment=body.comment, by=who, via="api")
        )
        return thread_response(service.respond(thread_id, response), 202)

    @router.post(
        "/{thread_id}/continue",
        status_code=202,
        response_model=ThreadView,
        responses={**NOT_FOUND, **CONFLICT},
    )
    def continue_thread(thread_id: str) -> JSONResponse:
        """Ask for a running thread to be advanced now (e.g. while a model outage is being
        retried, to skip the wait); runs are never lost, so this is rarely needed. A thread
        that waits for a human, or is done, is refused with 409."""
        return thread_response(service.advance(thread_id), 202)

    return router
