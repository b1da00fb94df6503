"""Watchlists compiled once per content and kept: in memory, on disk, by the CLI and by the web app."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from supplyscreen.cli import cli
from supplyscreen.errors import InputError
from supplyscreen.ingest.sources import Source
from supplyscreen.match.compiled import (
    CACHE_DIR_ENV,
    CompiledLists,
    ListCache,
    cache_dir,
    compile_lists,
    default_cache,
    set_default_cache,
)
from supplyscreen.rules import RuleSet
from supplyscreen.settings import Settings
from supplyscreen.store import Store
from supplyscreen.web.app import create_app

HEADER = "name,aliases,type,country,identifiers,source,reason\n"
LIST = (
    HEADER
    + "Haegumgang Trading Corporation,HGG,organization,KP,,test list,DPRK labour exporter to Russia\n"
    + "Ocean Star,,vessel,KP,IMO 9912347,test list,DPRK-flagged tanker\n"
)
ROWS = [
    {"name": "Haegumgang Trading Corp", "country": "Russia"},
    {"name": "Brennerwerk GmbH", "country": "Germany"},
    {"vessel": "OCEAN STAR (IMO 9912347)"},
]
# OFAC's header-less layout: entity number, name, type, programme, … remarks (12 columns)
SDN = '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0-\n'
ALT = '36,219,"aka","AERO-CARIBBEAN",-0-\n'


def _list(folder: Path, text: str = LIST, name: str = "list.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _compile(ruleset: RuleSet, cache: ListCache, *sources: str | Path | Source) -> CompiledLists:
    return compile_lists(list(sources), ruleset.matching, ruleset.watchlist, cache)


def _hits(compiled: CompiledLists) -> list[tuple[int, str, str, float]]:
    assert compiled.matcher is not None
    found = compiled.matcher.match_rows(ROWS)
    return sorted((i, h.rule, h.matched, h.similarity) for i, hits in found.items() for h in hits)


@pytest.fixture()
def fresh_default(tmp_path: Path) -> Iterator[ListCache]:
    """The process's default cache replaced by an empty one in ``tmp_path`` for one test."""
    before = default_cache()
    cache = ListCache(tmp_path / "default-cache")
    set_default_cache(cache)
    yield cache
    set_default_cache(before)


# --- hits, misses and what the key is made of -------------------------------------------------------------


def test_compiled_once_then_found_in_memory_then_on_disk(tmp_path: Path, ruleset: RuleSet) -> None:
    path = _list(tmp_path)
    first = _compile(ruleset, ListCache(tmp_path / "cache"), path)
    cache = ListCache(tmp_path / "cache")
    from_disk = _compile(ruleset, cache, path)
    from_memory = _compile(ruleset, cache, path)
    assert [first.found, from_disk.found, from_memory.found] == ["compiled", "disk", "memory"]
    assert first.key == from_disk.key == from_memory.key
    assert _hits(first) == _hits(from_disk) == _hits(from_memory)
    assert [h[1] for h in _hits(first)] == [f"watchlist:{path}#row 2", f"watchlist:{path}#row 3"]
    assert (
        from_disk.as_json()
        == first.as_json()
        == [{"path": str(path), "sha256": first.watchlists[0].sha256, "entries": 2}]
    )


def test_the_same_bytes_elsewhere_reuse_the_index_under_their_own_name(
    tmp_path: Path, ruleset: RuleSet
) -> None:
    cache = ListCache(tmp_path / "cache")
    first = _compile(ruleset, cache, _list(tmp_path / "a"))
    moved = _compile(ruleset, cache, _list(tmp_path / "b", name="renamed.csv"))
    uploaded = _compile(ruleset, cache, Source("uploaded.csv", data=LIST.encode()))
    assert moved.found == uploaded.found == "memory" and moved.key == uploaded.key == first.key
    assert {h[1] for h in _hits(moved)} == {
        f"watchlist:{tmp_path / 'b' / 'renamed.csv'}#row {n}" for n in (2, 3)
    }
    assert {h[1] for h in _hits(uploaded)} == {f"watchlist:uploaded.csv#row {n}" for n in (2, 3)}
    assert {h[1] for h in _hits(first)} == {
        f"watchlist:{tmp_path / 'a' / 'list.csv'}#row {n}" for n in (2, 3)
    }


