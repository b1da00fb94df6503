"""Normalize: fold text, tokens, legal forms, countries, HS codes, IMO numbers and vessel names."""
