"""The due-diligence dossier of one supplier of a stored run: the document an importer attaches to a submission
to CBP. One self-contained HTML file — its CSS inline, and a Content-Security-Policy that lets it make no
request at all — with:

- the supplier as read: file, sheet, row, every field, and the column account of its sheet (which column
  fed which field, which were not screened and why);
- every hit with its evidence: the text matched, the rule, similarity, points, the quoted citations and, for
  a watchlist hit, the list entry and the comparisons behind it; each with the decision in force on it;
- the legal track and what the importer must do, with the checklist of that track: each item's status and
  the documents attached to it;
- the decisions and their history (``review.applied``: from the review hook);
- the run's provenance: tool version, rule set sha256, input files (names, sizes, sha256), rule files and
  watchlists, the run's id and times.

Supplier text is escaped (Jinja autoescape) and its invisible characters shown (``report.html.visible``). The
PDF is the same HTML printed by Chromium, driven by Playwright (:func:`dossier_pdf`).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supplyscreen.errors import ConfigError, InputError
from supplyscreen.report.html import SupplierCard, render
from supplyscreen.review.applied import SupplierReview
from supplyscreen.review.keys import hit_key, supplier_key
from supplyscreen.rules import FIELDS, parse_markets
from supplyscreen.settings import env_name, env_value

if TYPE_CHECKING:
    from supplyscreen.store import Run, Store, Supplier

CHROMIUM_DEFAULT = "/usr/bin/chromium"  # Debian's; also what the browser tests drive
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
PDF_TIMEOUT_MS = 60_000
POSITION = re.compile(r"#?([0-9]{1,9})")
KEY = re.compile(r"(id|name|row):.+", re.DOTALL)


class SupplierNotFound(InputError):
    status = 404


class PdfUnavailable(ConfigError):
    """Playwright or Chromium is missing, or Chromium failed: the web app answers 503."""

    status = 503


def dossier_name(run: Run, supplier: Supplier, ext: str) -> str:
    """The file name a dossier is downloaded as: from the run id and position only, never supplier text."""
    return f"dossier-{run.id[:8]}-{supplier.position}.{ext}"


def find_supplier(store: Store, run: Run, given: str) -> Supplier:
    """The supplier of ``run`` named by ``given``: its position (``12`` or ``#12``, as in the web app's
    supplier page), its supplier key (``id:100102``, ``name:hunchun haifeng|CN``), its id (``100102``) or a
    name it alone contains. A one-line error when none or several match, or when a number is both a position
    and another supplier's id."""
    text = given.strip()
    position = POSITION.fullmatch(text)
    by_position = store.supplier(run.id, int(position.group(1))) if position else None
    if text.startswith("#"):
        if by_position is None:
            raise SupplierNotFound(f"run {run.id[:8]} has no supplier {text}")
        return by_position
    suppliers = store.suppliers(run.id)
    key = text if KEY.fullmatch(text) else supplier_key({"id": text})
    matches = [
        s for s in suppliers if supplier_key(s.supplier.get("fields") or {}, s.supplier.get("source")) == key
    ]
    if by_position is not None and matches and matches != [by_position]:
        raise InputError(
            f"{text!r} is supplier #{by_position.position} and the id of #{matches[0].position}",
            hint=f"write #{text} for the position or id:{text} for the id",
        )
    if by_position is not None:
        return by_position
    if not matches and not KEY.fullmatch(text):
        matches = store.suppliers(run.id, q=text)
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise SupplierNotFound(
            f"no supplier of run {run.id[:8]} is {text!r}",
            hint="give its position (#12), its id, its key (id:…, name:…) or part of its name",
        )
    shown = ", ".join(f"#{s.position} {s.name}" for s in matches[:5]) + (", …" if len(matches) > 5 else "")
    raise InputError(
        f"{len(matches)} suppliers of run {run.id[:8]} match {text!r}: {shown}", hint="give its position"
    )


