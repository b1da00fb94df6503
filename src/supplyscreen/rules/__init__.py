"""Rule files: one schema, validated once.

A rule directory holds YAML files; each file is a mapping with any of the keys ``indicators``,
``combinations``, ``tiers``, ``frameworks``, ``checklist`` and ``disable``. Several directories may be
layered: a later one adds indicators, replaces ones with the same id, changes tiers, or disables ids.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from supplyscreen import packaged
from supplyscreen.errors import InputError, RulesError
from supplyscreen.match.patterns import PatternError, compile_pattern
from supplyscreen.settings import env_name, env_setting

FIELDS = ("id", "name", "country", "address", "description", "hs_code", "vessel", "notes")
FieldName = Literal["id", "name", "country", "address", "description", "hs_code", "vessel", "notes"]
Category = Literal["nexus", "entity", "place", "country", "sector", "vessel", "hs_code", "ilo", "enforcement"]
TOP_LEVEL_KEYS = (
    "sources",
    "concepts",
    "indicators",
    "combinations",
    "tiers",
    "frameworks",
    "checklist",
    "override",
    "disable",
    "watchlist",
    "matching",
    "enforcement",
)

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/supplyscreen (this is its rules/ package)


def project_root() -> Path:
    """The folder holding ``rules/`` and ``seeds/``: the source tree, or the copy bundled in the wheel."""
    bundled = PACKAGE_DIR / "_bundled"
    if (bundled / "rules").is_dir():
        return bundled
    return PACKAGE_DIR.parents[1]


def default_rules_dir() -> Path:
    return project_root() / "rules"


def layered(extra: Sequence[RuleLayer | str | Path] = (), standalone: bool = False) -> list[RuleLayer]:
    """The rule layers to load: the bundled rules, then ``extra`` (``--rules`` directories, uploaded rule
    files) over them — the bundled directory given again is not repeated; with ``standalone`` (and some
    ``extra``), ``extra`` alone."""
    given = [RuleLayer.of(layer) for layer in extra]
    if standalone and given:
        return given
    bundled = default_rules_dir().resolve()
    return [
        RuleLayer.of(default_rules_dir()),
        *(g for g in given if g.path is None or g.path.resolve() != bundled),
    ]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Item(_Model):
    """A rule-file item with an id."""

    id: str = Field(pattern=r"^[a-z0-9_.-]+$")


SourceKind = Literal[
    "news_report",
    "wire_story",
    "opinion",
    "statute",
    "regulation",
    "cbp_notice",
    "ofac",
    "federal_register",
    "un_resolution",
    "dataset",
    "advisory",
    "ngo_report",
]
# Kinds whose documents are a third party's copyright: the project cannot ship their text, so a quote from
# one may stand without a ``file`` — but only when the source has a ``url`` where a reader can check it.
# Every other kind (statutes, regulations, CBP, OFAC, Federal Register and UN texts, datasets, government
# advisories) is public and can be shipped: a quote from it needs its ``file``.
UNSHIPPABLE_KINDS: tuple[str, ...] = ("news_report", "wire_story", "opinion", "ngo_report")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Source(_Item):
    """A document rules may cite (``sources:`` in ``rules/sources.yaml``): what an auditor needs to cite it."""

    kind: SourceKind
    title: str = Field(min_length=1)
    publisher: str = Field(min_length=1)
    authors: list[str] = []
    date: str = ""  # ISO date as the document gives it: YYYY-MM-DD, YYYY-MM or YYYY
    url: str = ""
    file: str = ""  # a text shipped with the rules (relative to the rule directory's parent): quotes checked
    checked: str = ""  # how its title, publisher and date were checked

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str:
        if isinstance(value, dt.date):  # YAML reads 2024-05-13 as a date
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):  # and 2024 as a number
            value = str(value)
        if not isinstance(value, str) or (value and not _DATE.match(value)):
            raise ValueError(f"date {value!r} must be an ISO date: YYYY-MM-DD, YYYY-MM or YYYY")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not re.match(r"https?://[^\s]+$", value):
            raise ValueError(f"url {value!r} must be an http:// or https:// address")
        return value

    @property
    def display(self) -> str:
        """The source as reports show it: "publisher, title, date"."""
        return ", ".join(part for part in (self.publisher, self.title, self.date) if part)


class Citation(_Model):
    """A rule's evidence: a ``source`` id (``sources.yaml``) with exactly one of a verbatim ``quote`` from it
    (checked against its file by ``rules check``) or a ``summary`` (a paraphrase, never shown as a quote).

    Rules tie each citation to its :class:`Source` when they are loaded (:class:`TiedCitation`); a citation
    made at run time (a watchlist entry's reason) names its source in ``source`` and has none.
    """

    source: str = Field(min_length=1)
    quote: str | None = Field(default=None, min_length=1)
    summary: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_of(self) -> Citation:
        if (self.quote is None) == (self.summary is None):
            raise ValueError("a citation has exactly one of 'quote' (verbatim) or 'summary' (a paraphrase)")
        return self

    def resolved(self, source: Source) -> TiedCitation:
        """This citation tied to its source."""
        tied = TiedCitation.model_construct(
            source=self.source, quote=self.quote, summary=self.summary, entry=source
        )
        object.__setattr__(tied, "written", tied.as_json())  # what every hit citing it writes, made once
        return tied

    @property
    def source_entry(self) -> Source | None:
        return None

    @property
    def source_id(self) -> str:
        entry = self.source_entry
        return entry.id if entry is not None else self.source

    @property
    def kind(self) -> str:
        """The source's kind; a citation made at run time cites a dataset (a watchlist)."""
        entry = self.source_entry
        return entry.kind if entry is not None else "dataset"

    @property
    def display(self) -> str:
        """The source as "publisher, title, date", or as given when it has no entry."""
        entry = self.source_entry
        return entry.display if entry is not None else self.source

    @property
    def text(self) -> str:
        """The quote or the summary."""
        return self.quote if self.quote is not None else self.summary or ""

    @property
    def is_seed(self) -> bool:
        entry = self.source_entry
        return (entry.file if entry is not None else self.source).startswith("seeds/")

    def as_json(self) -> dict[str, str]:
        """The citation as results.json writes it: ``source`` (publisher, title, date), ``source_id``,
        ``kind`` and one of ``quote`` or ``summary`` (the source's address is left to the sources page, which
        finds it by ``source_id``: on every hit it would add a tenth to results.json)."""
        out = {"source": self.display, "source_id": self.source_id, "kind": self.kind}
        if self.quote is not None:
            out["quote"] = self.quote
        else:
            out["summary"] = self.summary or ""
        return out


class TiedCitation(Citation):
    """A citation tied to its source entry when the rules were loaded; ``entry`` is never read from a rule
    file (only :meth:`Citation.resolved` makes one) nor written out with the rule."""

    entry: Source = Field(exclude=True, repr=False)
    written: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)

    def __hash__(self) -> int:  # the entry holds lists: hashed by what the rule file says
        return hash((self.source, self.quote, self.summary))

    @property
    def source_entry(self) -> Source | None:
        return self.entry

    def as_json(self) -> dict[str, str]:
        return self.written or super().as_json()


