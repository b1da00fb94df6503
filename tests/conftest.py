from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

from supplyscreen.match.compiled import CACHE_DIR_ENV
from supplyscreen.match.rows import Matcher
from supplyscreen.rules import RuleSet, load_rules

# No per-example deadline: first calls load data (pinyin tables, country names) and CI machines vary.
settings.register_profile("supplyscreen", deadline=None, print_blob=True)
settings.load_profile("supplyscreen")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Compiled watchlists go to a cache directory of the test session's own, never the user's."""
    with pytest.MonkeyPatch.context() as patch:
        path = tmp_path_factory.mktemp("cache")
        patch.setenv(CACHE_DIR_ENV, str(path))
        yield path


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def matcher(ruleset: RuleSet) -> Matcher:
    return Matcher(ruleset)


def load_script(name: str, path: Path) -> ModuleType:
    """A script of the project that is not a package module (tests/eval/*.py), imported under ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
