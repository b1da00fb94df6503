"""Streaming: JSON and CSV reports written chunk by chunk while a CSV input is read as it is screened give
exactly the bytes of the reports written from a result held whole, and leave nothing behind when stopped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyscreen import report
from supplyscreen.cli import cli
from supplyscreen.ingest.layout import HEADER_SCAN_ROWS
from supplyscreen.ingest.read import read_input
from supplyscreen.pipeline import backends
from supplyscreen.pipeline import screen as api


def _rows(n: int) -> list[str]:
    out = []
    for i in range(n):
        if i % 97 == 13:
            out.append(",,,")  # a blank row inside the table: counted, not screened
        elif i % 50 == 7:
            out.append(
                f'"Hunchun Seafood {i}, Ltd.",China,"Binhai Road,\nHunchun",Frozen pollock'
            )  # quoted newline
        elif i % 61 == 3:
            out.append(f",Russia,Vladivostok,Logging {i}")  # no name: kept and screened on the rest
        else:
            out.append(f"Firm {i},Chile,Santiago,Wine")
    return out


def _csv(tmp_path: Path, rows: list[str], head: list[str] | None = None, tail: int = 3) -> Path:
    src = tmp_path / "big.csv"
    lines = [*(head or []), "Supplier,Country,Address,Goods", *rows, *[""] * tail]
    src.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return src


def _strip_time(data: bytes) -> bytes:
    return re.sub(rb'"started_at": "[^"]*"', b"", data)


@pytest.mark.parametrize("workers", [1, 2])
def test_streamed_reports_equal_the_reports_of_a_whole_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(backends, "PARALLEL_MIN_ROWS", 100)
    monkeypatch.setattr(backends, "CHUNK_ROWS", 64)
    src = _csv(tmp_path, _rows(700), head=["Vendor master export", ""])
    streamed, _ = report.screen_to_reports([src], tmp_path / "a", ["json", "csv"], workers=workers)
    assert streamed.inputs[0].sheets[0].stream is not None  # it really streamed
    whole = api.screen([src], workers=workers)
    report.write_reports(whole, tmp_path / "b", ["json", "csv"])
    for name in ("results.json", "results.csv"):
        a, b = ((tmp_path / d / name).read_bytes() for d in "ab")
        assert _strip_time(a) == _strip_time(b), name
    doc = json.loads((tmp_path / "a/results.json").read_text(encoding="utf-8"))
    blank = sum(1 for i in range(700) if i % 97 == 13)
    assert doc["summary"]["rows"] == doc["run"]["inputs"][0]["rows"] == 700 - blank == whole.rows
    assert streamed.inputs[0].sheets[0].blank_rows == whole.inputs[0].sheets[0].blank_rows == blank
    rows = [s["source"]["row"] for s in doc["suppliers"]]
    assert rows == [s.row for s in whole.suppliers] and rows[0] == 4  # title, blank, header, then data
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["results.csv", "results.json"]


def test_a_small_or_oddly_encoded_csv_is_read_whole(tmp_path: Path) -> None:
    small = _csv(tmp_path, _rows(HEADER_SCAN_ROWS - 5))
    assert read_input(small, stream=True).sheets[0].stream is None
    mixed = tmp_path / "mixed.csv"
    lines = ["Supplier,Country", *[f"Café {i},Chile" for i in range(100)], "Société Générale,France"]
    mixed.write_bytes("\n".join(lines[:-1]).encode() + b"\n" + lines[-1].encode("cp1252") + b"\n")
    read = read_input(mixed, stream=True)
    assert read.sheets[0].stream is None and read.rows == 101 and read.kind == "csv (utf-8 + cp1252)"


def test_streamed_head_errors_are_the_same_one_liners(tmp_path: Path) -> None:
    src = tmp_path / "noname.csv"
    src.write_text("Colour,Size\n" + "red,1\n" * 100, encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o"), "--format", "json"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {src}: no supplier name column found (headers seen: 'Colour', 'Size') — "
        "name it e.g. 'Supplier Name', or pass --map name=HEADER\n"
    )


def test_cli_streams_json_and_csv_and_says_so(tmp_path: Path) -> None:
    src = _csv(tmp_path, _rows(200), tail=0)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["screen", str(src), "--out", str(out), "--format", "json,csv"])
    assert result.exit_code == 0, result.output
    assert re.search(
        rf"{src}: csv \(utf-8-sig\), about 2\d\d rows \(read as they are screened\)", result.stdout
    )
    assert "Screened 198 rows:" in result.stdout  # 200 minus the two blank ones
    assert json.loads((out / "results.json").read_text(encoding="utf-8"))["summary"]["rows"] == 198


def test_an_interrupted_stream_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _csv(tmp_path, _rows(300))
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("old", encoding="utf-8")
    calls = []

    def stop_after_two(*args: object) -> bytes:
        calls.append(1)
        if len(calls) > 2:
            raise KeyboardInterrupt
        return b""

    monkeypatch.setattr(report, "ENCODERS", {"json": stop_after_two, "csv": stop_after_two})
    monkeypatch.setattr(backends, "CHUNK_ROWS", 50)
    with pytest.raises(KeyboardInterrupt):
        report.screen_to_reports([src], out, ["json", "csv"], force=True)
    assert [p.name for p in out.iterdir()] == ["results.json"]  # no .part file; the old report untouched
    assert (out / "results.json").read_text(encoding="utf-8") == "old"


def test_a_dask_cluster_gives_the_same_reports(tmp_path: Path) -> None:
    src = _csv(tmp_path, _rows(400))
    runner = CliRunner()
    for out, extra in (("dask", ["--scheduler", "local", "--workers", "2"]), ("local", ["--workers", "1"])):
        args = ["screen", str(src), "--out", str(tmp_path / out), "--format", "json,csv", "-q", *extra]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
    for name in ("results.json", "results.csv"):
        a, b = ((tmp_path / d / name).read_bytes() for d in ("dask", "local"))
        assert _strip_time(a) == _strip_time(b), name


def test_an_unreachable_scheduler_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backends, "DASK_CONNECT_TIMEOUT", "1s")
    src = _csv(tmp_path, _rows(40))
    args = ["screen", str(src), "--out", str(tmp_path / "o"), "--scheduler", "tcp://127.0.0.1:1"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: cannot reach the Dask scheduler at tcp://127.0.0.1:1 (Timed out trying to connect to "
        "tcp://127.0.0.1:1 after 1 s) — check the address (tcp://HOST:8786) and that the scheduler is running\n"
    )


def test_fail_on_counts_streamed_rows(tmp_path: Path) -> None:
    src = _csv(tmp_path, _rows(120))  # the Hunchun seafood rows reach high
    args = ["screen", str(src), "--out", str(tmp_path / "o"), "--format", "json", "--fail-on", "high"]
    result = CliRunner().invoke(cli, args)
    doc = json.loads((tmp_path / "o/results.json").read_text(encoding="utf-8"))
    high = doc["summary"]["by_tier"]["high"]
    assert high == sum(1 for s in doc["suppliers"] if s["tier"] == "high") > 0
    assert result.exit_code == 3
    assert f"--fail-on high: {high} supplier(s) at or above high" in result.stderr
