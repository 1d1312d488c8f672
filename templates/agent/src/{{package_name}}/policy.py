"""The one policy table: how the agent loop treats each kind of tool (factor 8)."""

from enum import StrEnum


class Policy(StrEnum):
    """What happens after the model picks a tool."""

    SYNC = "sync"  # run the handler now, record the result, keep going
    NEEDS_APPROVAL = "needs_approval"  # pause until a human approves; run exactly once after
    HUMAN_CONTACT = "human_contact"  # pause until a human answers
    TERMINAL = "terminal"  # the thread is done
