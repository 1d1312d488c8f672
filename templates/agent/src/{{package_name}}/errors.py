"""The one exception tree. Each error carries the CLI exit code and HTTP status it maps to."""

MAX_DETAIL = 300  # characters of error detail kept in events and messages: compact (factor 9)


def clip(text: str, limit: int = MAX_DETAIL) -> str:
    """Shorten error detail, marking the cut, so a long traceback text never floods the context."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_line(error: BaseException) -> str:
    """The first line of an exception's text: errors from drivers and SDKs are often pages long,
    and a user-facing error is one line."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class AgentError(Exception):
    """Base for errors a user can act on; the message is one clear line."""

    exit_code = 1
    http_status = 500


class ThreadNotFound(AgentError):
    http_status = 404

    def __init__(self, thread_id: str) -> None:
        super().__init__(f"thread {thread_id!r} not found")
        self.thread_id = thread_id


class ThreadExists(AgentError):
    http_status = 409

    def __init__(self, thread_id: str) -> None:
        super().__init__(f"thread {thread_id!r} already exists")
        self.thread_id = thread_id


class VersionConflict(AgentError):
    """Another writer appended to the thread first; reload and decide again."""

    http_status = 409

    def __init__(self, thread_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"thread {thread_id!r} changed concurrently (expected version {expected}, "
            f"found {actual})"
        )
        self.thread_id = thread_id
        self.expected = expected
        self.actual = actual


class NotAwaiting(AgentError):
    """A response that does not match what the thread waits for; the thread is left unchanged."""

    http_status = 409

    def __init__(self, thread_id: str, status: str, offered: str) -> None:
        super().__init__(f"thread {thread_id!r} is {status}; it does not accept {offered}")
        self.thread_id = thread_id
        self.status = status
        self.offered = offered


class LLMUnavailable(AgentError):
    """The model could not be reached for now: a timeout, a connection error, 429, 5xx or
    "overloaded". Transient: the runner records the attempt and retries it later. Everything up
    to the failed call is stored; `thread_id` names the thread. `status` is the HTTP status when
    there was one; `retry_after` is the wait in seconds the provider asked for, if any."""

    http_status = 503

    def __init__(
        self,
        message: str,
        thread_id: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.thread_id = thread_id
        self.status = status
        self.retry_after = retry_after


class LLMRejected(AgentError):
    """The model's API refused the request and would refuse it again (400 such as a context too
    long, 401/403, 404 unknown model). Permanent: the thread is escalated to a human at once."""

    http_status = 502

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class StoreUnavailable(AgentError):
    """The thread store cannot be used right now (SQLite locked by another writer past the busy
    timeout, PostgreSQL down). Nothing was written; retry or resume once it is back."""

    http_status = 503


class ConfigError(AgentError):
    """Missing or invalid configuration, such as an API key."""

    exit_code = 2
