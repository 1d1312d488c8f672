"""Model API failures, classified: transient ones are retried by the runner, permanent ones
escalate at once. Shared by the provider clients, so both SDKs map errors the same way."""

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ..errors import LLMRejected, LLMUnavailable, clip

# Statuses worth retrying: a timeout, a conflict, rate limits and any server-side failure
# (Anthropic answers 529 when overloaded). Every other 4xx is the request's fault and would fail
# again the same way: a bad key, an unknown model, a context that is too long.
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})
MAX_RETRY_AFTER = 3600.0  # a provider asking for more than an hour is not believed


def http_failure(
    status: int, headers: Mapping[str, str], detail: str, *, secret: str | None = None
) -> LLMUnavailable | LLMRejected:
    """The error for a model API reply with HTTP `status` (the SDK's message as `detail`).
    `secret` (the API key) is masked: some providers and proxies echo the key they refused."""
    message = clip(f"model request failed: HTTP {status}: {masked(detail, secret)}")
    if status in TRANSIENT_STATUSES or status >= 500:
        return LLMUnavailable(message, status=status, retry_after=retry_after(headers))
    return LLMRejected(message, status=status)


def unreachable(detail: str, *, secret: str | None = None) -> LLMUnavailable:
    """A timeout, a refused connection or a reply that is not the API's (not JSON, or JSON of
    another shape)."""
    return LLMUnavailable(clip(f"model request failed: {masked(detail, secret)}"))


def masked(text: str, secret: str | None) -> str:
    """`text` with every occurrence of `secret` replaced."""
    return text.replace(secret, "[redacted]") if secret else text


def retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds the provider asked us to wait: `retry-after-ms`, then `Retry-After` (seconds or
    an HTTP date); None when absent or unreadable."""
    lowered = {key.lower(): value for key, value in headers.items()}
    seconds: float | None = None
    if "retry-after-ms" in lowered:
        seconds = _number(lowered["retry-after-ms"])
        seconds = None if seconds is None else seconds / 1000
    if seconds is None and "retry-after" in lowered:
        value = lowered["retry-after"]
        seconds = _number(value)
        if seconds is None:
            seconds = _seconds_until(value, now or datetime.now(UTC))
    if seconds is None or seconds < 0:
        return None
    return min(seconds, MAX_RETRY_AFTER)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and value != float("inf") else None  # not NaN, not inf


def _seconds_until(http_date: str, now: datetime) -> float | None:
    try:
        when = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
