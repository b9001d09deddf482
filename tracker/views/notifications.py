"""Pages of the reminders issue: notification settings, password reset by mail,
the admin's mail page (failed and dead messages, retry), the coordinators' preview and
the page listing every line of one's own reminder mail."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlmodel import col, select
from werkzeug.wrappers import Response

from ..auth import current_access, required_user, role_refusal, roles_required
from ..db import get_session
from ..mail import MailSettings
from ..models import MessageStatus, OutboxMessage, Role, utcnow
from ..reminders import delivery
from ..reminders import preview as preview_service
from ..reminders import settings as settings_service
from ..reminders.heartbeat import configured_interval, scheduler_heartbeat
from ..reminders.mail_page import mail_lines
from ..reminders.policy import local_date
from ..services import account_mail
from ..services import users as user_service
from ..services.policy import is_manager
from ..services.workflow import InvalidChange
from .forms import parse_date, parse_id

bp = Blueprint("notifications", __name__)

PREVIEW_DAYS = 30


@bp.route("/settings/notifications", methods=["GET", "POST"])
def settings() -> Response | str | tuple[str, int]:
    user = required_user()
    session = get_session()
    today = local_date(utcnow(), "UTC")
    form = {"until": request.form.get("until", ""), "reason": request.form.get("reason", "")}
    if request.method == "POST":
        if request.form.get("action") == "resume":
            settings_service.resume_reminders(session, user)
            session.commit()
            flash(gettext("Reminders resumed."), "info")
            return redirect(url_for("notifications.settings"))
        try:
            settings_service.pause_reminders(
                session,
                user,
                until=parse_date(form["until"], "until"),
                reason=form["reason"],
                today=today,
            )
        except (settings_service.SettingsError, InvalidChange) as exc:
            session.rollback()
            return render_template(
                "notifications/settings.html", user=user, form=form, today=today,
                error=str(exc), field=exc.field,
            ), 422  # fmt: skip
        session.commit()
        flash(gettext("Reminders paused."), "info")
        return redirect(url_for("notifications.settings"))
    return render_template(
        "notifications/settings.html", user=user, form=form, today=today, error=None, field=None
    )


@bp.route("/auth/forgot", methods=["GET", "POST"])
def forgot_password() -> Response | str:
    """Always the same answer, whether or not the address has an account."""
    email = request.form.get("email", "")
    if request.method == "POST":
        session = get_session()
        account_mail.send_password_reset(
            session, email, settings=MailSettings.from_config(current_app.config)
        )
        session.commit()
        flash(
            gettext(
                "If %(email)s has an account, a link to choose a new password is on its way. "
                "It works once, for one hour.",
                email=email.strip(),
            ),
            "info",
        )
        return redirect(url_for("notifications.forgot_password"))
    return render_template("notifications/forgot.html", email=email)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response | str | tuple[str, int]:
    session = get_session()
    try:
        account_mail.find_token(session, token)
    except account_mail.TokenError as exc:
        return render_template("notifications/reset.html", invalid=str(exc), error=None), 410
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            return render_template(
                "notifications/reset.html", invalid=None,
                error=gettext("The two passwords differ."),
            ), 422  # fmt: skip
        try:
            account_mail.set_password_with_token(session, token, password)
        except user_service.UserError as exc:
            session.rollback()
            return render_template("notifications/reset.html", invalid=None, error=str(exc)), 422
        except account_mail.TokenError as exc:
            session.rollback()
            return render_template("notifications/reset.html", invalid=str(exc), error=None), 410
        session.commit()
        flash(gettext("Your password is set. Sign in with it."), "info")
        return redirect(url_for("auth.login"))
    return render_template("notifications/reset.html", invalid=None, error=None)


@bp.get("/admin/mail")
@roles_required(Role.admin)
def mail() -> str:
    session = get_session()
    troubled = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.status).in_((MessageStatus.failed, MessageStatus.dead)))
        .order_by(col(OutboxMessage.planned_at).desc())
        .limit(200)
    ).all()
    from sqlalchemy import func

    counts = dict(
        session.exec(
            select(OutboxMessage.status, func.count()).group_by(col(OutboxMessage.status))
        ).all()
    )
    return render_template(
        "notifications/mail.html",
        messages=troubled,
        counts={MessageStatus(k).value: v for k, v in counts.items()},
        heartbeat=scheduler_heartbeat(
            session, interval_minutes=configured_interval(current_app.config)
        ),
        mail_host=current_app.config.get("MAIL_HOST"),
        outbox_dir=current_app.config.get("OUTBOX_DIR"),
    )


@bp.post("/admin/mail/<id:message_id>/retry")
@roles_required(Role.admin)
def retry(message_id: int) -> Response:
    session = get_session()
    message = session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    if delivery.retry_message(session, message, utcnow()):
        session.commit()
        flash(gettext("The message will be sent at the next reminder run."), "info")
    else:
        flash(gettext("This message is not failed or dead any more."), "warning")
    return redirect(url_for("notifications.mail"))


@bp.get("/reminders/preview")
def preview() -> str:
    """What reminders will go out in the coming days, one programme one coordinates at a
    time (``?programme=``, else the first), counted per day, 100 rows a page (``?page=``)."""
    access = current_access()
    if not is_manager(access):
        abort(403, description=role_refusal(required_user(), (Role.coordinator, Role.admin)))
    session = get_session()
    programmes = preview_service.managed_programmes(session, access)
    chosen = _whole_number("programme", gettext("Choose a programme from the list."))
    page = _whole_number("page", gettext("The page number is a whole number from 1."))
    if chosen is None:
        programme = programmes[0] if programmes else None
    else:
        # Another programme's number answers as one that does not exist (issue 11).
        programme = next((p for p in programmes if p.id == chosen), None)
        if programme is None:
            abort(404, description=gettext("You coordinate no programme with this number."))
    view = None
    if programme is not None:
        view = preview_service.preview_page(
            session, programme, utcnow(), days=PREVIEW_DAYS, page=page or 1
        )
    return render_template(
        "notifications/preview.html",
        view=view,
        programmes=programmes,
        kinds=preview_service.KINDS,
        days=PREVIEW_DAYS,
        heartbeat=scheduler_heartbeat(
            session, interval_minutes=configured_interval(current_app.config)
        ),
    )


def _whole_number(name: str, refusal: str) -> int | None:
    """The query's ``name`` as a number from 1 (None when absent or empty); anything else
    answers 400 with ``refusal``, not a guess."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    number = parse_id(text)
    if number is None:
        abort(400, description=refusal)
    return number


@bp.get("/reminders/mail/<id:message_id>")
def reminder_mail(message_id: int) -> str:
    """Every line of one of the reader's reminder mails (a digest lists the first 20)."""
    settings = MailSettings.from_config(current_app.config)
    page = mail_lines(get_session(), message_id, required_user(), now=utcnow(), settings=settings)
    if page is None:
        abort(404)  # someone else's mail, or none: the same answer
    return render_template("notifications/reminder_mail.html", page=page)
