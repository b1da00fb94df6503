"""One error hierarchy for the library; the CLI and the web app translate it once at their edge."""

from __future__ import annotations

from typing import Any


class SupplyscreenError(Exception):
    """Base class: a problem the user can fix. ``str(err)`` is one line: what is wrong and how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        text = self.message if not self.hint else f"{self.message} — {self.hint}"
        return " ".join(text.split())

    def as_json(self) -> dict[str, Any]:
        """The error as the web app answers it and the store records it on a run."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "problems": list(getattr(self, "problems", []) or []),
        }


class InputError(SupplyscreenError):
    """An input spreadsheet cannot be read or understood."""


class RulesError(SupplyscreenError):
    """The rule files are invalid. ``problems`` holds one line per problem."""

    def __init__(self, message: str, problems: list[str] | None = None, hint: str | None = None) -> None:
        self.problems = problems or []
        super().__init__(message, hint)


class OutputError(SupplyscreenError):
    """A report cannot be written."""


class ConfigError(SupplyscreenError):
    """An option or the environment cannot serve the run (a missing extra, an unreachable scheduler)."""