def _change_list(folder: Path, ruleset: RuleSet) -> RuleSet:
    _list(folder, LIST.replace("tanker", "tankes"))
    return ruleset


def _change_companion(folder: Path, ruleset: RuleSet) -> RuleSet:
    (folder / "alt.csv").write_text(ALT.replace("AERO-", "AEREO-"), encoding="utf-8")
    return ruleset


def _change_threshold(folder: Path, ruleset: RuleSet) -> RuleSet:
    assert ruleset.matching is not None
    matching = ruleset.matching.model_copy(update={"threshold": ruleset.matching.threshold - 0.01})
    return dataclasses.replace(ruleset, matching=matching)


def _change_points(folder: Path, ruleset: RuleSet) -> RuleSet:
    points = ruleset.watchlist.model_copy(update={"other": ruleset.watchlist.other + 1})
    return dataclasses.replace(ruleset, watchlist=points)


@pytest.mark.parametrize(
    "change", [_change_list, _change_companion, _change_threshold, _change_points], ids=lambda f: f.__name__
)
def test_a_changed_byte_or_rule_compiles_afresh(
    tmp_path: Path, ruleset: RuleSet, change: Callable[[Path, RuleSet], RuleSet]
) -> None:
    folder = tmp_path / "lists"
    path = _list(folder)
    (folder / "alt.csv").write_text(ALT, encoding="utf-8")  # a companion, read beside any list file
    cache = ListCache(tmp_path / "cache")
    before = _compile(ruleset, cache, path)
    changed_rules = change(folder, ruleset)
    after = _compile(changed_rules, cache, path)
    assert after.found == "compiled" and after.key != before.key
    assert len(list((tmp_path / "cache").glob("*.pickle"))) == 2  # the first is kept too


def test_companions_are_part_of_the_list(tmp_path: Path, ruleset: RuleSet) -> None:
    folder = tmp_path / "ofac"
    sdn = _list(folder, SDN, "sdn.csv")
    cache = ListCache(None)
    alone = _compile(ruleset, cache, sdn)
    (folder / "alt.csv").write_text(ALT, encoding="utf-8")
    with_alt = _compile(ruleset, cache, sdn)
    assert with_alt.found == "compiled" and with_alt.key != alone.key
    assert with_alt.watchlists[0].entries[0].aliases == ("AERO-CARIBBEAN",)
    uploaded = [Source("sdn.csv", data=SDN.encode()), Source("ALT.csv", data=ALT.encode())]
    from_upload = _compile(ruleset, cache, *uploaded)
    assert from_upload.found == "memory" and from_upload.watchlists[0].display == "sdn.csv"


def test_uploaded_companions_without_their_list_are_refused(ruleset: RuleSet) -> None:
    companions = [Source("alt.csv", data=ALT.encode()), Source("add.csv", data=b"")]
    with pytest.raises(InputError, match=r"^alt\.csv: is one of OFAC's companion files"):
        _compile(ruleset, ListCache(None), *companions)


def test_errors_name_the_source_never_a_temporary_path(tmp_path: Path, ruleset: RuleSet) -> None:
    with pytest.raises(InputError, match=r"^mine\.csv: not a watchlist format"):
        _compile(ruleset, ListCache(None), Source("mine.csv", data=b"vendor,city\nAcme,Oslo\n"))
    with pytest.raises(InputError, match=r"missing\.csv: no such watchlist file"):
        _compile(ruleset, ListCache(None), tmp_path / "missing.csv")


def test_no_lists_compile_to_no_matcher(ruleset: RuleSet) -> None:
    none = compile_lists([], ruleset.matching, ruleset.watchlist)
    assert none.matcher is None and none.watchlists == () and none.as_json() == []


# --- the files on disk ---------------------------------------------------------------------------------


def _garbage(data: bytes) -> bytes:
    return b"\x00\xff" * 100


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _other_format(data: bytes) -> bytes:
    return data.replace(b"compiled lists 1", b"compiled lists 0", 1)


