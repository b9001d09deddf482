"""Account commands: ``ensure-admin`` and ``create-user``.

The account rules stay in services/users.py; these only read the arguments and
report, with the exit conventions of ``common.fail``.
"""

from __future__ import annotations

import sys

import click

from .. import db
from .common import fail


@click.command("ensure-admin")
@click.option("--email", default="admin@example.org", show_default=True)
def ensure_admin_command(email: str) -> None:
    """Create the first admin with a random password, printed once, if there is no admin."""
    import secrets

    from sqlmodel import select

    from ..models import Role, User
    from ..services import users as user_service
    from ..services.audit import AuditActor

    with db.session_scope() as session:
        if session.exec(select(User).where(User.role == Role.admin)).first() is not None:
            click.echo("admin account exists")
            return
        password = secrets.token_urlsafe(12)
        user_service.create_user(
            session, email=email, name="Administrator", role=Role.admin, password=password,
            audit=AuditActor(None, "command line"),
        )  # fmt: skip
    click.echo("=" * 64)
    click.echo("Admin account created. Sign in with (shown only this once):")
    click.echo(f"  e-mail:   {email}")
    click.echo(f"  password: {password}")
    click.echo("=" * 64)


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The person's name as shown on pages.")
@click.option("--role", required=True, help="admin, coordinator, owner or viewer.")
@click.option("--organisation", help="Short name of the organisation, such as CMAA.")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
@click.option(
    "--language",
    help="Language of pages and mail (en, km, any compiled catalogue); none: the default.",
)
def create_user_command(
    email: str,
    name: str,
    role: str,
    organisation: str | None,
    password_stdin: bool,
    language: str | None,
) -> None:
    """Create an account; without --password-stdin a password is generated and printed once."""
    from .. import languages
    from ..services import users as user_service
    from ..services.audit import AuditActor

    try:
        stored_language = languages.parse_language(language) if language is not None else None
    except languages.UnknownLanguage as exc:
        fail(str(exc))

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
                language=stored_language,
                audit=AuditActor(None, "command line"),
            )
            created = f"created {user.role.value} {user.email}"
    except user_service.UserError as exc:
        fail(str(exc))
    click.echo(created)
    if generated:
        click.echo(f"password (shown only this once): {password}")