_MISPLACED_STAR = re.compile(r"(?<![^\W_])\*|\*(?![\s]|$)")


def _check_terms(value: list[str]) -> list[str]:
    for term in value:
        if not term.strip():
            raise ValueError("a term must not be empty")
        if _MISPLACED_STAR.search(term):  # "a*b", "*ab", "ab**": a star ends a word, once
            raise ValueError(f"term {term!r}: '*' may only end a word")
    return value


class SetAside(_Model):
    """Phrases in which a concept's term does not count, and why (shown to the auditor)."""

    reason: str = Field(min_length=1)
    terms: list[str] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return _check_terms(value)


class Concept(_Item):
    """A named set of terms (one meaning, several languages) that rules combine with ``when``."""

    name: str = Field(min_length=1)
    description: str = ""
    terms: list[str] = Field(min_length=1)
    set_aside: list[SetAside] = []
    presence: bool = False  # its terms are verbs of presence: a negator before one negates the sentence
    # a claim that can be denied: as an ``unless``, a negated mention ("workers do not hold their
    # passports") does not set the indicator aside
    negatable: bool = False
    # as an ``unless``: how many sentences after a match it still sets it aside, when such a sentence names
    # a concept of the match again ("Passports held by HR. CAP closed: all passports returned.")
    reach: int = Field(default=0, ge=0, le=3)
    # the fields its terms count in (default: every field of the rules that name it): shorthand such as "NK"
    # means the DPRK in notes, and is a company's initials in a name
    fields: list[str] = []

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        return _check_terms(value)


_WHEN = re.compile(r"^\s*[a-z0-9_]+(\s*\|\s*[a-z0-9_]+)*(\s*\+\s*[a-z0-9_]+(\s*\|\s*[a-z0-9_]+)*)*\s*$")


def parse_when(pattern: str) -> list[list[str]]:
    """'dprk|dprk_place + workers' -> [['dprk', 'dprk_place'], ['workers']]: slots that must all be filled
    in one sentence, each by a term of one of its concepts."""
    return [[name.strip() for name in slot.split("|")] for slot in pattern.split("+")]


class Indicator(_Item):
    name: str = Field(min_length=1)
    category: Category
    description: str = ""
    terms: list[str] = []
    patterns: list[str] = []
    countries: list[str] = []
    hs_codes: list[str] = []
    fields: list[FieldName] = ["name", "address", "description", "notes"]
    exclude: list[str] = []
    points: int = Field(ge=0, le=100)
    nexus: bool = False
    tags: list[str] = []
    group: str | None = None
    fuzzy: bool = True
    when: list[str] = []  # concept patterns, e.g. "dprk|dprk_place + workers" (see rules/concepts.yaml)
    # concepts that set a concept match aside when in the same sentence; for a term indicator, a term hit in
    # prose (description, notes) when in the same sentence and not denied ("Chaoxianzu staff from Yanbian")
    unless: list[str] = []
    unless_country: list[str] = []  # set aside for suppliers of these countries (ISO alpha-2)
    unless_fired: list[str] = []  # a fallback: set aside when one of these indicators fired on the same text
    # how many consecutive sentences a concept pattern may span: 2 reads "I gave the agent my certificate.
    # He will not give it back." as one statement
    sentences: int = Field(default=1, ge=1, le=2)
    citations: list[Citation] = Field(min_length=1)

    @field_validator("when")
    @classmethod
    def _when(cls, value: list[str]) -> list[str]:
        for pattern in value:
            if not _WHEN.match(pattern):
                raise ValueError(
                    f"concept pattern {pattern!r} must look like 'concept_a|concept_b + concept_c'"
                )
        return value

    @field_validator("countries", "unless_country")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[A-Z]{2}\??", code):
                raise ValueError(f"country {code!r} is not an ISO 3166 alpha-2 code such as 'KP'")
        return value

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                compile_pattern(pattern)
            except PatternError as exc:
                raise ValueError(f"pattern {pattern!r} {exc}") from exc
        return value

    @field_validator("hs_codes")
    @classmethod
    def _hs(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"\d{2}(\d{2}(\.?\d{1,2})*)?", code):
                raise ValueError(f"HS code {code!r} must look like '03', '0304', '0304.8' or '0304.87'")
        return value

    @model_validator(mode="after")
    def _something_to_match(self) -> Indicator:
        if not (self.terms or self.patterns or self.countries or self.hs_codes or self.when):
            raise ValueError(
                "an indicator needs at least one of terms, patterns, when, countries or hs_codes"
            )
        return self


class Combination(_Item):
    name: str = Field(min_length=1)
    description: str = ""
    all_of: list[list[str]] = Field(min_length=2)
    points: int = Field(ge=0, le=100)
    group: str | None = None
    citations: list[Citation] = Field(min_length=1)


