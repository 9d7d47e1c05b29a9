"""aigov-tui: a terminal workbench for extending an ISO/IEC 27001 ISMS to AI systems."""

__version__ = "0.1.0"
