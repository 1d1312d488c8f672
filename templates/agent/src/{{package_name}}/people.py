"""Who is responding (factor 7's audit trail): named people, each with a token of their own, the
shared API token for scripts, or a user name set by an authenticating proxy you trust.

Tokens are kept as SHA-256 digests in the users file (`AGENT_USERS_FILE`). They are 256-bit
random strings made by `users add`, so a fast hash is enough: a slow password hash (bcrypt,
argon2) only helps secrets a person chose, which can be guessed.
"""

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import ConfigError

Door = Literal["cli", "api", "inbox", "webhook"]
API_TOKEN_USER = "api-token"  # what the shared AGENT_API_TOKEN is recorded as
ANONYMOUS = "anonymous"  # a request to a server run with --no-auth
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class People:
    """Maps a presented credential to a name; None means "not someone we know"."""

    api_token: str | None = None
    # name -> SHA-256 hex digest of that person's token
    users: Mapping[str, str] = field(default_factory=dict)
    # A header set by an authenticating proxy (e.g. X-Forwarded-User); trusted only when named.
    trusted_header: str | None = None

    def by_token(self, token: str) -> str | None:
        """The name behind `token`: a person, API_TOKEN_USER, or None. Every digest is
        compared (in constant time), so the answer's timing says nothing about which matched."""
        found: str | None = None
        if self.api_token is not None and hmac.compare_digest(
            token_digest(token), token_digest(self.api_token)
        ):
            found = API_TOKEN_USER
        presented = token_digest(token)
        for name, digest in self.users.items():
            if hmac.compare_digest(presented, digest):
                found = name
        return found

    def by_proxy(self, headers: Mapping[str, str]) -> str | None:
        """The proxy's user name when a trusted header is configured and carries a valid one."""
        if self.trusted_header is None:
            return None
        name = headers.get(self.trusted_header.lower(), "").strip()
        return name if NAME.fullmatch(name) else None


def load_people(
    api_token: str | None, users_file: str | None, trusted_header: str | None
) -> People:
    """People from the settings; a users file that is missing or malformed is a ConfigError."""
    users = read_users(Path(users_file)) if users_file else {}
    return People(api_token=api_token, users=users, trusted_header=trusted_header)


def read_users(path: Path) -> dict[str, str]:
    """`{"users": {"alice": {"token_sha256": "..."}}}` as name -> digest."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"AGENT_USERS_FILE {str(path)!r} does not exist") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"AGENT_USERS_FILE {str(path)!r} is not readable JSON: {exc}") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict):
        raise ConfigError(f'AGENT_USERS_FILE {str(path)!r} must hold {{"users": {{...}}}}')
    digests: dict[str, str] = {}
    for name, entry in users.items():
        digest = entry.get("token_sha256") if isinstance(entry, dict) else None
        if not NAME.fullmatch(name) or not isinstance(digest, str) or len(digest) != 64:
            raise ConfigError(f"AGENT_USERS_FILE {str(path)!r}: bad entry for {name!r}")
        digests[name] = digest.lower()
    return digests


def add_user(path: Path, name: str) -> str:
    """Give `name` a new token (replacing any old one) and return it; only its digest is kept."""
    if not NAME.fullmatch(name) or name in (API_TOKEN_USER, ANONYMOUS):
        raise ConfigError(
            f"invalid user name {name!r}: letters, digits and . _ @ + - (at most 64), "
            f"not {API_TOKEN_USER!r} or {ANONYMOUS!r}"
        )
    users = read_users(path) if path.exists() else {}
    token = secrets.token_urlsafe(32)
    users[name] = token_digest(token)
    _write_users(path, users)
    return token


def remove_user(path: Path, name: str) -> None:
    users = read_users(path)
    if name not in users:
        raise ConfigError(f"no user {name!r} in {str(path)!r}")
    del users[name]
    _write_users(path, users)


def _write_users(path: Path, users: Mapping[str, str]) -> None:
    """Replace the file atomically: a server reading it never sees half a file."""
    body = {"users": {name: {"token_sha256": digest} for name, digest in sorted(users.items())}}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(body, out, indent=2)
        out.write("\n")
    os.replace(staged, path)