class Tiers(_Model):
    high: int = Field(ge=1, le=100)
    medium: int = Field(ge=1, le=100)
    low: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Tiers:
        if not self.high > self.medium > self.low:
            raise ValueError("tiers must satisfy high > medium > low")
        return self

    def tier(self, score: int) -> str:
        if score >= self.high:
            return "high"
        if score >= self.medium:
            return "medium"
        if score >= self.low:
            return "low"
        return "clear"


class WatchlistPoints(_Model):
    """Points for a watchlist hit, by what the entry is."""

    nexus: int = Field(default=90, ge=0, le=100)  # DPRK labour exporter or entity in the DPRK: presumption
    dprk: int = Field(default=60, ge=0, le=100)  # on a DPRK sanctions programme
    other: int = Field(default=40, ge=0, le=100)  # any other listed entry


class MatchingRules(_Model):
    """How watchlist comparisons combine into one match score (``rules/matching.yaml``; see
    ``supplyscreen.compare``): the strongest weighted *evidence*, plus the weighted *qualifiers*, within 0..1;
    any *veto* that holds sets the score to 0; a candidate is a hit from ``threshold``."""

    threshold: float = Field(gt=0, le=1)
    evidence: dict[str, float] = Field(min_length=1)
    qualifiers: dict[str, float] = {}
    vetoes: list[str] = []
    generic_words: list[str] = []
    operates_abroad: dict[str, list[str]] = {}

    @field_validator("evidence", "qualifiers")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            _known_feature(name)
            if not -1 <= weight <= 2:
                raise ValueError(f"weight of '{name}' is {weight}: weights lie between -1 and 2")
        return value

    @field_validator("vetoes")
    @classmethod
    def _vetoes(cls, value: list[str]) -> list[str]:
        for name in value:
            _known_feature(name)
        return value

    @field_validator("generic_words")
    @classmethod
    def _generic(cls, value: list[str]) -> list[str]:
        for word in value:
            if not re.fullmatch(r"[a-z0-9]+", word):
                raise ValueError(f"generic word {word!r} must be one lower-case word as name keys write it")
        return value

    @field_validator("operates_abroad")
    @classmethod
    def _abroad(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for code in [*value, *(c for codes in value.values() for c in codes)]:
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"country {code!r} is not an ISO 3166 alpha-2 code such as 'KP'")
        return value

    @model_validator(mode="after")
    def _each_feature_once(self) -> MatchingRules:
        groups = [set(self.evidence), set(self.qualifiers), set(self.vetoes)]
        for i, a in enumerate(groups):
            for b in groups[i + 1 :]:
                if a & b:
                    raise ValueError(
                        f"'{sorted(a & b)[0]}' is in more than one of evidence, qualifiers, vetoes"
                    )
        return self


def _known_feature(name: str) -> None:
    from supplyscreen.compare.base import FEATURES

    if name not in FEATURES:
        raise ValueError(
            f"unknown comparison '{name}'{_did_you_mean(name, FEATURES)} (known: {', '.join(FEATURES)})"
        )


# A supplier's legal track (score.TRACKS, strictest first) that can call for a checklist item.
Track = Literal["dprk_origin", "detention", "presumption", "due_diligence"]
# The markets whose law a report shows (``screen --market``): the United States, the European Union.
Market = Literal["us", "eu"]
MARKETS: tuple[Market, ...] = ("us", "eu")


def parse_markets(values: Iterable[str]) -> tuple[Market, ...]:
    """Markets as ``--market`` gives them (repeated, or comma-separated: "us,eu"), in MARKETS order; none
    given: both. An unknown market is an InputError naming the known ones."""
    wanted = {v.strip().lower() for value in values for v in value.split(",") if v.strip()}
    unknown = sorted(wanted - set(MARKETS))
    if unknown:
        raise InputError(f"unknown market '{unknown[0]}'", hint=f"use --market {' or '.join(MARKETS)}")
    return tuple(m for m in MARKETS if m in wanted) or MARKETS


class Framework(_Item):
    title: str
    citation: str
    text: str
    triggers: str
    # "dprk_origin", "detention": the tracks of goods from the DPRK and of goods under a CBP order; the
    # others: the presumption flag or a tier
    applies_when: Literal["always", "dprk_origin", "detention", "presumption", "high", "medium"]
    # the markets whose importers it binds: a U.S. law is shown for `--market us`, the EU regulation for
    # `--market eu`; a UN Security Council resolution binds every member state (both)
    markets: list[Market] = Field(default=["us"], min_length=1)
    sources: list[str] = []  # ids of the sources (sources.yaml) its text quotes or summarises


class ChecklistItem(_Item):
    text: str
    when: list[str] = Field(min_length=1)
    source: str
    # the legal tracks whose suppliers get this item: proof of admissibility (detention), rebuttal evidence
    # (presumption) and evidence before import (due_diligence) by default; what to do with goods from the
    # DPRK (dprk_origin) is separate
    tracks: list[Track] = Field(default=["detention", "presumption", "due_diligence"], min_length=1)
    sources: list[str] = []  # ids of the sources (sources.yaml) behind it


# ---- U.S. enforcement actions (rules/enforcement.yaml): CBP Withhold Release Orders, Findings and CAATSA
# detentions, each with its dated events and the CBP or Federal Register text it was checked against.

EventKind = Literal["wro", "finding", "caatsa", "modified", "revoked"]
ORDER_EVENTS = ("wro", "finding", "caatsa")  # an event that puts goods under an order (the others end one)


class EnforcementEvent(_Model):
    """One dated step of an enforcement action: the order (``wro``, ``finding``, a ``caatsa`` detention) or
    its end (``modified``: the named goods admitted again; ``revoked``), with the text it comes from and how
    that text was checked."""

    date: dt.date
    what: EventKind
    source: str = Field(min_length=1)  # the id of the CBP or Federal Register text in sources.yaml
    # primary: the CBP or Federal Register text itself was read; quoted: CBP's words as named publications
    # quote them (the CBP page was not at hand)
    verified: Literal["primary", "quoted"]
    checked: str = Field(min_length=1)  # how the entry was confirmed: the page found, its publisher and date


