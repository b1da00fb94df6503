"""The bundled samples: risky rows are flagged, traps stay low, and the generator is deterministic."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from supplyscreen.pipeline.screen import ScreeningResult, screen

from .conftest import SAMPLES

TIER_ORDER = ["clear", "low", "medium", "high"]


@pytest.fixture(scope="module")
def screened() -> ScreeningResult:
    return screen([SAMPLES / "vendors.xlsx", SAMPLES / "seafood_shipments.xlsx"])


@pytest.fixture(scope="module")
def labels() -> dict[tuple[str, str, int], tuple[str, str]]:
    with (SAMPLES / "labels.csv").open(encoding="utf-8") as handle:
        return {
            (r["file"], r["sheet"], int(r["row"])): (r["label"], r["why"]) for r in csv.DictReader(handle)
        }


def test_samples_are_big_and_messy_enough(screened: ScreeningResult) -> None:
    vendors = screened.inputs[0]
    assert vendors.rows >= 60 and len(vendors.sheets) >= 2
    assert any(sh.header_row > 1 for sh in vendors.sheets)


def test_every_row_is_labelled(
    screened: ScreeningResult, labels: dict[tuple[str, str, int], tuple[str, str]]
) -> None:
    keys = {(Path(s.sheet.file).name, s.sheet.sheet or "", s.row) for s in screened.suppliers}
    assert keys == set(labels)


def test_risky_rows_are_flagged_and_traps_stay_low(
    screened: ScreeningResult, labels: dict[tuple[str, str, int], tuple[str, str]]
) -> None:
    wrong = []
    counts: Counter[str] = Counter()
    for s in screened.suppliers:
        label, why = labels[(Path(s.sheet.file).name, s.sheet.sheet or "", s.row)]
        rank = TIER_ORDER.index(s.verdict.tier)
        ok = {"risky": rank >= 2, "trap": rank <= 1, "ordinary": rank <= 2}[label]
        counts[f"{label}:{'ok' if ok else 'wrong'}"] += 1
        if not ok:
            wrong.append(
                f"{label} {s.sheet.sheet} row {s.row} {s.name!r} -> {s.verdict.tier} {s.verdict.score}: {why}"
            )
    assert not wrong, "\n".join(wrong)
    assert counts["risky:ok"] >= 20 and counts["trap:ok"] >= 15


def test_generator_is_deterministic(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(SAMPLES / "generate.py"), str(tmp_path)], check=True)
    for name in ("vendors.xlsx", "seafood_shipments.xlsx"):
        fresh = openpyxl.load_workbook(tmp_path / name)
        bundled = openpyxl.load_workbook(SAMPLES / name)
        assert fresh.sheetnames == bundled.sheetnames
        for ws in bundled.worksheets:
            assert [[c.value for c in row] for row in ws.iter_rows()] == [
                [c.value for c in row] for row in fresh[ws.title].iter_rows()
            ]
    assert (tmp_path / "labels.csv").read_bytes() == (SAMPLES / "labels.csv").read_bytes()
