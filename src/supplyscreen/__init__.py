"""supplyscreen: screen supplier and shipment spreadsheets for DPRK forced-labour risk."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("supplyscreen")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

from supplyscreen.api import ScreeningResult, screen
from supplyscreen.errors import InputError, OutputError, RulesError, SupplyscreenError

__all__ = [
    "InputError",
    "OutputError",
    "RulesError",
    "ScreeningResult",
    "SupplyscreenError",
    "__version__",
    "screen",
]