class EnforcementVessel(_Model):
    name: str = Field(min_length=1)
    aliases: list[str] = []
    imo: str | None = Field(default=None, pattern=r"^\d{7}$")
    flag: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")


class EnforcementAction(_Item):
    """A CBP action on goods of named entities or vessels. Its status is that of its last event: an order
    (``active``), ``modified`` or ``revoked``; only an active action means the goods will be detained."""

    name: str = Field(min_length=1)  # the entity or vessel as CBP names it
    entities: list[str] = []  # the entity's names and aliases (legal forms kept, as CBP writes them)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")  # the entity's country
    vessels: list[EnforcementVessel] = []
    goods: str = Field(min_length=1)
    dprk_labour: bool = False  # CBP found North Korean labour (CAATSA): the 22 U.S.C. 9241a presumption
    events: list[EnforcementEvent] = Field(min_length=1)
    citations: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _well_formed(self) -> EnforcementAction:
        if not (self.entities or self.vessels):
            raise ValueError("an enforcement action names entities or vessels (or both)")
        if self.events[0].what not in ORDER_EVENTS:
            raise ValueError(f"the first event must be an order ({', '.join(ORDER_EVENTS)})")
        if [e.date for e in self.events] != sorted(e.date for e in self.events):
            raise ValueError("events must be in date order")
        return self

    @property
    def order(self) -> EnforcementEvent:
        """The latest order (a Finding after a WRO is the order in force)."""
        return [e for e in self.events if e.what in ORDER_EVENTS][-1]

    @property
    def status(self) -> Literal["active", "modified", "revoked"]:
        last = self.events[-1].what
        return "active" if last in ORDER_EVENTS else last  # type: ignore[return-value]

    @property
    def active(self) -> bool:
        return self.status == "active"


class EnforcementList(_Model):
    """The dated list of enforcement actions (``enforcement:`` in a rule file; a later layer adds actions or
    replaces one by giving its id again)."""

    as_of: dt.date | None = None  # the date the list was last checked
    points: int = Field(default=60, ge=0, le=100)  # an active action's points (high, whatever else)
    actions: list[EnforcementAction] = []


class Override(_Item):
    """A partial change to an indicator or combination of an earlier rule layer."""

    name: str | None = None
    description: str | None = None
    points: int | None = Field(default=None, ge=0, le=100)
    add_terms: list[str] = []
    exclude: list[str] | None = None
    fields: list[FieldName] | None = None
    tags: list[str] | None = None
    group: str | None = None
    fuzzy: bool | None = None
    nexus: bool | None = None
    when: list[str] | None = None
    unless: list[str] | None = None
    unless_country: list[str] | None = None
    unless_fired: list[str] | None = None

    def apply(self, item: Indicator | Combination) -> Indicator | Combination:
        changes: dict[str, Any] = {
            k: v
            for k, v in self.model_dump(exclude={"id", "add_terms"}, exclude_unset=True).items()
            if k in type(item).model_fields
        }
        if self.add_terms and isinstance(item, Indicator):
            changes["terms"] = [*item.terms, *self.add_terms]
        return type(item).model_validate({**item.model_dump(), **changes})


class RuleFile(_Model):
    sources: list[Source] = []
    concepts: list[Concept] = []
    indicators: list[Indicator] = []
    combinations: list[Combination] = []
    tiers: Tiers | None = None
    frameworks: list[Framework] = []
    checklist: list[ChecklistItem] = []
    override: list[Override] = []
    disable: list[str] = []
    watchlist: WatchlistPoints | None = None
    matching: MatchingRules | None = None
    enforcement: EnforcementList | None = None


@dataclass(frozen=True)
class RuleSource:
    name: str  # a directory (resolved), or the name of uploaded files
    sha256: str
    files: int


