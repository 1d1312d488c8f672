"""Who may use the inbox pages, and proof that a form was sent from them (CSRF).

People sign in once with their own token (`users add NAME`) or the API token; the browser then
holds a signed session in an HttpOnly, SameSite=Strict cookie (never the token itself): a
random session id, its expiry and who signed in, with an HMAC keyed by the API token and that
person's token digest, so changing either ends their sessions. Signing out records the session
id in the store's database until it would have expired (see store/seen.py): the revocation
holds in every process, and only sessions ended early take a row. Scripts send the API's
`Authorization: Bearer` header instead; behind an authenticating proxy, its user header can be
trusted instead. Forms carry a token derived from a per-browser nonce cookie, so another site
cannot submit them on someone's behalf. Wrong tokens are rate-limited per client address.
"""

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from enum import Enum

from starlette.requests import Request
from starlette.responses import Response

from ..people import ANONYMOUS, API_TOKEN_USER, People
from ..store.seen import SeenIds

PREFIX = "/inbox"
TOKEN_COOKIE = "inbox_token"
CSRF_COOKIE = "inbox_csrf"
CSRF_FIELD = "csrf_token"
_SESSION_SECONDS = 12 * 60 * 60
_SIGNED_OUT = "inbox-signed-out"  # the kind of id kept in the seen-ids table


class Access(Enum):
    OPEN = "open"  # no token configured (`serve --no-auth`, local use)
    BEARER = "bearer"  # a script with the API's header: a browser cannot forge it cross-site
    COOKIE = "cookie"  # a signed-in browser: its forms need the CSRF token
    PROXY = "proxy"  # signed in by a trusted authenticating proxy: forms need the CSRF token too
    SIGNED_OUT = "signed_out"
    REFUSED = "refused"  # a wrong Authorization header: answered 401, not with a login page

    @property
    def allowed(self) -> bool:
        return self in (Access.OPEN, Access.BEARER, Access.COOKIE, Access.PROXY)


