"""Citations as every output shows them, and the sources a run cites.

A citation is shown as its source — "publisher, title, date", "(opinion)" after an opinion piece — with either
a verbatim quote in quotation marks or a summary labelled "Summary:" (never in quotation marks). The same
rule serves the HTML report and the web app (the ``_citation.html.j2`` macro reads a :class:`CitationView`),
``explain``, ``rules list`` and the XLSX workbook (:func:`citation_line`).

A citation comes as a rule's :class:`~supplyscreen.rules.Citation` (tied to its source when the rules were
loaded) or as a results.json object: ``{source, source_id, kind, quote | summary}`` since issue 15,
``{source, quote}`` before it (its source then a seed file or a name). :func:`view` reads all three alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from supplyscreen.rules import Citation, Source


@dataclass(frozen=True)
class CitationView:
    """What a citation shows: ``source`` the "publisher, title, date" string, and one of ``quote``/``summary``."""

    source: str
    source_id: str
    kind: str | None  # None: a citation stored before sources had kinds
    url: str
    quote: str | None
    summary: str | None

    @property
    def opinion(self) -> bool:
        return self.kind == "opinion"

    @property
    def cited_as(self) -> str:
        """The source as it is shown: "publisher, title, date", marked "(opinion)" for an opinion piece."""
        return f"{self.source} (opinion)" if self.opinion else self.source


def view(citation: Citation | Mapping[str, Any]) -> CitationView:
    """A rule's citation or a results.json citation object (either form) as it is shown."""
    if isinstance(citation, Citation):
        entry = citation.source_entry
        return CitationView(
            source=citation.display,
            source_id=citation.source_id,
            kind=citation.kind,
            url=entry.url if entry is not None else "",
            quote=citation.quote,
            summary=citation.summary,
        )
    source = str(citation.get("source") or "")
    return CitationView(
        source=source,
        source_id=str(citation.get("source_id") or source),
        kind=citation.get("kind"),
        url=_web_address(citation.get("url")),
        quote=citation.get("quote"),
        summary=citation.get("summary"),
    )


def _web_address(value: Any) -> str:
    """A stored citation's address, when it is a web address (anything else is not made a link)."""
    text = str(value or "")
    return text if text.startswith(("https://", "http://")) else ""


def citation_line(citation: Citation | Mapping[str, Any]) -> str:
    """One line of plain text: '“quote” — publisher, title, date' or 'Summary: text — publisher, title, date'."""
    v = view(citation)
    shown = f"“{v.quote}”" if v.quote is not None else f"Summary: {v.summary}"
    return f"{shown} — {v.cited_as}"


@dataclass(frozen=True)
class SourceRow:
    """A source the run cites, with the number of hits that cite it. ``publisher``, ``title`` and ``date`` are
    those of its sources.yaml entry when the rules know it; ``source`` is the "publisher, title, date" string."""

    source_id: str
    source: str
    kind: str | None
    url: str
    hits: int
    publisher: str = ""
    title: str = ""
    date: str = ""

    @property
    def opinion(self) -> bool:
        return self.kind == "opinion"


def cited_sources(
    hit_citations: Iterable[Iterable[Any]], known: Mapping[str, Source] | None = None
) -> list[SourceRow]:
    """Every source cited by the hits (each hit given as its citations), with how many hits cite it, most
    cited first. ``known`` (a rule set's ``cited``) fills in publisher, title and date by source id."""
    counts: dict[str, int] = {}
    first: dict[str, CitationView] = {}
    for citations in hit_citations:
        seen = set()
        for c in citations:
            v = view(c)
            key = v.source_id or v.source
            first.setdefault(key, v)
            if key not in seen:
                seen.add(key)
                counts[key] = counts.get(key, 0) + 1
    rows = []
    for key, n in counts.items():
        v = first[key]
        entry = (known or {}).get(v.source_id)
        rows.append(
            SourceRow(
                source_id=v.source_id,
                source=entry.display if entry is not None else v.source,
                kind=entry.kind if entry is not None else v.kind,
                url=(entry.url if entry is not None else "") or v.url,
                hits=n,
                publisher=entry.publisher if entry is not None else "",
                title=entry.title if entry is not None else "",
                date=entry.date if entry is not None else "",
            )
        )
    return sorted(rows, key=lambda r: (-r.hits, r.source.casefold()))
