"""The domain core: plain Python, never imports textual (tests/test_core_hygiene.py checks)."""