def _other_object(data: bytes) -> bytes:
    """A whole file, checksum right, of something else."""
    head = b"".join(data.splitlines(keepends=True)[:2])
    payload = pickle.dumps({"not": "compiled lists"})
    return head + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def _flipped_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.mark.parametrize(
    "damage", [_garbage, _truncated, _other_format, _other_object, _flipped_byte], ids=lambda f: f.__name__
)
def test_a_damaged_cache_file_is_ignored_and_replaced(
    tmp_path: Path, ruleset: RuleSet, damage: Callable[[bytes], bytes]
) -> None:
    path = _list(tmp_path)
    first = _compile(ruleset, ListCache(tmp_path / "cache"), path)
    file = ListCache(tmp_path / "cache").path(first.key)
    assert file is not None
    file.write_bytes(damage(file.read_bytes()))
    again = _compile(ruleset, ListCache(tmp_path / "cache"), path)
    assert again.found == "compiled"
    assert _hits(again) == _hits(first)
    assert _compile(ruleset, ListCache(tmp_path / "cache"), path).found == "disk"


def test_a_cache_directory_that_cannot_be_written_is_no_error(tmp_path: Path, ruleset: RuleSet) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")
    compiled = _compile(ruleset, ListCache(blocked / "cache"), _list(tmp_path))
    assert compiled.found == "compiled" and _hits(compiled)


def test_only_the_most_recently_used_files_are_kept(tmp_path: Path, ruleset: RuleSet) -> None:
    cache = ListCache(tmp_path / "cache", memory=1, files=2)
    keys = []
    for n in range(3):
        keys.append(_compile(ruleset, cache, _list(tmp_path / str(n), LIST + f"Extra {n},,,,,,\n")).key)
        time.sleep(0.01)  # distinct modification times
    assert sorted(p.stem for p in (tmp_path / "cache").glob("*.pickle")) == sorted(keys[1:])


def test_files_are_private_and_written_whole(tmp_path: Path, ruleset: RuleSet) -> None:
    compiled = _compile(ruleset, ListCache(tmp_path / "cache"), _list(tmp_path))
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0
    [file] = (tmp_path / "cache").iterdir()  # no temporary file left beside it
    assert file.name == f"{compiled.key}.pickle" and file.stat().st_mode & 0o077 == 0


def test_threads_asking_for_the_same_lists_compile_them_once(tmp_path: Path, ruleset: RuleSet) -> None:
    cache = ListCache(None)
    real = _compile(ruleset, ListCache(None), _list(tmp_path))
    builds: list[int] = []

    def build() -> CompiledLists:
        builds.append(1)
        time.sleep(0.2)
        return real

    found: list[str] = []
    threads = [
        threading.Thread(target=lambda: found.append(cache.compiled(real.key, build).found)) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and sorted(found) == ["compiled", "memory", "memory", "memory"]


def test_the_cache_directory_is_the_users_unless_set() -> None:
    assert cache_dir({CACHE_DIR_ENV: "/srv/cache"}) == Path("/srv/cache/lists")
    assert cache_dir({}).parts[-2:] == ("supplyscreen", "lists")


# --- the CLI ---------------------------------------------------------------------------------------------


def test_the_cli_keeps_compiled_lists_unless_told_not_to(tmp_path: Path, fresh_default: ListCache) -> None:
    lists = _list(tmp_path)
    rows = tmp_path / "rows.csv"
    rows.write_text(
        "Vendor Name,Country\nHaegumgang Trading Corp,Russia\nBrennerwerk GmbH,Germany\n", encoding="utf-8"
    )
    assert fresh_default.directory is not None
    kept = fresh_default.directory

    def run(out: str, *extra: str) -> dict[str, Any]:
        args = ["screen", str(rows), "--list", str(lists), "--out", str(tmp_path / out), "--format", "json"]
        result = CliRunner().invoke(cli, [*args, "--quiet", *extra])
        assert result.exit_code == 0, result.output
        data: dict[str, Any] = json.loads((tmp_path / out / "results.json").read_text(encoding="utf-8"))
        data["run"].pop("started_at")
        return data

    uncached = run("none", "--no-cache")
    assert not kept.exists()
    set_default_cache(fresh_default)
    cold = run("cold")
    assert len(list(kept.glob("*.pickle"))) == 1
    set_default_cache(ListCache(kept))  # as a new process: nothing in memory, the file on disk
    warm = run("warm")
    assert uncached == cold == warm
    assert warm["suppliers"][0]["hits"][0]["rule"] == f"watchlist:{lists}#row 2"


# --- the web app ------------------------------------------------------------------------------------------


@pytest.fixture()
def client(tmp_path: Path, fresh_default: ListCache) -> Iterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'web.db'}"
    with TestClient(create_app(Settings(db=url), Store(url)), base_url="http://127.0.0.1") as c:
        yield c