@dataclass(frozen=True)
class RuleLayer:
    """A layer of rule files: a directory or one YAML file on disk, or files given by name and content
    (uploads)."""

    name: str
    path: Path | None = None
    files: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, layer: RuleLayer | str | Path) -> RuleLayer:
        return layer if isinstance(layer, RuleLayer) else cls(str(layer), path=Path(layer))

    def texts(self, problems: list[str]) -> list[tuple[str, str, bytes]]:
        """(name for messages, name within the layer, content) of each rule file, in order; a file that cannot
        be read is a problem. Raises RulesError for a layer with no rule files."""
        if self.path is None:
            if not self.files:
                raise RulesError(f"{self.name}: no rule files")
            return [(name, name, data) for name, data in self.files]
        if self.path.is_file():
            paths, root = [self.path], self.path.parent
        elif self.path.is_dir():
            paths = sorted(p for p in self.path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            root = self.path
        else:
            raise RulesError(
                f"rules directory {self.path} does not exist", hint="pass --rules DIR with YAML files"
            )
        if not paths:
            raise RulesError(f"rules directory {self.path} holds no .yaml files")
        out = []
        for path in paths:
            try:
                out.append((str(path), path.relative_to(root).as_posix(), path.read_bytes()))
            except OSError as exc:
                problems.append(f"{path}:1: cannot read ({exc})")
        return out

    @property
    def bundled(self) -> bool:
        """Whether this is the package's own rules directory (trusted: read without the bounds on uploads)."""
        return self.path is not None and self.path.resolve() == default_rules_dir().resolve()

    @property
    def source_name(self) -> str:
        return str(self.path.resolve()) if self.path is not None else self.name

    @property
    def citation_base(self) -> Path:
        """Where a citation's source is looked for first (then in the project's ``seeds/``)."""
        if self.path is None:
            return project_root()
        return self.path.parent.parent if self.path.is_file() else self.path.parent


@dataclass
class RuleSet:
    indicators: list[Indicator]
    combinations: list[Combination]
    tiers: Tiers
    frameworks: list[Framework]
    checklist: list[ChecklistItem]
    sources: list[RuleSource] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    cited: dict[str, Source] = field(default_factory=dict)  # every source of sources.yaml, by id
    watchlist: WatchlistPoints = field(default_factory=WatchlistPoints)
    matching: MatchingRules | None = None  # None: the bundled rules/matching.yaml (default_matching)
    enforcement: EnforcementList = field(default_factory=EnforcementList)  # CBP actions (enforcement.yaml)
    # compiled for scoring when the rule set is built: each combination with the keys ('rule id' or 'tag:x')
    # that can fill each of its slots, and the combinations (positions) by the keys of their first slot
    combination_slots: tuple[tuple[Combination, tuple[frozenset[str], ...]], ...] = field(
        init=False, repr=False, compare=False
    )
    combinations_by_key: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.combination_slots = tuple(
            (c, tuple(frozenset(slot) for slot in c.all_of)) for c in self.combinations
        )
        by_key: dict[str, list[int]] = {}
        for i, (_, slots) in enumerate(self.combination_slots):
            for key in slots[0]:
                by_key.setdefault(key, []).append(i)
        self.combinations_by_key = {key: tuple(found) for key, found in by_key.items()}

    @property
    def sha256(self) -> str:
        """One hash over every layered rule set, in order."""
        digest = hashlib.sha256()
        for source in self.sources:
            digest.update(source.sha256.encode())
        return digest.hexdigest()

    def indicator(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)


# --- loading ---------------------------------------------------------------------------------------------


class _Refused(yaml.YAMLError):
    """A rule file that would cost more to load than any rule file needs: where, and why."""

    def __init__(self, reason: str, hint: str, mark: Any) -> None:
        super().__init__(reason)
        self.reason, self.hint = reason, hint
        self.line = mark.line + 1 if mark is not None else 1


class _LineLoader(yaml.SafeLoader):
    """Records the line of every mapping under the key ``__line__``.

    Bounds what a file can make before anything is built from it: as the document is composed, nodes nested
    deeper than ``rules_max_depth`` are refused (PyYAML composes recursively), and so are aliases (``*name``)
    that repeat more than ``rules_max_alias_nodes`` values in all, or that refer to their own anchor — the
    "billion laughs" of nested aliases is refused after a few hundred nodes, not after gigabytes.
    """

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.max_depth: int = env_setting("rules_max_depth")
        self.max_repeated: int = env_setting("rules_max_alias_nodes")
        self._depth = 0
        self._repeated = 0
        self._sizes: dict[int, int] = {}  # id of a composed node -> values in it, aliases expanded

    def _too_deep(self, mark: Any) -> _Refused:
        return _Refused(
            f"nested more than {self.max_depth} levels deep (limit {env_name('rules_max_depth')})",
            "a rule file needs about 7: check its brackets and indentation",
            mark,
        )

    def fetch_flow_collection_start(self, TokenClass: Any) -> None:
        """``[`` or ``{``: refused past the depth limit here already, since the scanner reads ahead of the
        composer (up to 1,024 characters, in time quadratic in the brackets open)."""
        if self.flow_level >= self.max_depth:
            raise self._too_deep(self.get_mark())
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                raise self._too_deep(event.start_mark)
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        if isinstance(event, yaml.AliasEvent):
            if id(node) not in self._sizes:
                raise _Refused(
                    f"the alias *{event.anchor} is inside its own anchor (a structure without end)",
                    "write the repeated parts out",
                    event.start_mark,
                )
            self._repeated += self._sizes[id(node)]
            if self._repeated > self.max_repeated:
                raise _Refused(
                    f"its aliases (*name) repeat more than {self.max_repeated:,} values (an alias bomb; limit "
                    f"{env_name('rules_max_alias_nodes')})",
                    "write the repeated parts out",
                    event.start_mark,
                )
        else:
            self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in _children(node))
        return node

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except ValueError as exc:  # a value Python cannot build: a number of 5,000 digits, a date 2024-13-45
            value = str(node.value) if isinstance(node, yaml.ScalarNode) else ""
            shown = value if len(value) <= 30 else value[:30] + "…"
            reason = str(exc).split(";")[0]  # not Python's advice on raising its limit
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {shown!r}: {reason}", node.start_mark
            ) from exc


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _load_yaml(path: str, data: bytes) -> Any:
    """A rule file's YAML, bounded (``_LineLoader``); raises RulesError for a file refused as hostile."""
    max_mb: float = env_setting("rules_max_mb")
    if len(data) > max_mb * 1024 * 1024:
        raise RulesError(
            f"{path}: refused: the file is {len(data) / 1024 / 1024:,.1f} MB, over the {max_mb:g} MB limit "
            f"for a rule file ({env_name('rules_max_mb')})",
            hint="split it into several files",
        )
    loader = _LineLoader(data.decode("utf-8"))
    try:
        return loader.get_single_data()
    except _Refused as exc:
        raise RulesError(f"{path}:{exc.line}: refused: {exc.reason}", hint=exc.hint) from exc
    finally:
        loader.dispose()


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _BundledLoader(packaged.SafeLoader):  # type: ignore[misc]
    """The bundled rules' loader: lines recorded as ``_LineLoader`` records them; no bounds (trusted)."""


_BundledLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


_KNOWN_KEYS: dict[str, tuple[str, ...]] = {
    "": TOP_LEVEL_KEYS,
    "sources": tuple(Source.model_fields),
    "concepts": tuple(Concept.model_fields),
    "set_aside": tuple(SetAside.model_fields),
    "indicators": tuple(Indicator.model_fields),
    "combinations": tuple(Combination.model_fields),
    "tiers": tuple(Tiers.model_fields),
    "frameworks": tuple(Framework.model_fields),
    "checklist": tuple(ChecklistItem.model_fields),
    "override": tuple(Override.model_fields),
    "citations": tuple(Citation.model_fields),
    "matching": tuple(MatchingRules.model_fields),
    "watchlist": tuple(WatchlistPoints.model_fields),
}


def _line_of(raw: Any, loc: Sequence[int | str]) -> int:
    line = raw.get("__line__", 1) if isinstance(raw, dict) else 1
    node = raw
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            line = node.get("__line__", line)
    return int(line)


