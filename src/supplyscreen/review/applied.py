"""What the review of a run holds for each of its suppliers, as the run comparison (``review.diff``) and the
dossier (``report.dossier``) read it: the decisions applied to the supplier and its hits (made on this run
or carried over from an earlier one), the decisions' history, the hits that need review again, the
supplier's status and its checklist items' statuses with their attached documents.

Decisions are recorded elsewhere (``supplyscreen review``); this module only says what is read from them.
A :data:`ReviewSource` gives them for one run, by supplier position; :func:`reviews_for_run` is the one the
CLI and the web app use, and the one place where the recorded decisions are wired in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from supplyscreen.store import Store

DECISIONS = ("false positive", "confirmed", "needs information", "escalated")
CHECKLIST_STATUSES = ("requested", "received", "accepted")


@dataclass(frozen=True)
class Decision:
    """One decision on a supplier (``hit`` None) or on one of its hits (``hit``: its ``review.keys.hit_key``)."""

    decision: str  # one of DECISIONS
    reviewer: str
    at: str  # ISO 8601, UTC
    comment: str = ""
    run_id: str = ""  # the run it was decided on
    hit: str | None = None
    hit_label: str = ""  # the hit as a person reads it (indicator: text), for listings

    def carried(self, run_id: str) -> bool:
        """Whether the decision was made on another (earlier) run and applied to ``run_id``."""
        return bool(self.run_id) and self.run_id != run_id

    def line(self) -> str:
        """'cleared as false positive by A. Reviewer on 2026-11-30: "different company, Busan"' — worded as
        the supplier page words it (``review.decisions.VERBS``)."""
        from supplyscreen.review.decisions import DECISION_LABELS, VERBS

        verb = {DECISION_LABELS[k]: v for k, v in VERBS.items()}.get(self.decision, self.decision)
        text = f"{verb} by {self.reviewer or 'an unnamed reviewer'} on {self.at[:10]}"
        return f"{text}: “{self.comment}”" if self.comment else text

    def as_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision,
            "reviewer": self.reviewer,
            "at": self.at,
            "comment": self.comment,
            "run_id": self.run_id or None,
            "hit": self.hit,
            "hit_label": self.hit_label or None,
        }


@dataclass(frozen=True)
class ChecklistState:
    """Where one checklist item of a supplier stands: its status and the documents attached to it."""

    status: str  # one of CHECKLIST_STATUSES
    documents: tuple[str, ...] = ()  # the attached documents' names
    reviewer: str = ""
    at: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "documents": list(self.documents),
            "reviewer": self.reviewer or None,
            "at": self.at or None,
        }


@dataclass(frozen=True)
class SupplierReview:
    """The review of one supplier of a run."""

    decisions: tuple[Decision, ...] = ()  # in force for this run: the supplier's and each hit's latest
    history: tuple[Decision, ...] = ()  # every decision on this supplier and its hits, oldest first
    needs_review: tuple[str, ...] = ()  # hit keys an earlier decision does not cover (a changed hit)
    status: str | None = None  # the supplier's status
    checklist: Mapping[str, ChecklistState] = field(default_factory=dict)  # by checklist item id

    def carried(self, run_id: str) -> list[Decision]:
        """The decisions made on an earlier run and applied to ``run_id``."""
        return [d for d in self.decisions if d.carried(run_id)]

    def for_hit(self, key: str) -> Decision | None:
        return next((d for d in self.decisions if d.hit == key), None)

    @property
    def supplier_decision(self) -> Decision | None:
        return next((d for d in self.decisions if d.hit is None), None)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "decisions": [d.as_json() for d in self.decisions],
            "history": [d.as_json() for d in self.history],
            "needs_review": list(self.needs_review),
            "checklist": {k: v.as_json() for k, v in self.checklist.items()},
        }


Reviews = Mapping[int, SupplierReview]  # by supplier position in the run
ReviewSource = Callable[["Store", str], Reviews]  # (store, run id) → the run's reviews


def no_reviews(store: Store, run_id: str) -> Reviews:
    """No decision on any supplier."""
    return {}


def reviews_for_run(store: Store, run_id: str) -> Reviews:
    """The reviews of a stored run's suppliers that have a decision, status or evidence (made on this run or
    an earlier one), by position: what the CLI and the web app show, read from ``review.decisions``."""
    from supplyscreen.review import decisions as recorded

    found = recorded.decided_suppliers(store, run_id)
    if not found:
        return {}
    keys = {r.supplier_key for r in found.values()}
    by_key: dict[str, list[Any]] = {}
    for d in recorded.all_decisions(store, keys):
        by_key.setdefault(d.supplier_key, []).append(d)
    return {
        position: _review(review, by_key.get(review.supplier_key, [])) for position, review in found.items()
    }


def _iso(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") + "Z" if moment is not None else ""


def _decision(d: Any, hit_labels: Mapping[str, str]) -> Decision:
    from supplyscreen.review.decisions import DECISION_LABELS

    return Decision(
        DECISION_LABELS.get(d.decision, d.decision),
        d.reviewer,
        _iso(d.at),
        d.comment,
        d.run_id,
        hit=d.hit_key or None,
        hit_label=hit_labels.get(d.hit_key, ""),
    )


def _review(review: Any, history: list[Any]) -> SupplierReview:
    """``review.decisions.SupplierReview`` as the diff and the dossier read it; ``history``: every recorded
    decision on the supplier, oldest first."""
    labels = {h.key: f"{h.hit.get('indicator', '')}: {h.hit.get('text', '')}" for h in review.hits}
    applied = [_decision(h.decision, labels) for h in review.hits if h.decision is not None]
    if review.decision is not None:
        applied.insert(0, _decision(review.decision, labels))
    checklist = {
        item: ChecklistState(
            ev.status, (ev.document.name,) if ev.document is not None else (), ev.reviewer, _iso(ev.at)
        )
        for item, ev in review.evidence.items()
    }
    return SupplierReview(
        decisions=tuple(applied),
        history=tuple(_decision(d, labels) for d in history),
        needs_review=tuple(h.key for h in review.hits if h.changed_since is not None),
        status=review.status.status if review.status is not None else None,
        checklist=checklist,
    )
