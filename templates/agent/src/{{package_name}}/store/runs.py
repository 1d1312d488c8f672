"""Runs: the job table that says "advance thread X", one row per thread that has work to do.

A row is written in the same transaction as the event that needs a run (a launch, a human's
answer, an approval, a webhook), so no recorded event is ever left without its run. Runners
claim rows with a lease they renew while they work; a row whose lease ran out (its runner
crashed, was killed, or lost the database) is claimed again by any runner. Each claim bumps the
row's `token`: a runner whose lease was taken over can no longer finish or retry the run.
Only one runner holds a thread at a time, so a recorded tool call is run by one process.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from threading import Event
from typing import Protocol


@dataclass(frozen=True)
class Claim:
    """A runner's hold on one thread's run, until `finish`, `retry` or its lease runs out."""

    thread_id: str
    owner: str
    token: int  # fencing: bumped by every claim, checked by every later call


class RunQueue(Protocol):
    """One implementation per store backend, in the thread's own database."""

    def schedule(self, thread_id: str) -> None:
        """Queue a run of the thread now, unless one is queued (then it is due now) or running
        (then it runs once more when the current run finishes)."""
        ...

    def claim(self, owner: str, lease: float, thread_id: str | None = None) -> Claim | None:
        """The run that is due longest (or that of `thread_id`, due or backing off), unless
        another runner's lease holds it; None when there is nothing to claim."""
        ...

    def extend(self, claims: Sequence[Claim], lease: float) -> list[Claim]:
        """Heartbeat: renew the leases; returns the claims still held."""
        ...

    def finish(self, claim: Claim) -> bool:
        """The thread paused or finished: drop the run (or queue it again when it was scheduled
        meanwhile). False when the claim was lost."""
        ...

    def retry(self, claim: Claim, delay: float) -> bool:
        """Hand the run back, due in `delay` seconds (0: at once, e.g. on shutdown)."""
        ...

    def scheduled(self, thread_id: str) -> bool:
        """Whether a run of the thread is queued or running."""
        ...

    def pending(self) -> int:
        """Runs queued or running."""
        ...

    def listen(self, wake: Callable[[], None], stop: Event) -> None:
        """Call `wake` whenever another process schedules a run, until `stop` is set. Stores
        without notifications return at once; runners then find new runs by polling."""
        ...
