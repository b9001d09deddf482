"""What every command shares: the way it gives up on bad input."""

from __future__ import annotations

import sys
from typing import NoReturn

import click


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: what a script and a person both can read."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)
