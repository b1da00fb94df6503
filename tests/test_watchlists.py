"""Watchlist files in four formats, list hits in the outputs, IMO numbers, vessels, and blocking recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyscreen.api import screen
from supplyscreen.cli import cli
from supplyscreen.errors import InputError
from supplyscreen.names import NameIndex
from supplyscreen.watchlist import load_watchlist

from .conftest import SHARED

OFAC = SHARED / "data" / "ofac-sdn" / "sdn.csv"
FTM = SHARED / "data" / "opensanctions" / "entities.ftm.json"
needs_shared = pytest.mark.skipif(not OFAC.exists(), reason="../shared/data not beside the project")

SIMPLE = (
    "name,aliases,type,country,identifiers,source,reason\n"
    "Haegumgang Trading Corporation,Haegumgang Trading;HGG,organization,KP,,ACME list,DPRK labour exporter to Russia\n"
    "Golden Bridge Manpower,,organization,CN,,ACME list,Recruits crews for distant-water fleets\n"
    "Kum Song 7,,vessel,KP,IMO 9912347,ACME list,DPRK fishing vessel\n"
)


def _simple(tmp_path: Path) -> Path:
    path = tmp_path / "acme-list.csv"
    path.write_text(SIMPLE, encoding="utf-8")
    return path


def test_simple_csv(tmp_path: Path) -> None:
    wl = load_watchlist(_simple(tmp_path))
    assert wl.format == "simple" and len(wl.entries) == 3
    first = wl.entries[0]
    assert first.aliases == ("Haegumgang Trading", "HGG") and first.nexus and first.dprk
    assert not wl.entries[1].nexus and wl.entries[2].imo == ("9912347",)


def test_targets_simple_csv(tmp_path: Path) -> None:
    path = tmp_path / "targets.simple.csv"
    path.write_text(
        "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,dataset,"
        "first_seen,last_seen,last_change\n"
        "NK-1,Company,Korea Namgang Trading Corporation,Namgang Trading,,kp,,,US OFAC DPRK3,,,sanctions,,,\n"
        "NK-2,Vessel,Rung Ra 1,,,kp,,9074729,US OFAC DPRK4,,,sanctions,,,\n",
        encoding="utf-8",
    )
    wl = load_watchlist(path)
    assert wl.format == "opensanctions-targets"
    assert [e.type for e in wl.entries] == ["organization", "vessel"]
    assert wl.entries[0].nexus and wl.entries[1].imo == ("9074729",)


@needs_shared
def test_ofac_sdn_with_alt_and_add() -> None:
    wl = load_watchlist(OFAC)
    assert wl.format == "ofac-sdn" and len(wl.entries) > 8000
    rungrado = next(e for e in wl.entries if e.entry_id == "SDN 19613")
    assert rungrado.name == "KOREA RUNGRADO GENERAL TRADING CORPORATION"
    assert "RYNRADO" in rungrado.aliases  # from alt.csv beside it
    assert "Korea, North" in rungrado.countries  # from add.csv beside it
    assert rungrado.programs == ("DPRK3",) and rungrado.nexus
    vessel = next(e for e in wl.entries if e.name == "CHONG CHON GANG")
    assert vessel.type == "vessel" and vessel.imo == ("7937317",)
    person = next(e for e in wl.entries if e.entry_id == "SDN 12211")
    assert person.type == "person" and person.name == "Yong Chol KIM"


@needs_shared
def test_opensanctions_ftm() -> None:
    wl = load_watchlist(FTM)
    assert wl.format == "opensanctions-ftm" and wl.entries
    assert {e.type for e in wl.entries} <= {"organization", "person", "vessel"}


def test_unknown_format_names_the_expected_columns(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("company,land\nX,Y\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_watchlist(path)
    assert str(info.value) == (
        f"{path}: not a watchlist format supplyscreen knows (columns seen: 'company', 'land') — use the simple "
        "CSV (name,aliases,type,country,identifiers,source,reason), OFAC's sdn.csv, or an OpenSanctions "
        "targets.simple.csv or FtM JSON-lines export"
    )


def test_list_hits_name_the_list_entry_alias_and_similarity(tmp_path: Path) -> None:
    src = tmp_path / "vendors.csv"
    src.write_text(
        "Supplier,Country,Vessel,Notes\n"
        "HAEGUMGANG TRADING CO LTD,China,,\n"
        "Golden Bridge Manpower Ltd,China,,\n"
        "Zhoushan Fishing,China,Kum Song 7,\n"
        "Ningbo Reefer,China,,transhipped from IMO9912347 last month\n"
        "Plain Wines,Chile,,\n",
        encoding="utf-8",
    )
    result = screen([src], lists=[_simple(tmp_path)])
    by_name = {s.name: s for s in result.suppliers}
    hit = next(h for h in by_name["HAEGUMGANG TRADING CO LTD"].verdict.hits if h.category == "watchlist")
    assert hit.list is not None
    assert {k: hit.list[k] for k in ("source", "entry", "entry_id")} == {
        "source": str(tmp_path / "acme-list.csv"),
        "entry": "row 2: Haegumgang Trading Corporation",
        "entry_id": "row 2",
    }
    assert hit.list["threshold"] == 0.88 and hit.list["score"] == hit.similarity
    assert [c["name"] for c in hit.list["comparisons"]][:1] == ["name"]
    assert hit.list["why"].startswith("kept: name 1.00")
    assert hit.matched in ("Haegumgang Trading Corporation", "Haegumgang Trading") and hit.similarity >= 0.88
    assert by_name["HAEGUMGANG TRADING CO LTD"].verdict.presumption  # a DPRK labour exporter
    golden = by_name["Golden Bridge Manpower Ltd"].verdict
    assert any(h.category == "watchlist" for h in golden.hits) and not golden.presumption
    vessel = next(h for h in by_name["Zhoushan Fishing"].verdict.hits if h.category == "watchlist")
    assert (vessel.field, vessel.matched) == ("vessel", "Kum Song 7")
    imo = next(h for h in by_name["Ningbo Reefer"].verdict.hits if h.category == "watchlist")
    assert (imo.field, imo.text, imo.similarity) == ("notes", "IMO 9912347", 1.0)
    assert not by_name["Plain Wines"].verdict.hits
    assert result.lists == [
        {"path": str(tmp_path / "acme-list.csv"), "sha256": result.lists[0]["sha256"], "entries": 3}
    ]


def test_every_row_of_a_listed_name_is_hit(tmp_path: Path) -> None:
    from supplyscreen.listmatch import ListMatcher
    from supplyscreen.rules import load_rules

    matcher = ListMatcher([load_watchlist(_simple(tmp_path))], load_rules(None).watchlist)
    rows = [
        {"name": n}
        for n in ("Haegumgang Trading", "Plain Wines", "", "Haegumgang Trading", "Haegumgang Trading")
    ]
    hits = matcher.match_rows(rows)
    assert sorted(hits) == [0, 3, 4]
    assert all(h.text == "Haegumgang Trading" and h.similarity == 1.0 for i in (0, 3, 4) for h in hits[i])


def test_near_misses_do_not_hit_the_list(tmp_path: Path) -> None:
    src = tmp_path / "vendors.csv"
    src.write_text("Supplier,Vessel\nHaegumgang Hotel Management,\nSea Star,Kum Song 8\n", encoding="utf-8")
    result = screen([src], lists=[_simple(tmp_path)])
    assert all(h.category != "watchlist" for s in result.suppliers for h in s.verdict.hits)


def test_cli_list_option_and_json(tmp_path: Path) -> None:
    src = tmp_path / "vendors.csv"
    src.write_text("Supplier\nHaegumgang Trading Corp\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["screen", str(src), "--list", str(_simple(tmp_path)), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert data["run"]["lists"][0]["entries"] == 3
    hits = [h for h in data["suppliers"][0]["hits"] if h["list"] is not None]
    assert hits and hits[0]["list"]["entry"].startswith("row 2")


def test_blocking_recall_against_exhaustive() -> None:
    import random

    rng = random.Random(7)
    syllables = (
        "ka ren to mi sel var lo den tra bis kor nel fa ri um qua ber gen sta vi dor mon tel pas".split()
    )

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randrange(2, 4))).capitalize()

    listed = [f"{word()} {word()}" for _ in range(3000)]
    queries = []
    for _ in range(3000):
        name = rng.choice(listed) if rng.random() < 0.2 else f"{word()} {word()}"
        if rng.random() < 0.5:
            i = rng.randrange(len(name))
            name = name[:i] + name[i + 1 :]  # a typo
        queries.append(name + " Trading Co., Ltd.")
    index = NameIndex(listed)
    blocked = {(m.query, m.target) for m in index.match(queries)}
    exhaustive = {(m.query, m.target) for m in index.match_exhaustive(queries)}
    assert len(exhaustive) > 300
    assert len(blocked & exhaustive) / len(exhaustive) >= 0.99
    assert blocked <= exhaustive


def test_worker_processes_give_the_same_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from supplyscreen import api

    lines = ["Supplier,Address,Notes"] + [
        f"Firm {i},{'Hunchun' if i % 7 == 0 else 'Lima'},{'DPRK workers' if i % 11 == 0 else ''}"
        for i in range(900)
    ]
    lines[500] = "Haegumgang Trading Co,Moscow,"
    src = tmp_path / "rows.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    listed = _simple(tmp_path)
    monkeypatch.setattr(api, "PARALLEL_MIN_ROWS", 100)
    monkeypatch.setattr(api, "CHUNK_ROWS", 128)
    done: list[int] = []
    forked = api.screen([src], lists=[listed], workers=2, on_progress=done.append)
    single = api.screen([src], lists=[listed], workers=1)
    a, b = forked.to_json(), single.to_json()
    for doc in (a, b):
        doc["run"].pop("started_at")
    assert a == b
    assert sum(done) == 900 and len(done) == 8
    assert forked.suppliers[499].verdict.presumption
