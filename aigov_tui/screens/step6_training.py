"""Step 6: training on AI threats."""

from .base import PlaceholderStep


class TrainingScreen(PlaceholderStep):
    NUMBER = 6
