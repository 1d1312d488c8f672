"""`users add|remove|list`: named people for the API and the inbox, each with their own token."""

from pathlib import Path
from typing import Annotated

import typer

from ..errors import AgentError, ConfigError
from ..people import add_user, read_users, remove_user

users_app = typer.Typer(
    help="Named people who may answer and approve (AGENT_USERS_FILE).", no_args_is_help=True
)
Name = Annotated[str, typer.Argument(help="The person's name as it appears in the audit trail.")]


def _users_file() -> Path:
    from ..cli import load_settings  # the one way settings are read (and errors reported)

    path = load_settings().agent_users_file
    if not path:
        raise ConfigError("AGENT_USERS_FILE is not set; set it to a path such as users.json")
    return Path(path)


def _fail(exc: AgentError) -> typer.Exit:
    typer.echo(f"error: {exc}", err=True)
    return typer.Exit(exc.exit_code)


@users_app.command("add")
def add(name: Name) -> None:
    """Give NAME a new token (printed once; only its hash is stored). Re-adding replaces it."""
    try:
        token = add_user(_users_file(), name)
    except AgentError as exc:
        raise _fail(exc) from None
    typer.echo(token)
    typer.echo(f"{name} signs in to the inbox and calls the API with this token.", err=True)


@users_app.command("remove")
def remove(name: Name) -> None:
    """Revoke NAME's token."""
    try:
        remove_user(_users_file(), name)
    except AgentError as exc:
        raise _fail(exc) from None


@users_app.command("list")
def list_users() -> None:
    """The names in the users file."""
    try:
        path = _users_file()
        names = sorted(read_users(path)) if path.exists() else []
    except AgentError as exc:
        raise _fail(exc) from None
    for name in names:
        typer.echo(name)
