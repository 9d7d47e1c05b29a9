"""Step 2: AI-specific assets (models, training data, inference systems)."""

from .base import PlaceholderStep


class AssetsScreen(PlaceholderStep):
    NUMBER = 2