def _hint(loc: Sequence[int | str], msg: str, kind: str) -> str:
    if kind == "extra_forbidden" and loc:
        key = str(loc[-1])
        parent = next((str(p) for p in reversed(loc[:-1]) if isinstance(p, str)), "")
        known = _KNOWN_KEYS.get(parent, ())
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            return f"unknown key '{key}' (did you mean '{close[0]}'?)"
        return f"unknown key '{key}' (allowed: {', '.join(known)})"
    if kind == "missing" and loc:
        return f"missing required key '{loc[-1]}'"
    where = ".".join(str(p) for p in loc if not isinstance(p, int))
    return f"{where}: {msg}" if where else msg


_ITEM_MODELS: dict[str, type[_Item]] = {
    "sources": Source,
    "concepts": Concept,
    "indicators": Indicator,
    "combinations": Combination,
    "frameworks": Framework,
    "checklist": ChecklistItem,
    "override": Override,
}


def _parse(path: str, data: bytes, bundled: bool = False) -> tuple[Any, str | None]:
    """A rule file's YAML (bounded: ``_load_yaml``; the package's own rules, ``bundled``, with libyaml's
    parser, five times faster), or None and the problem that keeps it from being read."""
    try:
        if bundled:
            return yaml.load(data.decode("utf-8"), Loader=_BundledLoader), None  # (a safe loader)
        return _load_yaml(path, data), None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return None, f"{path}:{line}: not valid YAML ({getattr(exc, 'problem', exc)}) — check indentation"
    except UnicodeDecodeError as exc:
        return None, f"{path}:1: cannot read ({exc})"


def _read_file(
    path: str, raw: Any, problems: list[str], broken: set[str], lines: dict[tuple[str, int], int]
) -> RuleFile | None:
    """Validate one rule file's YAML item by item, so one bad item does not hide the rest.

    Ids of items that fail validation go into ``broken`` so references to them are not reported twice.
    """
    if raw is None:
        return RuleFile()
    if not isinstance(raw, dict):
        problems.append(f"{path}:1: a rule file must be a mapping with keys such as 'indicators:'")
        return None
    good: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "__line__":
            continue
        if key not in TOP_LEVEL_KEYS:
            problems.append(f"{path}:{_line_of(raw, [key])}: {_hint([key], '', 'extra_forbidden')}")
            continue
        model = _ITEM_MODELS.get(key)
        if model is None or not isinstance(value, list):
            good[key] = value
            continue
        items = []
        for i, item in enumerate(value):
            try:
                parsed = model.model_validate(_strip_lines(item))
                items.append(parsed)
                lines[(key, len(items) - 1)] = int(item.get("__line__", 1))
            except ValidationError as exc:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    broken.add(item["id"])
                ident = (
                    f"{item['id']}: " if isinstance(item, dict) and isinstance(item.get("id"), str) else ""
                )
                for err in exc.errors():
                    loc = (key, i, *err["loc"])
                    hint = _hint((key, *err["loc"]), err["msg"], err["type"])
                    problems.append(f"{path}:{_line_of(raw, loc)}: {ident}{hint}")
        good[key] = items
    try:
        return RuleFile.model_validate(_strip_lines(good))
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            problems.append(f"{path}:{_line_of(raw, loc)}: {_hint(loc, err['msg'], err['type'])}")
        return None


def _layer_hash(files: Iterable[tuple[str, str, bytes]]) -> str:
    digest = hashlib.sha256()
    for _, name, data in files:
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(data)
        digest.update(b"\0")
    return digest.hexdigest()


_QUOTE_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)")  # a Markdown link left in a saved web page: [text](url)


def _collapse(text: str) -> str:
    """Text as quotes are compared: whitespace collapsed, curly quotation marks made straight, Markdown links
    reduced to their text."""
    return " ".join(_LINK.sub(r"\1", text.translate(_QUOTE_MARKS)).split())


