"""The access table of docs/security.md is the one the access test runs (tests/access_rules.py), and it names every
endpoint of the app."""

from __future__ import annotations

from pathlib import Path

from survey_api.app import create_app
from survey_api.settings import Settings
from tests.access_rules import DOC_PATH, NOT_IN_TABLE, RULES, document_with_table


def test_docs_security_holds_the_access_table_as_written_from_the_rules() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    assert document_with_table(text) == text, "docs/security.md is behind tests/access_rules.py: run make docs-access"
    assert "| `GET /api/v1/flags/{flag_id}` | ✗ | ✗ | ✗ | ✓ | ✓ | ∅ | ✓ | ∅ | ✓ |" in text


def test_every_endpoint_of_the_app_has_its_rule_and_every_rule_its_endpoint(tmp_path: Path) -> None:
    settings = Settings.from_env({}, database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", var_dir=str(tmp_path))
    app = create_app(settings)
    served = {
        (method, route.path)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in getattr(handler, "http_methods", ())
        if method != "OPTIONS"
    }
    ruled = {(rule.method, rule.path) for rule in RULES}
    assert len(ruled) == len(RULES), "an endpoint has two rules"
    assert sorted(served - ruled - set(NOT_IN_TABLE)) == [], "endpoints without a rule in tests/access_rules.py"
    assert sorted(ruled - served) == [], "rules for endpoints the app does not serve"
