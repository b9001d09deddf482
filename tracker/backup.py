"""Backups that are consistent while the app runs, and a check that a copy opens.

SQLite: ``VACUUM INTO`` writes a fresh, compacted copy from one read transaction, so a
steady writer neither blocks it nor makes it restart (the online backup API would
restart on every write). PostgreSQL: ``pg_dump --format=custom`` reads one snapshot; the
dump is written beside its target and renamed only once ``pg_dump`` exited 0 and
``pg_restore --list`` read the whole file back, so a half-written dump never carries
the backup's name.

``check_backup`` opens a copy (a dump is restored into a scratch database first) and
reports its migration revision and the row count of every table, so a restore can be
shown to hold what was backed up before it is needed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from . import models  # noqa: F401  (every table on the metadata)

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or a check that could not be done; one line for the operator."""


@dataclass
class BackupReport:
    """What a copy holds: its migration revision and the rows of each table."""

    kind: str  # "sqlite" or "postgresql"
    revision: str | None
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        found = [f"{self.kind} backup at revision {self.revision or 'none'}"]
        found += [f"{table}: {count}" for table, count in sorted(self.counts.items())]
        return found


def libpq_url(url: str) -> str:
    """The URL as pg_dump understands it: ``postgresql://``, without a SQLAlchemy driver."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def write_backup(engine: Engine, path: Path) -> None:
    """Write a consistent copy of the app's database to ``path`` (which must not exist)."""
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file for the backup")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    if engine.dialect.name == "sqlite":
        _sqlite_backup(engine, path)
    elif engine.dialect.name == "postgresql":
        _postgres_backup(engine, path)
    else:
        raise BackupError(f"no backup for a {engine.dialect.name} database")


def _sqlite_backup(engine: Engine, path: Path) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        # Autocommit (db.py sets isolation_level None): VACUUM runs outside a transaction.
        cursor.execute("VACUUM INTO ?", (str(path),))
        cursor.close()
    except sqlite3.Error as exc:
        path.unlink(missing_ok=True)
        raise BackupError(f"SQLite could not write the backup: {exc}") from exc
    finally:
        raw.close()


def _run(command: list[str], what: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL client tools)")
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{what} failed (exit {result.returncode}): {last}")
    return result


def _postgres_backup(engine: Engine, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    url = libpq_url(engine.url.render_as_string(hide_password=False))
    try:
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", url], "pg_dump")
        # Checked to have finished: the table of contents at the end must read back.
        listing = _run(["pg_restore", "--list", str(partial)], "pg_restore --list")
        if "TABLE DATA" not in listing.stdout:
            raise BackupError("the dump holds no table data")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, path)


def _kind_of(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite database nor a pg_dump custom archive")


def restore_dump(path: Path, scratch_url: str) -> None:
    """Restore a custom-format dump into the (empty or disposable) database at ``scratch_url``."""
    _run(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--exit-on-error",
         f"--dbname={libpq_url(scratch_url)}", str(path)],
        "pg_restore",
    )  # fmt: skip


def report(engine: Engine, kind: str) -> BackupReport:
    """The revision and the row count of each table the models know, in the open copy."""
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        revision = None
        if "alembic_version" in names:
            revision = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        counts = {
            table.name: int(
                conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            )
            for table in SQLModel.metadata.sorted_tables
            if table.name in names
        }
    return BackupReport(kind, revision, counts)


def check_backup(path: Path, scratch_url: str | None = None) -> BackupReport:
    """Open the copy at ``path`` and report what it holds; a dump needs a scratch database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    kind = _kind_of(path)
    if kind == "sqlite":
        engine = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        if not scratch_url:
            raise BackupError("a PostgreSQL dump is checked by restoring it: give --scratch-url")
        restore_dump(path, scratch_url)
        from .db import create_db_engine

        engine = create_db_engine(scratch_url)
    try:
        return report(engine, kind)
    finally:
        engine.dispose()
