"""Runners: claim thread runs from the store's queue and advance them (factors 6 and 12).

`Runner` is the background pool that `serve` embeds and `worker` runs: one dispatcher claims
runs while fewer than `concurrency` are in flight, a heartbeat renews their leases, and on stop
it finishes the steps in progress within the grace period and hands the rest back. Runs left
by a crashed process are claimed again once their lease runs out, on start and continuously.

`Foreground` runs one thread in the caller's thread (the CLI's `run` and `resume`) through the
same queue, so a thread is never advanced by two processes at once.
"""

import logging
import os
import queue
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from .errors import VersionConflict
from .execution import Executor, Interrupted, Outcome, Paused, RetryLater
from .store import ThreadStore
from .store.runs import Claim, RunQueue
from .thread import Thread

log = logging.getLogger(__name__)


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class Leases:
    """How long a claim lasts without a heartbeat, and how often idle runners look for work
    that no notification announced (runs due after a backoff, leases that ran out)."""

    lease: float = 30.0
    poll: float = 1.0


class Heartbeat:
    """Renews the leases of the claims in progress every lease / 3 seconds; a claim another
    runner took over is marked lost, and its run stops before its next step."""

    def __init__(self, runs: RunQueue, lease: float) -> None:
        self._runs = runs
        self._lease = lease
        self._held: dict[Claim, threading.Event] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def hold(self, claim: Claim) -> threading.Event:
        lost = threading.Event()
        with self._lock:
            self._held[claim] = lost
        return lost

    def drop(self, claim: Claim) -> None:
        with self._lock:
            self._held.pop(claim, None)

    def held(self) -> list[Claim]:
        with self._lock:
            return list(self._held)

    def _beat(self) -> None:
        while not self._stop.wait(self._lease / 3):
            claims = self.held()
            try:
                kept = set(self._runs.extend(claims, self._lease))
            except Exception:
                log.exception("cannot renew leases; other runners may take these runs over")
                continue
            with self._lock:
                for claim in claims:
                    if claim not in kept and claim in self._held:
                        self._held[claim].set()


def settle(runs: RunQueue, claim: Claim, outcome: Outcome) -> None:
    """Record what became of a claimed run in the queue."""
    if isinstance(outcome, Paused):
        runs.finish(claim)
    elif isinstance(outcome, RetryLater):
        runs.retry(claim, outcome.delay)
    else:
        runs.retry(claim, 0.0)


def advance_claimed(executor: Executor, claim: Claim, keep_going: Callable[[], bool]) -> Outcome:
    try:
        return executor.advance(claim.thread_id, keep_going)
    except VersionConflict:
        # Someone else wrote to the thread (its claim lapsed and was taken over): stop here.
        log.info("thread %s was advanced elsewhere", claim.thread_id)
        return Interrupted()


class Runner:
    """The background pool; `start` it, `wake` it when a run was queued, `stop` it."""

    def __init__(
        self,
        executor: Executor,
        runs: RunQueue,
        *,
        concurrency: int,
        leases: Leases = Leases(),
        exit_when_idle: bool = False,
    ) -> None:
        self.id = runner_id()
        self._executor = executor
        self._runs = runs
        self._concurrency = concurrency
        self._leases = leases
        self._exit_when_idle = exit_when_idle
        self._heartbeat = Heartbeat(runs, leases.lease)
        # Daemon threads: a step stuck past the grace period must not keep the process alive.
        self._work: queue.SimpleQueue[tuple[Claim, threading.Event]] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(concurrency)
        self._wake = threading.Condition()
        self._stopping = threading.Event()
        self._idle = threading.Event()
        self._dispatcher = threading.Thread(target=self._dispatch, name="dispatcher")
        self.completed = 0  # runs that ended with the thread paused or done
        self._count = threading.Lock()

    def start(self) -> None:
        log.info("runner %s started with concurrency %d", self.id, self._concurrency)
        self._heartbeat.start()
        listener = threading.Thread(
            target=self._runs.listen, args=(self.wake, self._stopping), daemon=True
        )
        listener.start()
        for i in range(self._concurrency):
            threading.Thread(target=self._work_loop, name=f"run-{i}", daemon=True).start()
        self._dispatcher.start()

    def wake(self) -> None:
        """A run was queued: look for it now instead of at the next poll."""
        with self._wake:
            self._wake.notify_all()

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """With `exit_when_idle`: block until the queue was found empty."""
        return self._idle.wait(timeout)

    def stop(self, grace: float) -> None:
        """Stop claiming; steps in progress get `grace` seconds to finish (each run stops after
        its current step), then every claim still held is handed back for another process."""
        self._stopping.set()
        self.wake()
        if self._dispatcher.ident is None:  # never started (e.g. serve refused its settings)
            return
        self._dispatcher.join()
        deadline = time.monotonic() + grace
        while self._heartbeat.held() and time.monotonic() < deadline:
            time.sleep(0.05)
        for claim in self._heartbeat.held():
            log.warning("handing back thread %s (its step did not finish in time)", claim.thread_id)
            try:
                self._runs.retry(claim, 0.0)
            except Exception:
                log.exception("could not hand back thread %s", claim.thread_id)
        self._heartbeat.stop()
        log.info("runner %s stopped", self.id)

    def _dispatch(self) -> None:
        while not self._stopping.is_set():
            self._slots.acquire()
            try:
                claim = None if self._stopping.is_set() else self._claim()
            except Exception:  # the database may be restarting: try again after a pause
                log.exception("runner %s cannot claim runs; retrying", self.id)
                claim = None
            if claim is None:
                self._slots.release()
                if self._exit_when_idle and self._heartbeat.held() == [] and self._empty():
                    self._idle.set()
                    return
                with self._wake:
                    if not self._stopping.is_set():
                        self._wake.wait(self._leases.poll)
                continue
            self._work.put((claim, self._heartbeat.hold(claim)))

    def _claim(self) -> Claim | None:
        return self._runs.claim(self.id, self._leases.lease)

    def _empty(self) -> bool:
        try:
            return self._runs.pending() == 0
        except Exception:
            return False

    def _work_loop(self) -> None:
        while True:
            self._run(*self._work.get())

    def _run(self, claim: Claim, lost: threading.Event) -> None:
        try:
            outcome = advance_claimed(
                self._executor,
                claim,
                lambda: not (self._stopping.is_set() or lost.is_set()),
            )
            settle(self._runs, claim, outcome)
            if isinstance(outcome, Paused):
                with self._count:
                    self.completed += 1
        except Exception as exc:
            # The store went away (or a bug): the run is tried again once its lease runs out,
            # by this runner or any other.
            log.error("run of thread %s stopped: %s: %s", claim.thread_id, type(exc).__name__, exc)
        finally:
            self._heartbeat.drop(claim)
            self._slots.release()
            self.wake()


