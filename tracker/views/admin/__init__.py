"""Administration pages: users, organisations and the audit trail. Admins only, every route.

One blueprint, ``admin``, whose routes live in the module of their job: ``users`` (the
accounts), ``organisations``, ``audit`` (the read-only trail and its CSV); ``common``
holds the blueprint and its admins-only check.
"""

from __future__ import annotations

from . import audit, organisations, users  # noqa: F401  (each adds its routes to bp)
from .common import bp

__all__ = ["bp"]
