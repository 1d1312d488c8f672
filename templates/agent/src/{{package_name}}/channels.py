"""How a paused thread reaches a human (factor 7): a Protocol, and a logging implementation.

Slack, email or HumanLayer adapters implement `HumanChannel`; the core never imports their SDKs.
"""

import logging
from typing import Protocol

from .events import Escalation, Event, ToolCall

log = logging.getLogger(__name__)


class HumanChannel(Protocol):
    def notify(self, thread_id: str, event: Event) -> None:
        """Tell a human that `thread_id` waits for them because of `event`."""
        ...


class LogChannel:
    """Writes one log line per request for a human; the CLI and API show the thread themselves."""

    def notify(self, thread_id: str, event: Event) -> None:
        if isinstance(event, ToolCall):
            log.info(
                "thread %s waits for a human: %s %s",
                *(thread_id, event.intent, event.arguments),
                extra={"thread_id": thread_id},
            )
        elif isinstance(event, Escalation):
            log.warning(
                "thread %s escalated: %s", thread_id, event.reason, extra={"thread_id": thread_id}
            )
