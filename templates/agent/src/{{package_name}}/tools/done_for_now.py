"""Finish the thread with a final message for the human."""

from typing import Literal

from ..policy import Policy
from .base import Intent, Tool


class DoneForNow(Intent):
    """Finish: the task is complete. Give the user the final answer in `message`."""

    intent: Literal["done_for_now"] = "done_for_now"
    message: str


TOOL = Tool(model=DoneForNow, policy=Policy.TERMINAL)
