"""Assign each row of ``corpus.csv`` to the ``dev`` or ``test`` split, once, by a fixed seed.

Run:    .venv/bin/python tests/eval/text/split.py [--check] [--corpus PATH]
Import: ``assign_splits(rows)`` gives {case: split} for rows with ``case``, ``kind`` and ``lang``.

The split is stratified by (kind, lang): within each stratum the cases are sorted, shuffled with one
``random.Random(SEED)`` (strata taken in sorted order) and cut in half. A stratum of odd size gives its extra
row to ``dev`` and ``test`` in turn, so the two halves stay the same size overall. The result depends only on
the case ids and their (kind, lang), so running the script again rewrites the file byte for byte. Adding or
relabelling rows reshuffles their strata: add rows rarely, and say so in the commit.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

SEED = 20261207
HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus.csv"
COLUMNS = [
    "case",
    "split",
    "lang",
    "kind",
    "expect_presumption",
    "expect_flag",
    "expect_track",
    "name",
    "country",
    "address",
    "description",
    "hs_code",
    "notes",
    "comment",
]
SPLITS = ("dev", "test")


def assign_splits(rows: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """{case: "dev" | "test"}, stratified by (kind, lang), half and half."""
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in rows:
        strata[(row["kind"], row["lang"])].append(row["case"])
    rng = random.Random(SEED)
    out: dict[str, str] = {}
    odd = 0
    for key in sorted(strata):
        cases = sorted(strata[key])
        rng.shuffle(cases)
        half = len(cases) // 2
        if len(cases) % 2:
            half += odd % 2 == 0  # odd strata give their extra row to dev, then test, then dev ...
            odd += 1
        for i, case in enumerate(cases):
            out[case] = "dev" if i < half else "test"
    return out


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames}, expected {COLUMNS}")
        return list(reader)


def render(rows: list[dict[str, str]]) -> str:
    """The corpus as written to disk: UTF-8, header, ``\\n`` line ends, minimal quoting."""
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def with_splits(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    splits = assign_splits(rows)
    return [{**row, "split": splits[row["case"]]} for row in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(CORPUS), help="corpus CSV (default: %(default)s)")
    parser.add_argument(
        "--check", action="store_true", help="only check that the file's split column is up to date"
    )
    args = parser.parse_args(argv)
    path = Path(args.corpus)
    text = path.read_text(encoding="utf-8")
    new = render(with_splits(read_rows(path)))
    if args.check:
        if new != text:
            print(f"{path}: split column is not what split.py assigns; run split.py", file=sys.stderr)
            return 1
        print(f"{path}: split column up to date")
        return 0
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: splits written")
    else:
        print(f"{path}: unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
