"""Entity types: what the row is against what the entry is.

A row's name is an organisation's when it carries a legal form or a business word, else an organisation's
or a person's; a vessel cell names a vessel. A listed person matches only a name that may be a person's, a
listed vessel only a vessel, and a listed aircraft (its registration, such as EP-ITC, reads like a company
name) never a name at all.
"""

from __future__ import annotations

from supplyscreen.compare.base import Comparison

# what a row's cell may be -> the entry types it can match
COMPATIBLE: dict[str, frozenset[str]] = {
    "organization": frozenset({"organization"}),
    "organization or person": frozenset({"organization", "person"}),
    "vessel": frozenset({"vessel"}),
    "aircraft": frozenset({"aircraft"}),
}
_ARTICLE = {
    "organization": "an organisation",
    "person": "a person",
    "organization or person": "an organisation or a person",
    "vessel": "a vessel",
    "aircraft": "an aircraft",
}


def compare_types(query: str, entry: str) -> Comparison:
    """The kind of the row's cell (a key of ``COMPATIBLE``) against the entry's type."""
    if entry in COMPATIBLE.get(query, frozenset({entry})):
        return Comparison("type", 0.0, f"the entry is {_ARTICLE.get(entry, entry)}, as the row's cell may be")
    what = {"organization": "an organisation (it carries a legal form or business word)"}.get(
        query, _ARTICLE.get(query, query)
    )
    return Comparison(
        "type_mismatch", 1.0, f"the entry is {_ARTICLE.get(entry, entry)}; the row names {what}"
    )
