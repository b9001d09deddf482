"""Typographic look-alikes that copied text carries, and the plain character each stands for.

One table for the importer (which folds a profile's lines to match headings and texts)
and the lineage matcher (which compares two editions' recommendations): a curly quote
or an en dash must mean the same to both. Pure: imports nothing.
"""

from __future__ import annotations

QUOTES_AND_DASHES: dict[str, str] = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
}
