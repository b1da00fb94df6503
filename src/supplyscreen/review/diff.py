"""What changed between two screening runs: suppliers added and removed, tier, presumption and legal-track
changes, new, vanished, stronger and weaker hits, changed fields, decisions carried over and hits that need
review again — the summary counts first, then one row per supplier that changed, each saying what and why.

Runs are compared from their ``results.json`` (a stored run's is put together from the store; a file's is
read as it is), so two files can be compared without a database. A supplier of run A and one of run B are
the same supplier when their ``review.keys.supplier_key`` is equal, and a hit is the same hit when its
``hit_key`` is. Several rows of one run with the same key (a vendor listed twice) are paired in the order
they appear; the rows left without a partner are reported as added or removed, with a note saying so.

Counts on suppliers kept in both runs (``tier_up``, ``presumption_gained`` …) are apart from the counts of
suppliers added and removed (``added_presumption`` …), so that ``presumption`` in B is ``presumption`` in A
``+ gained − lost + added_presumption − removed_presumption``. Hits are counted on every supplier: the hits
of an added supplier are new, those of a removed one vanished.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supplyscreen.errors import InputError
from supplyscreen.review.applied import Decision, Reviews, SupplierReview
from supplyscreen.review.keys import changed as stronger
from supplyscreen.review.keys import hit_key, supplier_key
from supplyscreen.score import TIERS, TRACK_LABELS, TRACKS

if TYPE_CHECKING:
    from supplyscreen.pipeline.results import ScreeningResult
    from supplyscreen.store import Run, Store

ADDED, REMOVED, KEPT = "added", "removed", "kept"
NEW, VANISHED, STRONGER, WEAKER = "new", "vanished", "stronger", "weaker"
SHOWN_CHARS = 80  # a changed field's value is cut here in the "why" lines
SUMMARY_KEYS = (
    "suppliers_a",
    "suppliers_b",
    "added",
    "removed",
    "kept",
    "changed",
    "tier_up",
    "tier_down",
    "presumption_a",
    "presumption_b",
    "presumption_gained",
    "presumption_lost",
    "added_presumption",
    "removed_presumption",
    "track_changed",
    "hits_new",
    "hits_vanished",
    "hits_stronger",
    "hits_weaker",
    "fields_changed",
    "decisions_carried",
    "needs_review",
    "duplicate_keys",
)


# --- the two sides --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSide:
    """One side of a comparison: a run's ``results.json`` and what names the run (a stored run's id, or the
    file it was read from)."""

    doc: Mapping[str, Any]
    id: str | None = None  # the stored run's id; None for a results.json file
    label: str = ""  # "run 1a2b3c4d" or the file's name
    title: str = ""  # the input files' names
    created_at: str = ""  # when the run was made (a stored run) or screened (a file)

    @property
    def suppliers(self) -> Sequence[Mapping[str, Any]]:
        suppliers: Sequence[Mapping[str, Any]] = self.doc.get("suppliers") or []
        return suppliers

    @property
    def run(self) -> Mapping[str, Any]:
        return self.doc.get("run") or {}

    @property
    def inputs(self) -> list[tuple[str, str]]:
        """(file name, sha256) of each input."""
        return _named_files(self.run.get("inputs"))

    @property
    def rules_sha256(self) -> str:
        return str((self.run.get("rules") or {}).get("sha256") or "")

    @property
    def lists(self) -> list[tuple[str, str]]:
        """(file name, sha256) of each watchlist."""
        return _named_files(self.run.get("lists"))

    @classmethod
    def of_doc(cls, doc: Mapping[str, Any], label: str = "") -> RunSide:
        """A ``results.json`` object already read."""
        if not isinstance(doc, Mapping) or not isinstance(doc.get("suppliers"), list):
            raise InputError(
                f"{label or 'the document'} is not a supplyscreen results.json (no suppliers list)"
            )
        run = doc.get("run") or {}
        title = ", ".join(_basename(str(f.get("path") or "")) for f in run.get("inputs") or [])
        return cls(doc, None, label or "results.json", title, str(run.get("started_at") or ""))

    @classmethod
    def of_file(cls, path: str | Path) -> RunSide:
        """A ``results.json`` file (as ``supplyscreen screen`` writes it)."""
        p = Path(path)
        try:
            with p.open("rb") as handle:
                doc = json.load(handle)
        except OSError as exc:
            raise InputError(f"cannot read {p}: {exc.strerror}") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"{p} is not JSON: {exc}", hint="give a results.json or a run id") from exc
        return cls.of_doc(doc, p.name)

    @classmethod
    def of_result(cls, result: ScreeningResult, run_id: str | None = None, created_at: str = "") -> RunSide:
        """A run just screened (stored as ``run_id``, or not stored)."""
        title = ", ".join(_basename(f.display) for f in result.inputs)
        label = f"run {run_id[:8]}" if run_id else "this run"
        return cls(result.to_json(), run_id, label, title, created_at or result.started_at)

    @classmethod
    def of_run(cls, store: Store, run: Run) -> RunSide:
        """A stored run; InputError when it is not done."""
        if run.status != "done":
            raise NotComparable(
                f"run {run.id[:8]} is {run.status}, not done",
                hint="wait until it is screened (or screen it again), then compare it",
            )
        head = store.results_head(run.id)
        doc = {**head, "suppliers": store.supplier_records(run.id)} if head else store.results_json(run.id)
        if doc is None:
            raise NotComparable(f"run {run.id[:8]} has no stored results", hint="screen it again")
        created = run.created_at.replace(microsecond=0).isoformat() + "Z"
        return cls(doc, run.id, f"run {run.id[:8]}", run.title, created)

    @classmethod
    def of(cls, store: Store | None, given: str | Path) -> RunSide:
        """A ``results.json`` path, or a run id (or its unique start) in ``store``."""
        path = Path(given)
        if path.is_file() or store is None or path.suffix.lower() == ".json" or len(path.parts) > 1:
            return cls.of_file(path)
        (run_id,) = store.find_runs([str(given)])
        run = store.get_run(run_id)
        assert run is not None
        return cls.of_run(store, run)

    def describe(self) -> str:
        """'run 1a2b3c4d (vendors.xlsx, 2026-12-07T10:00:00Z)'."""
        what = ", ".join(p for p in (self.title, self.created_at) if p)
        return f"{self.label} ({what})" if what else self.label


class NotComparable(InputError):
    """A run that cannot be compared (not done, or without results)."""

    status = 409


def earlier_runs(runs: Sequence[Run], run: Run) -> list[Run]:
    """The done runs among ``runs`` made before ``run``, newest first: what it can be compared with."""
    earlier = [r for r in runs if r.id != run.id and r.status == "done" and r.created_at <= run.created_at]
    return sorted(earlier, key=lambda r: r.created_at, reverse=True)


def previous_run(runs: Sequence[Run], run: Run) -> Run | None:
    """The latest done run before ``run`` of the same input files (by name, whatever the folder they were
    screened from and their content): the one it is compared with by default."""
    return next((r for r in earlier_runs(runs, run) if _input_names(r) == _input_names(run)), None)


def _input_names(run: Run) -> list[str]:
    return sorted(_basename(f.name).casefold() for f in run.inputs)


# --- what changed ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HitChange:
    """A hit that appeared, vanished, or scores more or less than in the earlier run."""

    change: str  # new, vanished, stronger, weaker
    key: str  # review.keys.hit_key
    hit: Mapping[str, Any]  # run B's hit (run A's when vanished)
    before: Mapping[str, Any] | None = None  # run A's, for stronger and weaker

    @property
    def label(self) -> str:
        """'Hunchun (Jilin), China–DPRK border city (address: “Hunchun”)'."""
        h = self.hit
        return f"{h.get('indicator') or h.get('rule')} ({h.get('field')}: “{h.get('text')}”)"

    def line(self) -> str:
        h, b = self.hit, self.before or {}
        if self.change in (STRONGER, WEAKER):
            return (
                f"{self.change}: {self.label}, {_points(b)} → {_points(h)}"
                f", similarity {float(b.get('similarity') or 0):.2f} → {float(h.get('similarity') or 0):.2f}"
            )
        return f"{self.change} hit: {self.label}, {_points(h)}"

    def as_json(self) -> dict[str, Any]:
        h, b = self.hit, self.before
        return {
            "change": self.change,
            "key": self.key,
            "rule": h.get("rule"),
            "indicator": h.get("indicator"),
            "field": h.get("field"),
            "text": h.get("text"),
            "points": h.get("points"),
            "similarity": h.get("similarity"),
            "before": {"points": b.get("points"), "similarity": b.get("similarity")} if b else None,
            "list": h.get("list"),
        }


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str

    def line(self) -> str:
        return f"{self.field} changed: “{_cut(self.before)}” → “{_cut(self.after)}”"


@dataclass
class SupplierChange:
    """One supplier of either run and what changed about it. ``a``/``b`` are its ``results.json`` objects in
    run A and run B (None where it is not in that run), ``a_position``/``b_position`` its places."""

    key: str
    change: str  # added, removed, kept
    a: Mapping[str, Any] | None
    b: Mapping[str, Any] | None
    a_position: int | None
    b_position: int | None
    hits: list[HitChange] = field(default_factory=list)
    fields: list[FieldChange] = field(default_factory=list)
    duplicate: str = ""  # set when several rows of a run have this key
    review: SupplierReview | None = None  # run B's review of the supplier
    carried: list[Decision] = field(default_factory=list)  # decisions carried over to run B
    needs_review: list[str] = field(default_factory=list)  # labels of the hits that need review again

    @property
    def now(self) -> Mapping[str, Any]:
        """The supplier as in run B, or as it was in run A when removed."""
        return self.b if self.b is not None else self.a or {}

    @property
    def name(self) -> str:
        return str((self.now.get("fields") or {}).get("name") or "")

    @property
    def source(self) -> str:
        return _source(self.now)

    @property
    def tier(self) -> tuple[str, str] | None:
        if self.a is None or self.b is None or self.a["tier"] == self.b["tier"]:
            return None
        return str(self.a["tier"]), str(self.b["tier"])

    @property
    def tier_direction(self) -> str:
        """ "up" (riskier), "down" or ""."""
        if self.tier is None:
            return ""
        before, after = (TIERS.index(t) if t in TIERS else len(TIERS) for t in self.tier)
        return "up" if after < before else "down"

    @property
    def presumption(self) -> str:
        """ "gained", "lost" or "" for a kept supplier."""
        if self.a is None or self.b is None or bool(self.a["presumption"]) == bool(self.b["presumption"]):
            return ""
        return "gained" if self.b["presumption"] else "lost"

    @property
    def track(self) -> tuple[str | None, str | None] | None:
        if self.a is None or self.b is None or self.a.get("track") == self.b.get("track"):
            return None
        return self.a.get("track"), self.b.get("track")

    @property
    def score(self) -> tuple[int, int] | None:
        if self.a is None or self.b is None or self.a["score"] == self.b["score"]:
            return None
        return int(self.a["score"]), int(self.b["score"])

    @property
    def risk(self) -> str:
        """ "up", "down" or "": the stricter of the track, the presumption and the tier changes."""
        if self.track is not None:
            before, after = (TRACKS.index(t) if t in TRACKS else len(TRACKS) for t in self.track)
            if before != after:
                return "up" if after < before else "down"
        if self.presumption:
            return "up" if self.presumption == "gained" else "down"
        return self.tier_direction

    @property
    def changed(self) -> bool:
        """Whether anything about the supplier changed (a carried decision alone is no change)."""
        return self.change != KEPT or bool(self.hits or self.fields or self.tier or self.score or self.track)

    @property
    def why(self) -> list[str]:
        """What changed and why, one line each."""
        s = self.now
        lines: list[str] = []
        if self.change == ADDED:
            lines.append(f"new supplier: {_verdict(s)}")
        elif self.change == REMOVED:
            lines.append(f"no longer in the list; it was {_verdict(s)}")
        else:
            if self.track is not None:
                before, after = (TRACK_LABELS.get(str(t), "not recorded") for t in self.track)
                lines.append(f"legal track {before} → {after}")
            if self.presumption:
                lines.append(f"presumption {self.presumption}")
            if self.tier is not None:
                lines.append(f"tier {self.tier[0]} → {self.tier[1]}")
            if self.score is not None:
                lines.append(f"score {self.score[0]} → {self.score[1]}")
        if self.duplicate:
            lines.append(self.duplicate)
        lines += [h.line() for h in self.hits if self.change == KEPT]
        lines += [f.line() for f in self.fields]
        if self.change == KEPT and any(h.change in (NEW, VANISHED) for h in self.hits) and not self.fields:
            lines.append("the supplier's data did not change: the rules or watchlists did")
        lines += [
            f"decision carried over: {d.line()}" + (f" — on {d.hit_label}" if d.hit_label else "")
            for d in self.carried
        ]
        lines += [f"needs review again: {label}" for label in self.needs_review]
        return lines

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "change": self.change,
            "name": self.name,
            "a": _brief(self.a, self.a_position),
            "b": _brief(self.b, self.b_position),
            "tier": {"before": self.tier[0], "after": self.tier[1]} if self.tier else None,
            "presumption": self.presumption or None,
            "track": {"before": self.track[0], "after": self.track[1]} if self.track else None,
            "risk": self.risk or None,
            "hits": [h.as_json() for h in self.hits],
            "fields": [{"field": f.field, "before": f.before, "after": f.after} for f in self.fields],
            "duplicate": self.duplicate or None,
            "decisions_carried": [d.as_json() for d in self.carried],
            "needs_review": self.needs_review,
            "why": self.why,
        }


@dataclass
class RunDiff:
    """Two runs compared: the summary counts, what changed in the runs' provenance, and the rows."""

    a: RunSide
    b: RunSide
    summary: dict[str, int]
    provenance: list[tuple[str, str, str]]  # (what, in run A, in run B) where they differ
    rows: list[SupplierChange]  # suppliers that changed, were added or removed, or carry decisions

    def summary_rows(self) -> list[tuple[str, str]]:
        """The summary as (label, text) lines, the same in the text, HTML and report outputs."""
        s = self.summary
        rows = [
            (
                "suppliers",
                f"{s['suppliers_a']} → {s['suppliers_b']}: {s['added']} added, {s['removed']} removed, "
                f"{s['kept']} kept ({s['changed']} changed)",
            ),
            ("tier", f"{s['tier_up']} up, {s['tier_down']} down"),
            (
                "presumption",
                f"{s['presumption_a']} → {s['presumption_b']}: {s['presumption_gained']} gained, "
                f"{s['presumption_lost']} lost; {s['added_presumption']} among the added suppliers, "
                f"{s['removed_presumption']} among the removed",
            ),
            ("legal track", f"{s['track_changed']} changed"),
            (
                "hits",
                f"{s['hits_new']} new, {s['hits_vanished']} vanished, {s['hits_stronger']} stronger, "
                f"{s['hits_weaker']} weaker",
            ),
            (
                "fields",
                f"{s['fields_changed']} supplier{'' if s['fields_changed'] == 1 else 's'} with changed data",
            ),
            (
                "decisions",
                f"{s['decisions_carried']} carried over, {s['needs_review']} hit"
                f"{'' if s['needs_review'] == 1 else 's'} needing review again",
            ),
        ]
        if s["duplicate_keys"]:
            rows.append(
                ("duplicates", f"{s['duplicate_keys']} supplier keys on more than one row: paired in order")
            )
        rows += [
            (what, f"{before or '(none)'} → {after or '(none)'}") for what, before, after in self.provenance
        ]
        return rows

    def headline(self) -> str:
        """'2 added, 1 removed; presumption 1 gained, 1 lost' — the runs list's one line."""
        s = self.summary
        parts = [f"+{s['added']} −{s['removed']} suppliers"]
        gained = s["presumption_gained"] + s["added_presumption"]
        lost = s["presumption_lost"] + s["removed_presumption"]
        if gained or lost:
            parts.append(f"presumption +{gained} −{lost}")
        if s["tier_up"] or s["tier_down"]:
            parts.append(f"tier ↑{s['tier_up']} ↓{s['tier_down']}")
        if not any(s[k] for k in ("added", "removed", "changed")):
            return "no change"
        return " · ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "a": _side_json(self.a),
            "b": _side_json(self.b),
            "summary": dict(self.summary),
            "provenance": [{"what": w, "a": x, "b": y} for w, x, y in self.provenance],
            "suppliers": [r.as_json() for r in self.rows],
        }

    def text(self) -> str:
        """The comparison as text: the summary table, then one block per supplier."""
        lines = [f"What changed from {self.a.describe()}", f"                to {self.b.describe()}", ""]
        width = max(len(label) for label, _ in self.summary_rows())
        lines += [f"  {label:<{width}}  {text}" for label, text in self.summary_rows()]
        lines.append("")
        if not self.rows:
            lines.append("No supplier changed.")
        marks = {ADDED: "+", REMOVED: "-", KEPT: "~"}
        for row in self.rows:
            where = f"#{row.b_position}" if row.b_position is not None else f"#{row.a_position} of run A"
            lines.append(f"{marks[row.change]} {row.name or '(no name)'}  [{row.source}; {where}; {row.key}]")
            lines += [f"    {line}" for line in row.why]
        return "\n".join(lines) + "\n"


