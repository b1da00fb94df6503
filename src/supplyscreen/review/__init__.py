"""The auditor's side of a screening: deciding hits and suppliers, the audit trail, what changed between runs.

A supplier and a hit are recognised across runs by the keys of ``review.keys``; everything a reviewer
decides is kept against those keys, so the next run of the same vendor list finds it again.

- ``decisions.py``: one engine function per action (:func:`decide_hit`, :func:`decide_supplier`,
  :func:`set_status`, :func:`set_evidence`) and what applies to a run (:func:`decisions_for_run`);
- ``audit.py``: the append-only, hash-chained audit trail (export, verify);
- ``users.py``: accounts, roles and passwords; ``documents.py``: attached documents checked by content;
- ``cli.py``: the ``review``, ``audit`` and ``users`` commands.

The command line, the JSON API and the pages only call these functions.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supplyscreen.review.audit import Actor
    from supplyscreen.review.decisions import (
        DECISIONS,
        EVIDENCE_STATUSES,
        SUPPLIER_STATUSES,
        Decision,
        Evidence,
        HitReview,
        NotFound,
        Status,
        SupplierReview,
        decide_hit,
        decide_supplier,
        decisions_for_run,
        history,
        set_evidence,
        set_status,
        supplier_review,
    )

_FROM = {"Actor": "audit"}  # the rest come from decisions.py


def __getattr__(name: str) -> Any:
    """The engine's names, imported on first use (``supplyscreen --help`` does not load the store)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_FROM.get(name, 'decisions')}"), name)


__all__ = [
    "DECISIONS",
    "EVIDENCE_STATUSES",
    "SUPPLIER_STATUSES",
    "Actor",
    "Decision",
    "Evidence",
    "HitReview",
    "NotFound",
    "Status",
    "SupplierReview",
    "decide_hit",
    "decide_supplier",
    "decisions_for_run",
    "history",
    "set_evidence",
    "set_status",
    "supplier_review",
]