class InboxSecurity:
    def __init__(self, people: People | None, seen: SeenIds, limiter: "SignInLimiter") -> None:
        """`people` knows the tokens (the API token and each person's); None serves the inbox
        without sign-in (`serve --no-auth`). `seen` keeps signed-out session ids."""
        self._people = people
        self._seen = seen
        self.limiter = limiter
        token = people.api_token if people else None
        self._session_key = hashlib.sha256(b"inbox-session\0" + (token or "").encode()).digest()
        # Derived from the token, not random per process: every server sharing the token accepts
        # the others' forms. Signing the nonce means a cookie planted by a sibling subdomain is
        # useless without the token; with no token it is a plain double-submit cookie.
        self._csrf_key = hashlib.sha256(b"inbox-csrf\0" + (token or "").encode()).digest()

    def access(self, request: Request) -> Access:
        return self.identify(request)[0]

    def identify(self, request: Request) -> tuple[Access, str | None]:
        """How the request is allowed in (or not), and who it is: a person's name, "api-token"
        for the shared token, or "anonymous" when the inbox needs no sign-in."""
        people = self._people
        if people is None:
            return Access.OPEN, ANONYMOUS
        header = request.headers.get("authorization")
        if header is not None:
            scheme, _, value = header.partition(" ")
            name = people.by_token(value.strip()) if scheme.lower() == "bearer" else None
            return (Access.BEARER, name) if name else (Access.REFUSED, None)
        proxied = people.by_proxy(request.headers)
        if proxied is not None:
            return Access.PROXY, proxied
        session = self._session(request)
        return (Access.COOKIE, session[1]) if session else (Access.SIGNED_OUT, None)

    def who_has(self, supplied: str) -> str | None:
        """The name behind a token typed into the sign-in form, or None."""
        return self._people.by_token(supplied) if self._people is not None else None

    def sign_in(self, request: Request, response: Response, name: str) -> None:
        """Start a session for `name` (a person, or "api-token" for the shared token)."""
        session_id = secrets.token_urlsafe(16)
        expires = int(time.time()) + _SESSION_SECONDS
        who = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
        body = f"{session_id}.{expires}.{who}"
        response.set_cookie(
            TOKEN_COOKIE,
            f"{body}.{self._mac(body, name)}",
            max_age=_SESSION_SECONDS,
            path=PREFIX,
            secure=_is_https(request),
            httponly=True,
            samesite="strict",
        )

    def sign_out(self, request: Request, response: Response) -> None:
        """End this browser's session everywhere: a copy of the cookie no longer signs in."""
        session = self._session(request)
        if session is not None:
            self._seen.remember(_SIGNED_OUT, session[0], session[2])
        response.delete_cookie(
            TOKEN_COOKIE, path=PREFIX, secure=_is_https(request), httponly=True, samesite="strict"
        )

    def _session(self, request: Request) -> tuple[str, str, int] | None:
        """(session id, name, expiry) of a valid, unexpired, not signed-out session cookie."""
        value = request.cookies.get(TOKEN_COOKIE, "")
        parts = value.split(".")
        if len(parts) != 4 or not parts[1].isdigit() or len(value) > 400:
            return None
        session_id, expires, who, mac = parts
        try:
            name = base64.urlsafe_b64decode(who + "=" * (-len(who) % 4)).decode()
        except ValueError:
            return None
        expected = self._mac(f"{session_id}.{expires}.{who}", name)
        if expected is None or not hmac.compare_digest(expected.encode(), mac.encode()):
            return None
        if int(expires) < time.time() or self._seen.seen(_SIGNED_OUT, session_id):
            return None
        return session_id, name, int(expires)

    def _mac(self, body: str, name: str) -> str | None:
        """The session's signature; None when `name` is no longer someone who may sign in.
        Keyed with the person's token digest too: a new token (`users add` again) or removing
        them ends their sessions, as changing AGENT_API_TOKEN ends everyone's."""
        people = self._people
        if people is None:
            return None
        digest = people.users.get(name) if name != API_TOKEN_USER else ""
        if digest is None:
            return None
        key = self._session_key + digest.encode()
        return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()

    def csrf_nonce(self, request: Request) -> tuple[str, bool]:
        """This browser's nonce, and whether it is new (and must be set as a cookie)."""
        nonce = request.cookies.get(CSRF_COOKIE)
        if nonce and len(nonce) <= 64:
            return nonce, False
        return secrets.token_urlsafe(32), True

    def csrf_token(self, nonce: str) -> str:
        return hmac.new(self._csrf_key, nonce.encode(), hashlib.sha256).hexdigest()

    def set_csrf_cookie(self, request: Request, response: Response, nonce: str) -> None:
        # Lax, unlike the sign-in cookie: following a link from chat must not replace the nonce
        # (and so invalidate forms open in other tabs); it is no credential on its own.
        response.set_cookie(
            CSRF_COOKIE,
            nonce,
            path=PREFIX,
            secure=_is_https(request),
            httponly=True,
            samesite="lax",
        )

    def csrf_valid(self, request: Request, form: dict[str, str]) -> bool:
        nonce = request.cookies.get(CSRF_COOKIE)
        supplied = form.get(CSRF_FIELD)
        if not nonce or not supplied:
            return False
        return hmac.compare_digest(self.csrf_token(nonce).encode(), supplied.encode())


def _is_https(request: Request) -> bool:
    # Behind a TLS proxy, uvicorn's --proxy-headers makes this "https" (Secure cookies).
    return request.url.scheme == "https"


class SignInLimiter:
    """Wrong sign-in tokens allowed per client address: `burst` at once, refilled at `per_minute`.
    Kept in memory per process (a guessing client is slowed to a few tries a minute per
    process; a 256-bit token cannot be guessed at that rate anyway) and bounded: the least
    recently seen addresses are forgotten beyond `max_clients`."""

    def __init__(self, burst: int = 10, per_minute: float = 5.0, max_clients: int = 10_000) -> None:
        self._burst = float(burst)
        self._rate = per_minute / 60.0
        self._max = max_clients
        self._lock = threading.Lock()
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def retry_after(self, client: str) -> int:
        """Seconds until `client` may try again; 0 when it may now."""
        with self._lock:
            tokens = self._tokens(client, time.monotonic())
        return 0 if tokens >= 1 else int((1 - tokens) / self._rate) + 1

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._buckets[client] = (max(self._tokens(client, now) - 1, 0.0), now)
            self._buckets.move_to_end(client)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)

    def _tokens(self, client: str, now: float) -> float:
        tokens, at = self._buckets.get(client, (self._burst, now))
        return min(self._burst, tokens + (now - at) * self._rate)
