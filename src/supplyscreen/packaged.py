"""Data files shipped inside the package (header synonyms, romanisation tables, the pinyin syllables), read
with libyaml's parser when PyYAML has it: they are trusted, and the pure-Python parser costs a noticeable
part of a short run's start."""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

SafeLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def text(package: str, name: str) -> str:
    """A bundled file's text."""
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def load_yaml(package: str, name: str) -> Any:
    """A bundled YAML file, parsed."""
    return yaml.load(text(package, name), Loader=SafeLoader)  # (CSafeLoader: safe)


def words_by_line(package: str, name: str) -> list[list[str]]:
    """A bundled word list: the whitespace-separated words of each line outside ``#`` comments."""
    return [line.split("#", 1)[0].split() for line in text(package, name).splitlines()]


def words(package: str, name: str) -> list[str]:
    """A bundled word list's words, all lines together."""
    return [w for line in words_by_line(package, name) for w in line]
