"""Hài Lòng: citizen satisfaction and feedback for public administrative service centres."""

__version__ = "0.1.0"
