"""One Screen class per wizard step, plus home and help."""
