"""Reusable widgets built from register declarations: they know no step by name."""
