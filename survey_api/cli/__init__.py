"""The ``survey-api`` command: database upgrades, catalogue import, users, demo data and the server.

Each group of commands lives in its own module and registers itself on ``main`` when imported here."""

from survey_api.cli import accounts, operations, serve
from survey_api.cli.base import main

__all__ = ["accounts", "main", "operations", "serve"]
