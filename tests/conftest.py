from __future__ import annotations

from pathlib import Path

import pytest

from supplyscreen.match import Matcher
from supplyscreen.rules import RuleSet, load_rules

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    return load_rules()


@pytest.fixture(scope="session")
def matcher(ruleset: RuleSet) -> Matcher:
    return Matcher(ruleset)
