"""Moved to :mod:`supplyscreen.settings` (every option declared once); kept so old imports work."""

from supplyscreen.settings import ENV_PREFIX, LOOPBACK, Settings, click_options

__all__ = ["ENV_PREFIX", "LOOPBACK", "Settings", "click_options"]