@lru_cache(maxsize=64)
def _seed_text(path: Path) -> str:
    """A cited document, normalised (``_collapse``), read once however many citations quote it."""
    return _collapse(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def _source_file(file: str, base: Path) -> Path | None:
    """The shipped text of a source: its ``file`` under ``base`` (the rule directory's parent) or the project
    root; None when there is none there. A path leading outside both is not followed. Looked up once per
    file, however many citations quote it."""
    for root in (base, project_root()):
        path = (root / file).resolve()
        if path.is_relative_to(root.resolve()) and path.is_file():
            return path
    return None


@dataclass(frozen=True)
class _Sources:
    """The sources of every rule layer loaded, by id (a later layer's entry replaces an earlier one), each
    with the base its ``file`` is found from; and by file, for citations that name a seed file."""

    entries: dict[str, tuple[Source, Path]]

    def find(self, name: str) -> Source | None:
        if name in self.entries:
            return self.entries[name][0]
        for entry, _ in self.entries.values():  # a citation of the older form: the source's file
            if entry.file and entry.file == name:
                return entry
        return None

    def check(self, citation: Citation) -> Citation | str:
        """The citation tied to its source, or the problem: an unknown source, a quote with no text to check
        it against, a quote not in its source's file."""
        entry = self.find(citation.source)
        if entry is None:
            hint = _did_you_mean(citation.source, self.entries)
            return f"unknown source '{citation.source}'{hint} — add it to sources.yaml"
        if citation.quote is not None:
            problem = self._quote_problem(entry, citation.quote)
            if problem:
                return problem
        return citation.resolved(entry)

    def _quote_problem(self, entry: Source, quote: str) -> str | None:
        if not entry.file:
            if entry.kind in UNSHIPPABLE_KINDS and entry.url:
                return None
            return (
                f"quote from source '{entry.id}', which has no file to check it against — give the source "
                f"a 'file', or make the citation a 'summary'"
            )
        path = _source_file(entry.file, self.entries[entry.id][1])
        if path is None:
            return f"source '{entry.id}': file {entry.file} does not exist"
        if _collapse(quote) not in _seed_text(path):
            return f"quote not found in {entry.file}: {quote[:60]!r}"
        return None


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for the closest known name, or "" when none is close."""
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _concept_refs(ind: Indicator) -> list[str]:
    """The concepts an indicator names, in its ``when`` patterns and its ``unless``."""
    return [name for pattern in ind.when for slot in parse_when(pattern) for name in slot] + ind.unless


def load_rules(layers: Sequence[RuleLayer | str | Path] | None = None) -> RuleSet:
    """Load, layer and validate rule layers (directories, or uploaded files by name and content; None: the
    bundled rules). Raises RulesError listing every problem, each naming its file as given."""
    dirs = [RuleLayer.of(layer) for layer in layers] if layers else [RuleLayer.of(default_rules_dir())]
    problems: list[str] = []
    indicators: dict[str, Indicator] = {}
    combinations: dict[str, Combination] = {}
    frameworks: dict[str, Framework] = {}
    checklist: dict[str, ChecklistItem] = {}
    concepts: dict[str, Concept] = {}
    # the bundled sources are known even to layers checked alone (--standalone): sources are reference data
    cited: dict[str, tuple[Source, Path]] = {} if any(d.bundled for d in dirs) else dict(bundled_sources())
    tiers: Tiers | None = None
    disabled: list[tuple[str, str]] = []
    overrides: list[tuple[str, Override]] = []
    watchlist_points = WatchlistPoints()
    matching: MatchingRules | None = None
    enforcement = EnforcementList()
    sources: list[RuleSource] = []
    where: dict[str, str] = {}
    broken: set[str] = set()

    texts = [layer.texts(problems) for layer in dirs]
    # the YAML of every file, the last layers (uploads, --rules) first: a hostile file is refused at once,
    # before the bundled rules are read
    loaded = {
        (n, k): _parse(path, data, dirs[n].bundled)
        for n in reversed(range(len(texts)))
        for k, (path, _, data) in enumerate(texts[n])
    }
    for n, (layer, files) in enumerate(zip(dirs, texts, strict=True)):
        sources.append(RuleSource(layer.source_name, _layer_hash(files), len(files)))
        seen_here: dict[str, str] = {}
        for k, (path, _, _) in enumerate(files):
            lines: dict[tuple[str, int], int] = {}
            raw, problem = loaded.pop((n, k))
            if problem is not None:
                problems.append(problem)
                continue
            parsed = _read_file(path, raw, problems, broken, lines)
            if parsed is None:
                continue
            stores: tuple[tuple[str, Sequence[_Item], dict[str, Any]], ...] = (
                ("sources", parsed.sources, cited),
                ("concepts", parsed.concepts, concepts),
                ("indicators", parsed.indicators, indicators),
                ("combinations", parsed.combinations, combinations),
                ("frameworks", parsed.frameworks, frameworks),
                ("checklist", parsed.checklist, checklist),
            )
            for kind, items, store in stores:
                for i, item in enumerate(items):
                    line = lines.get((kind, i), 1)
                    key = f"{kind}:{item.id}"
                    if key in seen_here:
                        problems.append(
                            f"{path}:{line}: duplicate id '{item.id}' (first in {seen_here[key]})"
                        )
                        continue
                    seen_here[key] = f"{path}:{line}"
                    where[key if kind in ("concepts", "sources") else item.id] = f"{path}:{line}"
                    store[item.id] = (item, layer.citation_base) if kind == "sources" else item
            if parsed.tiers is not None:
                tiers = parsed.tiers
            if parsed.watchlist is not None:
                watchlist_points = parsed.watchlist
            if parsed.matching is not None:
                matching = parsed.matching
            if parsed.enforcement is not None:
                enforcement = _with_actions(enforcement, parsed.enforcement)
            for i, change in enumerate(parsed.override):
                overrides.append((f"{path}:{lines.get(('override', i), 1)}", change))
            disabled.extend((f"{path}", ident) for ident in parsed.disable)
        # a layer's overrides and disables act on everything loaded so far, whatever the file order
        for place, change in overrides:
            target: dict[str, Any] | None = (
                indicators if change.id in indicators else combinations if change.id in combinations else None
            )
            if target is None:
                hint = _did_you_mean(change.id, [*indicators, *combinations])
                problems.append(f"{place}: override names unknown id '{change.id}'{hint}")
                continue
            try:
                target[change.id] = change.apply(target[change.id])
            except ValidationError as exc:
                problems.append(f"{place}: override of '{change.id}': {exc.errors()[0]['msg']}")
        for place, ident in disabled:
            if ident not in indicators and ident not in combinations:
                problems.append(f"{place}: disable names unknown id '{ident}'")
            indicators.pop(ident, None)
            combinations.pop(ident, None)
        overrides.clear()
        disabled.clear()

    _tie_citations(_Sources(cited), where, problems, indicators, combinations, frameworks, checklist)
    enforcement = _tie_actions(_Sources(cited), enforcement, problems)
    if broken:  # items that failed validation: their ids and tags are not reported again as unknown
        return _finish(problems, tiers, indicators, combinations, frameworks, checklist, sources, dirs)
    for ind in indicators.values():
        for ref in _concept_refs(ind):
            if ref not in concepts:
                hint = _did_you_mean(ref, concepts)
                problems.append(f"{where[ind.id]}: {ind.id}: unknown concept '{ref}'{hint}")
        for ref in ind.unless_fired:
            if ref not in indicators:
                hint = _did_you_mean(ref, indicators)
                problems.append(
                    f"{where[ind.id]}: {ind.id}: unless_fired names unknown indicator '{ref}'{hint}"
                )
    known_tags = {tag for ind in indicators.values() for tag in ind.tags}
    for combo in combinations.values():
        for options in combo.all_of:
            for ref in options:
                if ref.startswith("tag:"):
                    if ref[4:] not in known_tags:
                        problems.append(f"{where[combo.id]}: {combo.id}: no indicator has tag '{ref[4:]}'")
                elif ref not in indicators:
                    hint = _did_you_mean(ref, indicators)
                    problems.append(f"{where[combo.id]}: {combo.id}: unknown indicator '{ref}'{hint}")
    for item in checklist.values():
        for ref in item.when:
            if ref == "always" or ref.startswith(("category:", "tag:")):
                continue
            if ref not in indicators and ref not in combinations:
                problems.append(f"{where[item.id]}: {item.id}: 'when' names unknown indicator '{ref}'")
    for action in enforcement.actions:
        if action.id in indicators or action.id in combinations:
            problems.append(f"{where[action.id]}: enforcement action '{action.id}' has an indicator's id")
    ruleset = _finish(problems, tiers, indicators, combinations, frameworks, checklist, sources, dirs)
    ruleset.watchlist = watchlist_points
    ruleset.matching = matching
    ruleset.enforcement = enforcement
    used = {name for ind in indicators.values() for name in _concept_refs(ind)}
    ruleset.concepts = [c for c in concepts.values() if c.id in used]
    ruleset.cited = {ident: entry for ident, (entry, _) in cited.items()}
    return ruleset


def _with_actions(held: EnforcementList, given: EnforcementList) -> EnforcementList:
    """The enforcement list with a file's actions added (an action given again by id replaces the earlier
    one), its ``as_of`` the latest and its points the file's when it gives them."""
    actions = {a.id: a for a in held.actions}
    for action in given.actions:
        actions[action.id] = action
    dates = [d for d in (held.as_of, given.as_of) if d is not None]
    return EnforcementList(
        as_of=max(dates) if dates else None,
        points=given.points if "points" in given.model_fields_set else held.points,
        actions=list(actions.values()),
    )


