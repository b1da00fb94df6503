from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from supplyscreen.match import Matcher
from supplyscreen.rules import RuleSet, load_rules

# No per-example deadline: first calls load data (pinyin tables, country names) and CI machines vary.
settings.register_profile("supplyscreen", deadline=None, print_blob=True)
settings.load_profile("supplyscreen")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def matcher(ruleset: RuleSet) -> Matcher:
    return Matcher(ruleset)
