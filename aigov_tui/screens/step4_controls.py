"""Step 4: extend Annex A, add AI controls, Statement of Applicability, evidence."""

from .base import PlaceholderStep


class ControlsScreen(PlaceholderStep):
    NUMBER = 4
