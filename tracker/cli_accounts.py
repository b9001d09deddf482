"""Account commands: ``flask --app tracker create-user``.

Kept beside cli.py (which registers it) so that the account rules stay in
services/users.py and the exit conventions in cli.fail.
"""

from __future__ import annotations

import sys

import click

from . import db
from .cli import fail
from .services import users as user_service


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name as shown on pages.")
@click.option("--role", required=True, help="admin, coordinator, owner or viewer.")
@click.option("--organisation", help="Short name of the organisation, such as CMAA.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create_user_command(
    email: str, name: str, role: str, organisation: str | None, password_stdin: bool
) -> None:
    """Create an account; without --password-stdin a password is generated and printed once."""
    generated = not password_stdin
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = user_service.generate_password()
    try:
        parsed_role = user_service.parse_role(role)
        with db.session_scope() as session:
            found = None
            if organisation is not None:
                found = user_service.find_organisation(session, organisation)
                if found is None:
                    raise user_service.UserError(
                        f"no organisation with short name {organisation!r}"
                    )
            user = user_service.create_user(
                session,
                email=email,
                name=name,
                role=parsed_role,
                password=password,
                organisation=found,
            )
            created = f"created {user.role.value} {user.email}"
    except user_service.UserError as exc:
        fail(str(exc))
    click.echo(created)
    if generated:
        click.echo(f"password (shown only this once): {password}")
