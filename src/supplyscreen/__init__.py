"""supplyscreen: screen supplier and shipment spreadsheets for DPRK forced-labour risk."""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from supplyscreen._version import __version__
from supplyscreen.errors import InputError, OutputError, RulesError, SupplyscreenError

if TYPE_CHECKING:
    from supplyscreen.frame import screen_frame
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

# The engine is imported on first use: a command that needs only part of it (``rules check``, ``--version``)
# starts without loading the matchers, and pandas is loaded only by those who screen DataFrames.
_LAZY = {
    "screen": "supplyscreen.pipeline.screen",
    "ScreeningResult": "supplyscreen.pipeline.screen",
    "Screener": "supplyscreen.pipeline.screener",
    "screen_frame": "supplyscreen.frame",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'supplyscreen' has no attribute {name!r}")
