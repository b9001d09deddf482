"""Flask commands: ``flask --app tracker COMMAND``.

Each command does one unit of work in one transaction; bad input exits with status 2
and one line on standard error (``common.fail``), and leaves the database as it was.
A command module imports what its work needs inside the command, so that starting
one command does not load the others' machinery.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import accounts, backup, data, profiles, reminders

    for command in [
        data.init_db_command,
        data.load_demo_command,
        profiles.import_profile_command,
        accounts.ensure_admin_command,
        data.seed_synthetic_command,
        accounts.create_user_command,
        accounts.add_member_command,
        accounts.remove_member_command,
        reminders.send_reminders_command,
        reminders.run_scheduler_command,
        backup.backup_command,
        backup.check_backup_command,
    ]:
        app.cli.add_command(command)