def _upload_lists(client: TestClient, *files: tuple[str, str]) -> dict[str, Any]:
    response = client.post("/api/v1/lists", files=[("lists", (n, t.encode(), "text/csv")) for n, t in files])
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_server_compiles_a_list_once_and_screens_one_supplier_against_it(client: TestClient) -> None:
    first = _upload_lists(client, ("ofac sdn.csv", SDN), ("alt.csv", ALT))
    again = _upload_lists(client, ("ofac sdn.csv", SDN), ("alt.csv", ALT))
    assert (first["found"], again["found"]) == ("compiled", "memory") and first["id"] == again["id"]
    assert first["lists"] == [{"path": "ofac sdn.csv", "sha256": first["lists"][0]["sha256"], "entries": 1}]
    assert client.get(f"/api/v1/lists/{first['id']}").json()["found"] == "memory"
    answer = client.post(
        "/api/v1/screen",
        json={"supplier": {"name": "Aero-Caribbean", "country": "Cuba"}, "list": first["id"]},
    )
    assert answer.status_code == 200, answer.text
    verdict = answer.json()
    assert verdict["fields"] == {"name": "Aero-Caribbean", "country": "Cuba"}
    [hit] = [h for h in verdict["hits"] if h["list"]]
    assert hit["rule"] == "watchlist:ofac sdn.csv#SDN 36" and hit["matched"] == "AERO-CARIBBEAN"
    assert {"score", "tier", "presumption", "track"} <= set(verdict)
    unlisted = client.post("/api/v1/screen", json={"supplier": {"name": "Aero-Caribbean"}}).json()
    assert not [h for h in unlisted["hits"] if h["list"]]


def test_a_run_and_the_one_supplier_api_share_compiled_lists(client: TestClient) -> None:
    response = client.post(
        "/api/v1/runs?wait=60",
        files=[
            ("files", ("rows.csv", b"Vendor Name,Country\nHaegumgang Trading Corp,Russia\n", "text/csv")),
            ("lists", ("block.csv", LIST.encode(), "text/csv")),
        ],
    )
    assert response.status_code == 200, response.text
    assert _upload_lists(client, ("block.csv", LIST))["found"] == "memory"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"supplier": {"nmae": "Acme"}}, 400, "supplier names unknown field 'nmae'"),
        ({"supplier": {"name": "  "}}, 400, "nothing to screen"),
        ({"supplier": {"name": "Acme"}, "list": "0" * 64}, 404, "no compiled lists"),
        ({"supplier": {"name": "Acme"}, "list": "../etc"}, 404, "no compiled lists"),
        ({"supplier": "Acme"}, 422, "the request is not valid"),
    ],
)
def test_one_supplier_errors_are_one_line_json(
    client: TestClient, body: dict[str, Any], status: int, message: str
) -> None:
    response = client.post("/api/v1/screen", json=body)
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)


@pytest.mark.parametrize(
    ("files", "status", "message"),
    [
        ([("x.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")], 415, "x.png: is not a text file"),
        ([("x.csv", b"vendor,city\nAcme,Oslo\n")], 400, "x.csv: not a watchlist format"),
        ([("add.csv", b"1,2,3\n")], 400, "add.csv: is one of OFAC's companion files"),
        ([], 400, "no watchlist was uploaded"),
    ],
)
def test_uploads_that_are_not_lists_are_refused(
    client: TestClient, files: list[tuple[str, bytes]], status: int, message: str
) -> None:
    sent = [("lists", (n, d, "text/csv")) for n, d in files] or None
    response = client.post("/api/v1/lists", files=sent, data=None if sent else {"x": "1"})
    assert response.status_code == status
    assert response.json()["error"]["message"].startswith(message)
