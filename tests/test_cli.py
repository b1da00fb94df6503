"""The command line, through click's CliRunner: exit codes and exact error lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyscreen.cli import cli

from .conftest import SAMPLES


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


def _csv(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_screen_writes_three_reports(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = runner.invoke(cli, ["screen", str(SAMPLES / "vendors.xlsx"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "results.json", "results.xlsx"]
    assert "sheet 'Approved Vendors': header row 3; id ← 'Vendor #'; name ← 'Vendor Name'" in result.output
    assert "Screened " in result.output


def test_format_csv_only(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Supplier,Country\nAlpha,Chile\n")
    out = tmp_path / "r"
    result = runner.invoke(cli, ["screen", str(src), "--out", str(out), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert [p.name for p in out.iterdir()] == ["results.csv"]


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["screen", str(tmp_path / "nope.xlsx"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path / 'nope.xlsx'}: no such file — check the path\n"


def test_no_name_column(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Colour,Weight\nred,3\n")
    result = runner.invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {src}: no supplier name column found (headers seen: 'Colour', 'Weight') — "
        "name it e.g. 'Supplier Name', or pass --map name=HEADER\n"
    )
    assert "Traceback" not in result.output


def test_map_fixes_missing_name_column(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Colour,Weight\nred,3\n")
    out = tmp_path / "o"
    result = runner.invoke(cli, ["screen", str(src), "--out", str(out), "--map", "name=Colour"])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["suppliers"][0]["fields"] == {"name": "red"}


def test_bad_map_syntax(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Supplier\nAlpha\n")
    result = runner.invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o"), "--map", "name"])
    assert result.exit_code == 1
    assert result.stderr == "Error: --map 'name' is not FIELD=HEADER — e.g. --map name='Vendor Name'\n"


def test_unknown_format(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Supplier\nAlpha\n")
    result = runner.invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o"), "--format", "pdf"])
    assert result.exit_code == 1
    assert result.stderr == "Error: unknown format 'pdf' — use some of: html,json,xlsx,csv,annotated\n"


def test_existing_report_needs_force(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Supplier\nAlpha\n")
    out = tmp_path / "o"
    assert runner.invoke(cli, ["screen", str(src), "--out", str(out)]).exit_code == 0
    again = runner.invoke(cli, ["screen", str(src), "--out", str(out)])
    assert again.exit_code == 1
    assert again.stderr == (
        f"Error: {out / 'report.html'} already exists — pass --force to overwrite, or choose another --out\n"
    )
    assert runner.invoke(cli, ["screen", str(src), "--out", str(out), "--force"]).exit_code == 0


def test_fail_on(runner: CliRunner, tmp_path: Path) -> None:
    src = _csv(tmp_path, "Supplier,Country\nPyongyang Export Co,DPRK\nAlpha,Chile\n")
    result = runner.invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o"), "--fail-on", "high"])
    assert result.exit_code == 3
    assert "--fail-on high: 1 supplier(s) at or above high" in result.stderr
    clean = _csv(tmp_path, "Supplier,Country\nAlpha,Chile\n", "clean.csv")
    ok = runner.invoke(cli, ["screen", str(clean), "--out", str(tmp_path / "o2"), "--fail-on", "medium"])
    assert ok.exit_code == 0


def test_debug_shows_traceback(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        cli, ["--debug", "screen", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert result.exception is not None and type(result.exception).__name__ == "InputError"


def test_rules_check_bundled(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["rules", "check"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_rules_check_reports_problems(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "rules"
    bad.mkdir()
    (bad / "x.yaml").write_text(
        "tiers: {high: 60, medium: 35, low: 10}\n"
        "indicators:\n"
        "  - id: place.x\n"
        "    name: X\n"
        "    category: place\n"
        "    terms: [x]\n"
        "    pionts: 5\n"
        "    citations: [{source: seeds/000_7239665bc5e7fc8a.txt, quote: not in the file at all}]\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["rules", "check", str(bad)])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "Error: 2 problem(s) in the rule files"
    assert lines[1:] == [
        f"  {bad / 'x.yaml'}:3: place.x: missing required key 'points'",
        f"  {bad / 'x.yaml'}:3: place.x: unknown key 'pionts' (did you mean 'points'?)",
    ]


def test_invisible_characters_are_shown_on_the_terminal(runner: CliRunner, tmp_path: Path) -> None:
    """Supplier text printed by the command (explain's fields and hits, a sheet's notes, an error) shows a
    right-to-left override or a zero-width character as ⟨U+…⟩, never raw; the row is read as it displays."""
    result = runner.invoke(cli, ["explain", "--name", "\u202egnodnaD\u202c Seafood Co", "--country", "China"])
    assert result.exit_code == 0, result.output
    assert "⟨U+202E⟩gnodnaD⟨U+202C⟩ Seafood Co" in result.output and "place.dandong" in result.output
    src = _csv(tmp_path, "\u202eeltiT\nSupplier,Country\nAlpha,Chile\n")  # a title row, noted as skipped
    screened = runner.invoke(cli, ["screen", str(src), "--out", str(tmp_path / "o")])
    assert screened.exit_code == 0, screened.output
    refused = runner.invoke(cli, ["screen", str(_csv(tmp_path, "Col\u200bour\nred\n", "x.csv"))])
    assert refused.exit_code == 1
    for output in (result.output, screened.output, refused.stderr):
        assert not {"\u202e", "\u202c", "\u200b"} & set(output)


def test_version(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("supplyscreen, version ")


def test_a_reader_that_stops_reading_is_no_error() -> None:
    """ "supplyscreen rules list | head -1": the pipe closes under the writer; it stops quietly (SIGPIPE's
    exit status), with nothing on stderr."""
    import subprocess
    import sys

    command = [str(Path(sys.executable).with_name("supplyscreen")), "rules", "list"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) in (0, 141)
    assert err == ""
