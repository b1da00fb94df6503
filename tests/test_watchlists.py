"""Watchlist files in four formats, list hits in the outputs, IMO numbers, vessels, and blocking recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supplyscreen.cli import cli
from supplyscreen.errors import InputError
from supplyscreen.ingest.watchlist import load_watchlist
from supplyscreen.match.names import NameIndex
from supplyscreen.pipeline.screen import screen

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
    from supplyscreen.match.lists import ListMatcher
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
    from supplyscreen.pipeline import backends
    from supplyscreen.pipeline import screen as api

    lines = ["Supplier,Address,Notes"] + [
        f"Firm {i},{'Hunchun' if i % 7 == 0 else 'Lima'},{'DPRK workers' if i % 11 == 0 else ''}"
        for i in range(900)
    ]
    lines[500] = "Haegumgang Trading Co,Moscow,"
    src = tmp_path / "rows.csv"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    listed = _simple(tmp_path)
    monkeypatch.setattr(backends, "PARALLEL_MIN_ROWS", 100)
    monkeypatch.setattr(backends, "CHUNK_ROWS", 128)
    done: list[int] = []
    forked = api.screen([src], lists=[listed], workers=2, on_progress=done.append)
    single = api.screen([src], lists=[listed], workers=1)
    a, b = forked.to_json(), single.to_json()
    for doc in (a, b):
        doc["run"].pop("started_at")
    assert a == b
    assert sum(done) == 900 and len(done) == 8
    assert forked.suppliers[499].verdict.presumption


# --- what lists say besides names (issue 11) ---------------------------------------------------------------


def _kinds(entry: object) -> set[tuple[str, str, str]]:
    return {(i.kind, i.value, i.country) for i in entry.identifiers}  # type: ignore[attr-defined]


def test_ofac_remarks_aliases_identifiers_and_countries(tmp_path: Path) -> None:
    folder = tmp_path / "ofac"
    folder.mkdir()
    (folder / "sdn.csv").write_text(
        '9345,"KOREA MINING DEVELOPMENT TRADING CORPORATION",-0- ,"NPWMD] [DPRK2",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        "\"Secondary sanctions risk: North Korea Sanctions Regulations; a.k.a. 'KOMID'; f.k.a. 'CHANGGWANG SINYONG "
        "CORPORATION'.\"\n"
        '15000,"CHON MA SAN","vessel","DPRK",-0- ,-0- ,"Oil Tanker",-0- ,-0- ,"Korea, North",-0- ,'
        '"Vessel Registration Identification IMO 8660313; MMSI 445539000; Linked To: KOREA KUMBYOL TRADING."\n'
        '25562,"EP-ITC","aircraft","IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        '"Aircraft Model ATR-72; Aircraft Manufacturer\'s Serial Number (MSN) 1390; Aircraft Tail Number EP-ITC."\n'
        '22508,"VVB, PAO",-0- ,"UKRAINE-EO13685",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
        '"SWIFT/BIC YARORU21; BIK (RU) 046711106; Tax ID No. 7604033479 (Russia)."\n',
        encoding="utf-8",
    )
    (folder / "add.csv").write_text(
        '9345,1,-0- ,"Pyongyang","Korea, North",-0- \n22508,2,"3A ul., 4-ya Bastionnaya","Sevastopol, Crimea","Ukraine",-0- \n',
        encoding="utf-8",
    )
    entries = {e.entry_id: e for e in load_watchlist(folder / "sdn.csv").entries}
    komid = entries["SDN 9345"]
    assert komid.aliases == ("KOMID", "CHANGGWANG SINYONG CORPORATION")  # a.k.a. and f.k.a. in the remarks
    assert "Linked To" not in " ".join(entries["SDN 15000"].aliases)
    assert komid.country_codes == ("KP",) and komid.addresses == ("Pyongyang, Korea, North",)
    vessel = entries["SDN 15000"]
    assert vessel.imo == ("8660313",) and {("imo", "8660313", ""), ("mmsi", "445539000", "")} <= _kinds(
        vessel
    )
    assert vessel.country_codes == ("KP",)  # the flag column
    aircraft = entries["SDN 25562"]
    assert aircraft.type == "aircraft" and ("aircraft", "EPITC", "") in _kinds(aircraft)
    bank = entries["SDN 22508"]
    assert set(bank.country_codes) == {"UA", "RU"}  # an address in Crimea; SWIFT, BIK and tax number Russian
    assert ("tax", "7604033479", "RU") in _kinds(bank) and ("sdn", "22508", "") in _kinds(bank)


def test_ftm_identifiers_and_countries(tmp_path: Path) -> None:
    lines = [
        {
            "id": "v1",
            "schema": "Vessel",
            "caption": "CHON MA SAN",
            "properties": {
                "name": ["CHON MA SAN"],
                "imoNumber": ["IMO 8660313"],
                "mmsi": ["445539000"],
                "flag": ["kp"],
            },
        },
        {
            "id": "c1",
            "schema": "Company",
            "caption": "LLC CST",
            "properties": {
                "name": ["LLC CST"],
                "innCode": ["1841015504"],
                "registrationNumber": ["1091841000624"],
                "swiftBic": ["ABCDRUMM"],
                "jurisdiction": ["ru"],
            },
        },
        {
            "id": "a1",
            "schema": "Airplane",
            "caption": "EP-ITC",
            "properties": {"name": ["EP-ITC"], "country": ["ir"]},
        },
    ]
    path = tmp_path / "entities.ftm.json"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    vessel, company, aircraft = load_watchlist(path).entries
    assert vessel.imo == ("8660313",) and ("mmsi", "445539000", "") in _kinds(vessel)
    assert vessel.country_codes == ("KP",)
    assert {
        ("tax", "1841015504", "RU"),
        ("registration", "1091841000624", "RU"),
        ("swift", "ABCDRUMM", ""),
    } <= _kinds(company)
    assert company.country_codes == ("RU",)
    assert aircraft.type == "aircraft" and aircraft.country_codes == ("IR",)


def test_simple_csv_keeps_an_explicit_imo_with_a_wrong_check_digit(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "name,aliases,type,country,identifiers,source,reason\n"
        "Sea Pearl,,vessel,KP,IMO 9912348,ACME,\n"
        "Kum Song 7,,vessel,KP,9912347,ACME,\n"
        "Kum Song 8,,vessel,KP,9912348,ACME,\n",
        encoding="utf-8",
    )
    pearl, seven, eight = load_watchlist(path).entries
    assert pearl.imo == () and _kinds(pearl) == {("imo", "9912348", "")}  # kept for an equal explicit number
    assert seven.imo == ("9912347",)  # a bare number: read because its check digit holds
    assert _kinds(eight) == set()


@needs_shared
def test_ofac_snapshot_reads_remark_names_and_identifiers() -> None:
    entries = {e.entry_id: e for e in load_watchlist(OFAC).entries}
    assert "KOMID" in entries["SDN 9345"].aliases
    assert entries["SDN 25562"].type == "aircraft"
    assert "RU" in entries["SDN 22508"].country_codes
    vessels = [e for e in load_watchlist(OFAC).entries if e.type == "vessel"]
    assert sum(1 for e in vessels if e.imo) > 350


OK_LINE = '{"id": "c1", "schema": "Company", "properties": {"name": ["Acme"]}}\n'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, r"^l\.ftm\.json: line 2 is not JSON \(RecursionError\)"),
        ("[" * 3, r"^l\.ftm\.json: line 2 is not JSON \("),
        ('{"id": ' + "1" * 5000 + "}", r"^l\.ftm\.json: line 2 is not JSON \(ValueError\)"),
        ("[1]", r"^l\.ftm\.json: line 2 is not an FtM entity"),
        ('"text"', r"^l\.ftm\.json: line 2 is not an FtM entity"),
    ],
)
def test_hostile_ftm_lines_are_one_line_errors(line: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_watchlist((OK_LINE + line + "\n").encode(), "l.ftm.json")


def test_ftm_values_of_other_types_are_left_out() -> None:
    odd = (
        '{"id": 7, "schema": "Company", "caption": ["x"], "datasets": "y",'
        ' "properties": {"name": "Acme", "alias": ["Acme Ltd", 3]}}'
    )
    (entry,) = load_watchlist((OK_LINE + odd + "\n").encode(), "l.ftm.json").entries[1:]
    assert (entry.entry_id, entry.name, entry.aliases, entry.source) == (
        "7",
        "Acme Ltd",
        ("Acme Ltd",),
        "OpenSanctions",
    )