def _tie_actions(sources: _Sources, enforcement: EnforcementList, problems: list[str]) -> EnforcementList:
    """The enforcement actions with their citations tied to their sources; an event or a citation naming an
    unknown source, or a quote that cannot be checked, is a problem."""
    tied_actions = []
    for action in enforcement.actions:
        for event in action.events:
            if sources.find(event.source) is None:
                hint = _did_you_mean(event.source, sources.entries)
                problems.append(
                    f"enforcement: {action.id}: {event.date}: unknown source '{event.source}'{hint}"
                )
        tied: list[Citation] = []
        for citation in action.citations:
            checked = sources.check(citation)
            if isinstance(checked, str):
                problems.append(f"enforcement: {action.id}: {checked}")
            else:
                tied.append(checked)
        tied_actions.append(action.model_copy(update={"citations": tied}))
    return enforcement.model_copy(update={"actions": tied_actions})


def _tie_citations(
    sources: _Sources,
    where: dict[str, str],
    problems: list[str],
    indicators: dict[str, Indicator],
    combinations: dict[str, Combination],
    frameworks: dict[str, Framework],
    checklist: dict[str, ChecklistItem],
) -> None:
    """Tie every citation of the layered indicators and combinations to its source (in place), and check the
    sources frameworks and checklist items name; each problem, with the item's place and id, into
    ``problems``."""
    items: tuple[dict[str, Any], ...] = (indicators, combinations)
    for store in items:
        for ident, item in store.items():
            tied: list[Citation] = []
            for citation in item.citations:
                checked = sources.check(citation)
                if isinstance(checked, str):
                    problems.append(f"{where[ident]}: {ident}: {checked}")
                else:
                    tied.append(checked)
            store[ident] = item.model_copy(update={"citations": tied})
    for named in (frameworks, checklist):
        for ident, entry in named.items():
            for ref in entry.sources:
                if sources.find(ref) is None:
                    hint = _did_you_mean(ref, sources.entries)
                    problems.append(f"{where[ident]}: {ident}: unknown source '{ref}'{hint}")


def _finish(
    problems: list[str],
    tiers: Tiers | None,
    indicators: dict[str, Indicator],
    combinations: dict[str, Combination],
    frameworks: dict[str, Framework],
    checklist: dict[str, ChecklistItem],
    sources: list[RuleSource],
    dirs: Sequence[RuleLayer],
) -> RuleSet:
    if tiers is None:
        problems.append(
            f"{dirs[0].name}: no 'tiers:' thresholds in any rule file — add tiers: {{high, medium, low}}"
        )
    if not indicators and not problems:
        problems.append(f"{dirs[0].name}: no indicators defined")
    if problems:
        raise RulesError(f"{len(problems)} problem(s) in the rule files", problems=problems)
    assert tiers is not None
    return RuleSet(
        indicators=list(indicators.values()),
        combinations=list(combinations.values()),
        tiers=tiers,
        frameworks=list(frameworks.values()),
        checklist=list(checklist.values()),
        sources=sources,
    )


@lru_cache(maxsize=1)
def bundled_sources() -> tuple[tuple[str, tuple[Source, Path]], ...]:
    """The bundled ``rules/sources.yaml`` by id, each with the base its file is found from."""
    path = default_rules_dir() / "sources.yaml"
    problems: list[str] = []
    raw, problem = _parse(str(path), path.read_bytes(), bundled=True)
    parsed = _read_file(str(path), raw, problems, set(), {}) if problem is None else None
    if parsed is None or problem or problems:
        raise RulesError(f"{path}: invalid sources", problems=[problem] if problem else problems)
    return tuple((s.id, (s, project_root())) for s in parsed.sources)


@lru_cache(maxsize=1)
def default_matching() -> MatchingRules:
    """The bundled ``rules/matching.yaml``: the weights a ``ListMatcher`` uses when given none."""
    path = default_rules_dir() / "matching.yaml"
    problems: list[str] = []
    raw, problem = _parse(str(path), path.read_bytes())
    problems.extend([problem] if problem else [])
    parsed = _read_file(str(path), raw, problems, set(), {}) if problem is None else None
    if parsed is None or parsed.matching is None or problems:
        raise RulesError(
            f"{path}: no valid 'matching:' weights",
            problems=problems or [f"{path}:1: add a 'matching:' section"],
        )
    return parsed.matching
