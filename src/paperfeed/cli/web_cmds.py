"""serve, and user add/list/delete/passwd/token/assign for a shared server."""

from __future__ import annotations

import ipaddress
import os
from typing import TYPE_CHECKING

import click

from paperfeed.cli.common import console, err_console, escape, json_option, print_json, with_library

if TYPE_CHECKING:
    from paperfeed.library import Library


def is_loopback(host: str) -> bool:
    """Whether an address only accepts connections from this machine."""
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def proxy_options(forwarded_allow_ips: str | None) -> dict:
    """uvicorn settings: X-Forwarded-For/-Proto are believed only from the proxies the operator names.

    (uvicorn's default trusts them from 127.0.0.1, so any local client could pick its own address.)"""
    addrs = [a.strip() for a in (forwarded_allow_ips or "").split(",") if a.strip()]
    for a in addrs:
        try:
            if a != "*":
                ipaddress.ip_network(a, strict=False)
        except ValueError:
            raise click.BadParameter(f"{a!r} is not an IP address or network",
                                     param_hint="--forwarded-allow-ips") from None
    return {"proxy_headers": bool(addrs), "forwarded_allow_ips": ",".join(addrs) if addrs else None}


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback requires login.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--login", "force_login", is_flag=True, help="Require login even on 127.0.0.1.")
@click.option("--forwarded-allow-ips", metavar="ADDRS",
              help="Behind a reverse proxy: its addresses (comma-separated, e.g. 127.0.0.1), whose "
                   "X-Forwarded-For gives the client address. Without it forwarded headers are ignored.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each with its own connections; SQLite: WAL readers, one index file).")
@with_library
def serve(lib: Library, host: str, port: int, force_login: bool, forwarded_allow_ips: str | None,
          workers: int) -> None:
    """Run the web app (search, papers, feeds, topic map, JSON API).

    \b
    On 127.0.0.1 it is single-user with no login. On any other address (a shared lab
    server) every user logs in; add accounts with `paperfeed user add NAME`.
    Examples:
      paperfeed serve
      paperfeed serve --host 0.0.0.0 --port 8080
      paperfeed serve --host 127.0.0.1 --login --forwarded-allow-ips 127.0.0.1   (behind nginx)
      paperfeed --db postgresql://paperfeed@dbhost/papers serve --host 0.0.0.0 --workers 4
    """
    import uvicorn

    proxy = proxy_options(forwarded_allow_ips)

    from paperfeed.web.app import create_app

    login = force_login or not is_loopback(host)
    if login and not lib.accounts.users():
        err_console.print("[yellow]warning:[/yellow] login is required but there are no users yet: "
                          "paperfeed user add NAME")
    shown = f"[{host}]" if ":" in host else host
    mode = "login required" if login else "single-user, no login"
    procs = f", {workers} worker processes" if workers > 1 else ""
    console.print(f"paperfeed serving {escape(lib.settings.store_url_shown)} at http://{shown}:{port}/ ({mode}{procs})")
    if workers == 1:
        uvicorn.run(create_app(lib.settings, library=lib, login_required=login), host=host, port=port,
                    workers=1, log_level="warning", **proxy)
        return
    from paperfeed.web.app import worker_environment

    # the indexes are brought up to date once here, so that the workers only read them
    lib.vector_index()
    lib.lexical_index()
    lib.close()
    os.environ.update(worker_environment(lib.settings, login))
    uvicorn.run("paperfeed.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level="warning", **proxy)


@click.group()
def user() -> None:
    """Accounts for a shared server (`paperfeed serve --host 0.0.0.0`)."""


@user.command(name="add")
@click.argument("name")
@click.option("--profile", "profiles", multiple=True, help="Give this existing profile to the user (repeatable).")
@with_library
def user_add(lib: Library, name: str, profiles: tuple[str, ...]) -> None:
    """Add a user; asks for the password twice.

    \b
    Examples:
      paperfeed user add jane
      paperfeed user add jane --profile jane
    """
    from paperfeed.accounts import check_user_name

    check_user_name(name)
    lib.accounts.check_name_free(name)  # before asking for the password
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    lib.accounts.add_user(name, password)
    if profiles:
        lib.accounts.assign_profiles(name, profiles)
    console.print(f"added user {escape(name)}")


@user.command(name="list")
@json_option
@with_library
def user_list(lib: Library, as_json: bool) -> None:
    """All users with their numbers of profiles, sessions and API tokens."""
    rows = lib.accounts.users()
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no users yet: paperfeed user add NAME")
    for r in rows:
        console.print(f"[bold]{escape(r['name'])}[/bold]  {r['profiles']} profiles, {r['sessions']} sessions, "
                      f"{r['tokens']} tokens  (since {r['created_at'][:10]})")


@user.command(name="delete")
@click.argument("name")
@click.confirmation_option(prompt="Delete this user, their sessions and tokens (profiles are kept)?")
@with_library
def user_delete(lib: Library, name: str) -> None:
    """Delete a user; their profiles stay, without an owner (see `user assign`)."""
    lib.accounts.delete_user(name)
    console.print(f"deleted user {escape(name)}")


@user.command(name="passwd")
@click.argument("name")
@with_library
def user_passwd(lib: Library, name: str) -> None:
    """Change a user's password (logs them out everywhere)."""
    lib.accounts.get_user(name)  # NotFound before the password prompt
    password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    lib.accounts.set_password(name, password)
    console.print(f"password changed for {escape(name)}")


@user.command(name="token")
@click.argument("name")
@click.option("--label", default="default", show_default=True, help="A name to recognise the token by.")
@click.option("--revoke", is_flag=True, help="Revoke the user's tokens with this label instead.")
@with_library
def user_token(lib: Library, name: str, label: str, revoke: bool) -> None:
    """Create an API token for scripts (printed once), or revoke tokens.

    \b
    Use it as: curl -H "Authorization: Bearer TOKEN" http://HOST/api/search?q=...
    """
    if revoke:
        n = lib.accounts.revoke_tokens(name, label)
        console.print(f"revoked {n} token(s) labelled {escape(label)} for {escape(name)}")
        return
    click.echo(lib.accounts.new_token(name, label))
    err_console.print("store it now: only its hash is kept, it cannot be shown again")


@user.command(name="assign")
@click.argument("name")
@click.argument("profiles", nargs=-1, required=True)
@with_library
def user_assign(lib: Library, name: str, profiles: tuple[str, ...]) -> None:
    """Give existing profiles to a user (profiles made with the CLI have no owner)."""
    lib.accounts.assign_profiles(name, profiles)
    console.print(f"{len(profiles)} profile(s) now belong to {escape(name)}")


COMMANDS = [serve, user]