def compare_runs(
    a: RunSide | Mapping[str, Any], b: RunSide | Mapping[str, Any], reviews: Reviews | None = None
) -> RunDiff:
    """What changed from run ``a`` to run ``b`` (each a :class:`RunSide` or a ``results.json`` object).
    ``reviews`` are run B's, by supplier position (``review.applied``): the decisions carried over and the
    hits needing review again are read from them."""
    side_a = a if isinstance(a, RunSide) else RunSide.of_doc(a, "run A")
    side_b = b if isinstance(b, RunSide) else RunSide.of_doc(b, "run B")
    sup_a, sup_b = side_a.suppliers, side_b.suppliers
    keys_a, keys_b = _positions(sup_a), _positions(sup_b)
    reviews = reviews or {}
    rows: list[SupplierChange] = []
    summary = dict.fromkeys(SUMMARY_KEYS, 0)
    summary["suppliers_a"], summary["suppliers_b"] = len(sup_a), len(sup_b)
    summary["presumption_a"] = sum(1 for s in sup_a if s.get("presumption"))
    summary["presumption_b"] = sum(1 for s in sup_b if s.get("presumption"))
    for key, pa, pb in _pairs(keys_a, keys_b):
        row = _change(key, sup_a, sup_b, pa, pb, len(keys_a.get(key, ())), len(keys_b.get(key, ())))
        if pb is not None and pb in reviews:
            _apply_review(row, reviews[pb], side_b.id or "")
        _count(summary, row)
        if row.changed or row.carried or row.needs_review:
            rows.append(row)
    summary["duplicate_keys"] = sum(
        1 for k in {*keys_a, *keys_b} if len(keys_a.get(k, ())) > 1 or len(keys_b.get(k, ())) > 1
    )
    rows.sort(key=_row_order)
    return RunDiff(side_a, side_b, summary, _provenance(side_a, side_b), rows)