@contextmanager
def stop_signals() -> Iterator[threading.Event]:
    """Within the block, SIGTERM and SIGINT only set the event it yields; the previous handlers
    come back afterwards. (uvicorn re-raises the signal it stopped on once it has shut down: with
    Python's default handler that would end `serve` before the runner's grace period.)"""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_until_signalled(runner: Runner, grace: float) -> None:
    """Run until SIGTERM or SIGINT, then stop gracefully (see `Runner.stop`)."""
    with stop_signals() as stop:
        runner.start()
        while not stop.wait(0.5):
            pass
        log.info("runner %s stopping after the current steps (%.0f s grace)", runner.id, grace)
        runner.stop(grace)


class Foreground:
    """Scheduling for the CLI: a recorded run is claimed and advanced right here, waiting out
    model outages (each wait is reported through `on_wait`) until the thread pauses. If another
    runner holds the thread, it waits for that runner to pause it instead. On Ctrl-C the run is
    handed back, so any runner continues it."""

    def __init__(
        self,
        executor: Executor,
        store: ThreadStore,
        *,
        leases: Leases = Leases(lease=30.0, poll=0.2),
        on_wait: Callable[[RetryLater], None] = lambda retry: None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._executor = executor
        self._store = store
        self._leases = leases
        self._on_wait = on_wait
        self._sleep = sleep

    def scheduled(self, thread: Thread) -> Thread:
        runs = self._store.runs
        # One claimant per call, not per instance: a script's threads may share this service,
        # and a claim's owner may take its run back, so a shared id would let a second caller
        # run the thread (and its approved tool call) while the first is still running it.
        claimant = runner_id()
        while True:
            claim = runs.claim(claimant, self._leases.lease, thread_id=thread.id)
            if claim is None:
                if not runs.scheduled(thread.id):
                    return self._store.load(thread.id)
                self._sleep(self._leases.poll)  # another runner has it: wait for it to pause
                continue
            outcome = self._advance(claim)
            if isinstance(outcome, RetryLater):
                self._on_wait(outcome)
                self._sleep(outcome.delay)
            elif isinstance(outcome, Paused) and not runs.scheduled(thread.id):
                return outcome.thread

    def _advance(self, claim: Claim) -> Outcome:
        heartbeat = Heartbeat(self._store.runs, self._leases.lease)
        lost = heartbeat.hold(claim)
        heartbeat.start()
        outcome: Outcome = Interrupted()
        try:
            outcome = advance_claimed(self._executor, claim, lambda: not lost.is_set())
        finally:
            heartbeat.stop()
            try:
                settle(self._store.runs, claim, outcome)  # on Ctrl-C: handed back as it is
            except Exception as exc:  # e.g. the store is down: the lease runs out instead
                log.warning("thread %s: could not hand the run back: %s", claim.thread_id, exc)
        return outcome


class Queued:
    """Scheduling for the HTTP API: the run is recorded; a runner (embedded or elsewhere) takes
    it. `wake` tells an embedded runner at once."""

    def __init__(self, wake: Callable[[], None] = lambda: None) -> None:
        self._wake = wake

    def scheduled(self, thread: Thread) -> Thread:
        self._wake()
        return thread
