"""Ask the human a question and pause until they answer (factor 7)."""

from typing import Literal

from ..policy import Policy
from .base import Intent, Tool


class RequestMoreInformation(Intent):
    """Ask the user a question: the request is unclear or a fact is missing."""

    intent: Literal["request_more_information"] = "request_more_information"
    message: str


TOOL = Tool(model=RequestMoreInformation, policy=Policy.HUMAN_CONTACT)