def _positions(suppliers: Sequence[Mapping[str, Any]]) -> dict[str, list[int]]:
    """Each supplier key's positions, in order."""
    out: dict[str, list[int]] = {}
    for i, s in enumerate(suppliers):
        out.setdefault(supplier_key(s.get("fields") or {}, s.get("source")), []).append(i)
    return out


def _pairs(
    keys_a: Mapping[str, list[int]], keys_b: Mapping[str, list[int]]
) -> Iterator[tuple[str, int | None, int | None]]:
    """(key, position in A, position in B): the rows of one key paired in order, then the rest alone; run B's
    keys in its order, then those only in run A."""
    for key in [*keys_b, *(k for k in keys_a if k not in keys_b)]:
        pa, pb = keys_a.get(key, []), keys_b.get(key, [])
        for i in range(max(len(pa), len(pb))):
            yield key, pa[i] if i < len(pa) else None, pb[i] if i < len(pb) else None


def _change(
    key: str,
    sup_a: Sequence[Mapping[str, Any]],
    sup_b: Sequence[Mapping[str, Any]],
    pa: int | None,
    pb: int | None,
    count_a: int,
    count_b: int,
) -> SupplierChange:
    a = sup_a[pa] if pa is not None else None
    b = sup_b[pb] if pb is not None else None
    kind = KEPT if a is not None and b is not None else ADDED if b is not None else REMOVED
    row = SupplierChange(key, kind, a, b, pa, pb, hits=_hit_changes(a, b), fields=_field_changes(a, b))
    if count_a > 1 or count_b > 1:
        row.duplicate = (
            f"{count_a} row{'' if count_a == 1 else 's'} of run A and {count_b} of run B have this key: "
            f"paired in order" + ("" if kind == KEPT else ", this one has no partner")
        )
    return row


