"""Every setting is declared once (supplyscreen.settings) and documented in the README's options table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from supplyscreen.errors import InputError
from supplyscreen.settings import Settings, env_name, env_value, serve_options

README = Path(__file__).resolve().parents[1] / "README.md"


def _options_table() -> dict[str, str]:
    """The README's ``supplyscreen serve`` options table: environment variable → option cell."""
    text = README.read_text(encoding="utf-8")
    start = text.index("`supplyscreen serve` options")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        variable = re.fullmatch(r"`(SUPPLYSCREEN_\w+)`", cells[1]) if len(cells) > 1 else None
        if variable:
            rows[variable.group(1)] = cells[0]
    return rows


def test_every_setting_is_in_the_readme_table() -> None:
    rows = _options_table()
    serve = dict(serve_options())
    for name in Settings.model_fields:
        assert env_name(name) in rows, f"README's serve options table lacks {env_name(name)}"
        option = rows[env_name(name)]
        if name in serve:
            assert option.startswith("`--" + name.replace("_", "-")), (name, option)
        else:
            assert option == "(none)", (name, option)
    assert set(rows) == {env_name(n) for n in Settings.model_fields}, "README lists a setting not declared"


def test_serve_options_come_from_the_fields() -> None:
    from click.testing import CliRunner

    from supplyscreen.cli import cli

    result = CliRunner().invoke(cli, ["serve", "--help"], terminal_width=200)
    for name, f in serve_options():
        assert "--" + name.replace("_", "-") in result.output
        assert f.description and f.description.split(".")[0] in " ".join(result.output.split())
    assert "--cache-dir" not in result.output


def test_environment_only_settings_read_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from supplyscreen.match.compiled import cache_dir
    from supplyscreen.store import default_db_url

    assert cache_dir({"SUPPLYSCREEN_CACHE_DIR": "/tmp/x"}) == Path("/tmp/x/lists")
    monkeypatch.setenv("SUPPLYSCREEN_PORT", "not a port")  # another setting's bad value is not read
    monkeypatch.setenv("SUPPLYSCREEN_DB", "sqlite:///elsewhere.db")
    assert default_db_url() == "sqlite:///elsewhere.db"
    assert env_value("db") == "sqlite:///elsewhere.db"
    with pytest.raises(InputError, match="SUPPLYSCREEN_PORT='not a port' is not a valid int"):
        Settings.load()


def test_load_keeps_its_precedence_and_checks() -> None:
    env = {"SUPPLYSCREEN_RUNS": "3", "SUPPLYSCREEN_HOST": ""}
    settings = Settings.load({"workers": 2, "port": None}, environ=env)
    assert (settings.runs, settings.workers, settings.host, settings.port) == (3, 2, "127.0.0.1", 8000)
    with pytest.raises(InputError, match="runs must be at least 1"):
        Settings.load({"runs": 0}, environ={})


@pytest.mark.parametrize("limit", ["max_json_kb", "max_json_depth"])
def test_json_limits_are_checked(limit: str) -> None:
    with pytest.raises(InputError, match="JSON limits must be at least 1"):
        Settings.load({limit: 0}, environ={})
