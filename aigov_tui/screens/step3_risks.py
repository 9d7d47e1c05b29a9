"""Step 3: AI risk assessment inside the ISMS risk method."""

from .base import PlaceholderStep


class RisksScreen(PlaceholderStep):
    NUMBER = 3
