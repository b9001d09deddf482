"""Account commands: ``ensure-admin``, ``create-user``, ``add-member``, ``remove-member``.

The account rules stay in services/users.py; these only read the arguments and
report, with the exit conventions of ``common.fail``.
"""

from __future__ import annotations

import sys

import click
from sqlmodel import Session

from .. import db
from ..models import Programme, Role, User
from ..services.audit import AuditActor
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
@click.option(
    "--role",
    help="admin (global); or coordinator, owner or viewer in every programme that exists now.",
)
@click.option(
    "--programme",
    "programmes",
    multiple=True,
    metavar="PROG:ROLE",
    help="A role in one programme (its id or slug, such as cambodia-apmbc:owner); repeatable.",
)
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
    role: str | None,
    programmes: tuple[str, ...],
    organisation: str | None,
    password_stdin: bool,
    language: str | None,
) -> None:
    """Create an account; without --password-stdin a password is generated and printed once.

    Give either --role or one --programme per programme, not both: an admin is global,
    everyone else holds a role per programme.
    """
    from .. import languages
    from ..services import memberships
    from ..services import users as user_service
    from ..services.audit import AuditActor

    if role is not None and programmes:
        fail("give --role or --programme, not both")
    if role is None and not programmes:
        fail("give --role ROLE, or --programme PROG:ROLE for each programme")
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
        with db.session_scope() as session:
            granted = None
            if programmes:
                parsed_role = Role.viewer
                granted = _parse_programmes(session, programmes)
            else:
                parsed_role = user_service.parse_role(role or "")
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
                role=parsed_role if granted is None else granted[0][1],
                password=password,
                organisation=found,
                language=stored_language,
                audit=AuditActor(None, "command line"),
                programmes=granted,
            )
            if user.role == Role.admin:
                created = [f"created admin {user.email}"]
            else:
                held = memberships.list_memberships(session, user)
                created = [f"created {user.role.value} {user.email}"] + [
                    f"  {held_role.value} in {_describe(programme)}"
                    for programme, held_role in held
                ]
                if not held:
                    created.append("  in no programme yet (none exists)")
    except (user_service.UserError, memberships.MembershipError) as exc:
        fail(str(exc))
    for line in created:
        click.echo(line)
    if generated:
        click.echo(f"password (shown only this once): {password}")


def _describe(programme: Programme) -> str:
    from ..services.public import slug_for

    return f"{programme.short_name} ({programme.id}, {slug_for(programme)})"


def _parse_programmes(session: Session, values: tuple[str, ...]) -> list[tuple[Programme, Role]]:
    """``PROG:ROLE`` pairs; an unknown programme or role, or one named twice, is refused."""
    from ..services import memberships

    granted: list[tuple[Programme, Role]] = []
    for value in values:
        reference, colon, role_text = value.rpartition(":")
        if not colon or not reference.strip():
            raise memberships.MembershipError(
                f"--programme {value!r}: write PROG:ROLE, such as cambodia-apmbc:owner"
            )
        programme = memberships.find_programme(session, reference)
        if programme is None:
            raise memberships.MembershipError(f"no programme {reference!r} (give its id or slug)")
        if any(p.id == programme.id for p, _r in granted):
            raise memberships.MembershipError(f"programme {reference!r} is named twice")
        granted.append((programme, memberships.parse_programme_role(role_text)))
    return granted


@click.command("add-member")
@click.argument("args", nargs=-1, required=True)
@click.option(
    "--organisation", help="Short name of an organisation to take part in PROG (then: PROG only)."
)
@click.option(
    "--verifier/--no-verifier",
    default=None,
    help="Name the member a verifier of PROG (they verify or send back what others report "
    "implemented), or no longer; a coordinator or an owner there. Unchanged without either.",
)
def add_member_command(
    args: tuple[str, ...], organisation: str | None, verifier: bool | None
) -> None:
    """EMAIL PROG ROLE: add a member or change their role (--verifier: and name them a
    verifier); --organisation SHORT PROG: make an organisation take part in a programme.
    PROG is an id or a slug."""
    from ..services import memberships, verifiers
    from ..services import users as user_service

    try:
        with db.session_scope() as session:
            if organisation is not None:
                if verifier is not None:
                    fail("--verifier names a person: add-member EMAIL PROG ROLE --verifier")
                if len(args) != 1:
                    fail(
                        "with --organisation give the programme only: "
                        "add-member --organisation SHORT PROG"
                    )
                found = user_service.find_organisation(session, organisation)
                if found is None:
                    fail(f"no organisation with short name {organisation!r}")
                programme = _programme(session, args[0])
                added = memberships.add_organisation(
                    session, found, programme, audit=AuditActor(None, "command line")
                )
                message = (
                    f"{found.short_name} takes part in {_describe(programme)}"
                    if added
                    else f"{found.short_name} already takes part in {_describe(programme)}"
                )
            else:
                if len(args) != 3:
                    fail("give EMAIL PROG ROLE (or --organisation SHORT PROG)")
                email, reference, role_text = args
                user = _user(session, email)
                programme = _programme(session, reference)
                change = memberships.add_member(
                    session,
                    user,
                    programme,
                    memberships.parse_programme_role(role_text),
                    audit=AuditActor(None, "command line"),
                )
                message = f"{user.email} in {_describe(programme)}: {change.describe()}"
                if verifier is not None:  # issue 14: as the members page's verifier box
                    named = verifiers.set_verifier(
                        session, user, programme, verifier, audit=AuditActor(None, "command line")
                    )
                    message += "; " + _verifier_words(verifier, changed=named)
    except (user_service.UserError, memberships.MembershipError) as exc:
        fail(str(exc))
    click.echo(message)


@click.command("remove-member")
@click.argument("email")
@click.argument("programme_reference", metavar="PROG")
def remove_member_command(email: str, programme_reference: str) -> None:
    """End a membership: the history keeps the person's name; their open actions there
    show as "owner has left the programme" and reach the coordinators' unassigned list."""
    from ..services import memberships

    with db.session_scope() as session:
        user = _user(session, email)
        programme = _programme(session, programme_reference)
        removed = memberships.remove_member(
            session, user, programme, audit=AuditActor(None, "command line")
        )
    if removed:
        click.echo(f"{user.email} removed from {_describe(programme)}")
    else:
        click.echo(f"{user.email} was not a member of {_describe(programme)}")


def _verifier_words(verifies: bool, *, changed: bool) -> str:
    if verifies:
        return "now a verifier" if changed else "already a verifier"
    return "no longer a verifier" if changed else "not a verifier"


def _user(session: Session, email: str) -> User:
    from ..services import users as user_service

    user = user_service.find_user_by_email(session, email)
    if user is None:
        fail(f"no user with e-mail {email!r}")
    return user


def _programme(session: Session, reference: str) -> Programme:
    from ..services import memberships

    programme = memberships.find_programme(session, reference)
    if programme is None:
        fail(f"no programme {reference!r} (give its id or slug)")
    return programme