def dossier_html(
    run: Run,
    supplier: Supplier,
    review: SupplierReview | None = None,
    head: Mapping[str, Any] | None = None,
    generated_at: str = "",
) -> str:
    """The dossier as one self-contained HTML page. ``review`` is the supplier's (``review.applied``), ``head``
    the run's ``results.json`` head (for the column account of the supplier's sheet)."""
    record = supplier.supplier
    review = review or SupplierReview()
    card = SupplierCard.of_json(record, supplier.checklist, parse_markets(run.options.get("markets") or ()))
    hits = [{"hit": h, "key": hit_key(h)} for h in card.hits]
    for h in hits:
        h["decision"] = review.for_hit(h["key"])
        h["needs_review"] = h["key"] in review.needs_review
    labels = {
        h["key"]: f"{h['hit'].get('indicator')} ({h['hit'].get('field')}: “{h['hit'].get('text')}”)"
        for h in hits
    }
    checklist = [{**item, "state": review.checklist.get(str(item.get("id")))} for item in supplier.checklist]
    fields = record.get("fields") or {}
    return render(
        "dossier.html.j2",
        run=run,
        card=card,
        supplier=supplier,
        fields=[(f, str(fields.get(f) or "")) for f in dict.fromkeys([*FIELDS, *fields])],
        sheet=_sheet_of(head, record),
        hits=hits,
        checklist=checklist,
        review=review,
        carried=review.carried(run.id),
        hit_label=lambda key: labels.get(key, key) if key else "the supplier",
        key=supplier_key(fields, record.get("source")),
        when=lambda value: value.replace(microsecond=0).isoformat(sep=" ") + " UTC" if value else "",
        generated_at=generated_at,
    )


def _sheet_of(head: Mapping[str, Any] | None, record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The supplier's sheet in ``results.json``'s head: its layout and column account."""
    where = record.get("source") or {}
    for f in (head or {}).get("run", {}).get("inputs") or []:
        if str(f.get("path") or "") != str(where.get("file") or ""):
            continue
        for sheet in f.get("sheets") or []:
            if (sheet.get("sheet") or None) == (where.get("sheet") or None):
                return dict(sheet)
    return None


# --- the PDF --------------------------------------------------------------------------------------------


def chromium_path() -> str | None:
    """The Chromium that prints PDFs: ``SUPPLYSCREEN_CHROMIUM``, else ``chromium`` on the PATH, else Debian's;
    None when there is none."""
    given = env_value("chromium")
    for candidate in [given] if given else ["chromium", "chromium-browser", CHROMIUM_DEFAULT]:
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found:
            return found
    return None


def dossier_pdf(html: str) -> bytes:
    """The dossier printed to PDF (A4, backgrounds printed) by Chromium through Playwright, every network
    request refused. ConfigError naming what to install when Playwright or Chromium is missing.

    Playwright is driven from a thread of its own: its synchronous API refuses to start where an asyncio loop
    runs (an async caller, a notebook, or another Playwright session of the same thread)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise PdfUnavailable(
            "a PDF needs Playwright",
            hint="pip install 'supplyscreen[pdf]' (and Chromium: apt-get install chromium)",
        ) from exc
    executable = chromium_path()
    if executable is None:
        raise PdfUnavailable(
            "a PDF needs Chromium, which is not installed",
            hint=f"apt-get install chromium, or set {env_name('chromium')} to its path",
        )

    with ThreadPoolExecutor(1, thread_name_prefix="supplyscreen-pdf") as pool:
        return pool.submit(_print, html, executable).result()


def _print(html: str, executable: str) -> bytes:
    """``html`` printed to PDF by the Chromium at ``executable`` (see :func:`dossier_pdf`)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Route, sync_playwright

    def refuse(route: Route) -> None:
        route.abort()

    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True, timeout=PDF_TIMEOUT_MS
            )
            try:
                page = browser.new_page(java_script_enabled=False)
                page.route("**/*", refuse)
                page.set_content(html, wait_until="load", timeout=PDF_TIMEOUT_MS)
                return page.pdf(
                    format="A4",
                    print_background=True,
                    margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
                )
            finally:
                browser.close()
    except PlaywrightError as exc:
        first = (str(exc).strip().splitlines() or ["unknown error"])[0]
        raise PdfUnavailable(
            f"Chromium ({executable}) could not print the PDF: {first}",
            hint=f"check the browser, or set {env_name('chromium')} to a working Chromium",
        ) from exc
