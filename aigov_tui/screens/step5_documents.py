"""Step 5: documentation updates."""

from .base import PlaceholderStep


class DocumentsScreen(PlaceholderStep):
    NUMBER = 5
