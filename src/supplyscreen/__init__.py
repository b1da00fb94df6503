"""supplyscreen: screen supplier and shipment spreadsheets for DPRK forced-labour risk."""

from typing import Any

from supplyscreen._version import __version__
from supplyscreen.errors import InputError, OutputError, RulesError, SupplyscreenError
from supplyscreen.pipeline.screen import ScreeningResult, screen
from supplyscreen.pipeline.screener import Screener

__all__ = [
    "InputError",
    "OutputError",
    "RulesError",
    "Screener",
    "ScreeningResult",
    "SupplyscreenError",
    "__version__",
    "screen",
    "screen_frame",
]


def __getattr__(name: str) -> Any:
    """``screen_frame`` imported on first use: pandas is loaded only by those who screen DataFrames."""
    if name == "screen_frame":
        from supplyscreen.frame import screen_frame

        return screen_frame
    raise AttributeError(f"module 'supplyscreen' has no attribute {name!r}")
