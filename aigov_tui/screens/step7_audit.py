"""Step 7: internal audit and surveillance."""

from .base import PlaceholderStep


class AuditScreen(PlaceholderStep):
    NUMBER = 7