def _hit_changes(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[HitChange]:
    """New, vanished, stronger and weaker hits, hits of one key paired in order."""
    if a is not None and b is not None and a.get("hits") == b.get("hits"):
        return []  # most suppliers: compared whole, without working out a key
    hits_a = _hits_by_key(a)
    out: list[HitChange] = []
    for key, group in _hits_by_key(b).items():
        before = hits_a.pop(key, [])
        for i, hit in enumerate(group):
            if i >= len(before):
                out.append(HitChange(NEW, key, hit))
            elif stronger(before[i], hit):
                out.append(HitChange(STRONGER, key, hit, before[i]))
            elif stronger(hit, before[i]):
                out.append(HitChange(WEAKER, key, hit, before[i]))
        out += [HitChange(VANISHED, key, hit) for hit in before[len(group) :]]
    out += [HitChange(VANISHED, key, hit) for key, group in hits_a.items() for hit in group]
    return out


def _hits_by_key(supplier: Mapping[str, Any] | None) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for hit in (supplier or {}).get("hits") or []:
        out.setdefault(hit_key(hit), []).append(hit)
    return out


def _field_changes(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> list[FieldChange]:
    if a is None or b is None:
        return []
    fa, fb = a.get("fields") or {}, b.get("fields") or {}
    return [
        FieldChange(k, str(fa.get(k) or ""), str(fb.get(k) or ""))
        for k in dict.fromkeys([*fa, *fb])
        if str(fa.get(k) or "") != str(fb.get(k) or "")
    ]


def _apply_review(row: SupplierChange, review: SupplierReview, run_id: str) -> None:
    """Run B's review of the supplier: its decisions carried over (each hit decision named by its hit) and
    the hits that need review again."""
    row.review = review
    labels = {hit_key(hit): HitChange(NEW, "", hit).label for hit in (row.b or {}).get("hits") or []}
    row.carried = [
        replace(d, hit_label=labels.get(d.hit, d.hit)) if d.hit and not d.hit_label else d
        for d in review.carried(run_id)
    ]
    row.needs_review = [labels.get(k, k) for k in review.needs_review]


def _count(summary: dict[str, int], row: SupplierChange) -> None:
    if row.change == ADDED:
        summary["added"] += 1
        summary["added_presumption"] += bool(row.now.get("presumption"))
    elif row.change == REMOVED:
        summary["removed"] += 1
        summary["removed_presumption"] += bool(row.now.get("presumption"))
    else:
        summary["kept"] += 1
        summary["changed"] += row.changed
        summary["tier_up"] += row.tier_direction == "up"
        summary["tier_down"] += row.tier_direction == "down"
        summary["presumption_gained"] += row.presumption == "gained"
        summary["presumption_lost"] += row.presumption == "lost"
        summary["track_changed"] += row.track is not None
        summary["fields_changed"] += bool(row.fields)
    for h in row.hits:
        summary[f"hits_{h.change}"] += 1
    summary["decisions_carried"] += len(row.carried)
    summary["needs_review"] += len(row.needs_review)


def _row_order(row: SupplierChange) -> tuple[int, int, int]:
    """Riskier first: risk up, then added, then other changes, then risk down, then removed; by score."""
    rank = {"up": 0, "down": 3}.get(row.risk, 1 if row.change == ADDED else 4 if row.change == REMOVED else 2)
    return (
        rank,
        -int(row.now.get("score") or 0),
        row.b_position if row.b_position is not None else row.a_position or 0,
    )


def _provenance(a: RunSide, b: RunSide) -> list[tuple[str, str, str]]:
    """What differs in how the runs were made: tool version, rule set, inputs, watchlists."""
    out = []
    if a.run.get("tool_version") != b.run.get("tool_version"):
        out.append(
            ("tool version", str(a.run.get("tool_version") or ""), str(b.run.get("tool_version") or ""))
        )
    if a.rules_sha256 != b.rules_sha256:
        out.append(("rule set sha256", a.rules_sha256, b.rules_sha256))
    for what, x, y in (("inputs", a.inputs, b.inputs), ("watchlists", a.lists, b.lists)):
        if x != y:
            out.append((what, _files(x), _files(y)))
    return out


def _files(files: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} (sha256 {digest[:12]})" for name, digest in files)


# --- small helpers --------------------------------------------------------------------------------------


def _named_files(entries: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, str]]:
    """(file name, sha256) of ``results.json``'s inputs or lists."""
    return [(_basename(str(f.get("path") or "")), str(f.get("sha256") or "")) for f in entries or []]


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _source(s: Mapping[str, Any]) -> str:
    where = s.get("source") or {}
    text = _basename(str(where.get("file") or ""))
    if where.get("sheet"):
        text += f" › {where['sheet']}"
    return f"{text} › row {where.get('row')}"


def _points(hit: Mapping[str, Any]) -> str:
    return f"+{hit.get('points') or 0}"


def _verdict(s: Mapping[str, Any]) -> str:
    """'high, score 71, presumption, labour presumption'."""
    parts = [str(s.get("tier")), f"score {s.get('score')}"]
    if s.get("presumption"):
        parts.append("presumption")
    track = s.get("track")
    if track and track != "none":
        parts.append(TRACK_LABELS.get(str(track), str(track)))
    hits = s.get("hits") or []
    if hits:
        parts.append(
            f"{len(hits)} hit{'' if len(hits) == 1 else 's'}: "
            + "; ".join(HitChange(NEW, "", h).label for h in hits[:5])
            + ("; …" if len(hits) > 5 else "")
        )
    return ", ".join(parts)


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"


def _brief(s: Mapping[str, Any] | None, position: int | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {
        "position": position,
        "source": s.get("source"),
        "score": s.get("score"),
        "tier": s.get("tier"),
        "presumption": s.get("presumption"),
        "track": s.get("track"),
    }


def _side_json(side: RunSide) -> dict[str, Any]:
    return {
        "id": side.id,
        "label": side.label,
        "title": side.title,
        "created_at": side.created_at or None,
        "tool_version": side.run.get("tool_version"),
        "rules_sha256": side.rules_sha256 or None,
        "inputs": [{"name": n, "sha256": d} for n, d in side.inputs],
    }
