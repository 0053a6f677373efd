"""``survey-api serve`` believes X-Forwarded-For / X-Forwarded-Proto only from SURVEY_TRUSTED_PROXIES."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
import uvicorn

from survey_api.cli.serve import uvicorn_options
from survey_api.settings import Settings, SettingsError
from tests.conftest import TEST_SECRET

FORGED = [(b"x-forwarded-for", b"203.0.113.9"), (b"x-forwarded-proto", b"https")]
pytestmark = pytest.mark.anyio


def _settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"SURVEY_SECRET_KEY": TEST_SECRET, "SURVEY_VAR_DIR": str(tmp_path), **env})


async def _seen(settings: Settings, peer: str) -> tuple[Any, str]:
    """The client address and scheme the app is given for a request from ``peer`` carrying forged headers,
    through the very uvicorn configuration ``serve`` runs (its app swapped for one that records them)."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        seen.update(client=scope["client"], scheme=scope["scheme"])

    options = {**uvicorn_options(settings, host="127.0.0.1", port=8000, workers=1, reload=False), "app": app}
    config = uvicorn.Config(**{**options, "factory": False})
    config.load()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/login",
        "raw_path": b"/login",
        "query_string": b"",
        "headers": FORGED,
        "client": (peer, 50123),
        "server": ("127.0.0.1", 8000),
    }
    await config.loaded_app(scope, None, None)
    return seen["client"], seen["scheme"]


async def test_without_the_setting_a_forged_forwarded_for_changes_nothing(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert await _seen(settings, "127.0.0.1") == (("127.0.0.1", 50123), "http")
    assert await _seen(settings, "198.51.100.7") == (("198.51.100.7", 50123), "http")


async def test_a_named_proxy_is_believed_and_only_it(tmp_path: Path) -> None:
    settings = _settings(tmp_path, SURVEY_TRUSTED_PROXIES=" 127.0.0.1, 10.0.0.0/24 ")
    assert settings.trusted_proxy_list == ["127.0.0.1", "10.0.0.0/24"]
    assert await _seen(settings, "127.0.0.1") == (("203.0.113.9", 0), "https")
    assert await _seen(settings, "10.0.0.5") == (("203.0.113.9", 0), "https")
    assert await _seen(settings, "10.0.1.5") == (("10.0.1.5", 50123), "http")


def test_a_proxy_that_is_not_an_address_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^SURVEY_TRUSTED_PROXIES: 'nginx' is not an IP address or network"):
        _settings(tmp_path, SURVEY_TRUSTED_PROXIES="127.0.0.1,nginx")
    with pytest.raises(SettingsError, match=r"^SURVEY_TRUSTED_PROXIES: '\*' is not an IP address or network"):
        _settings(tmp_path, SURVEY_TRUSTED_PROXIES="*")


def test_uvicorns_own_variable_is_refused_rather_than_silently_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    with pytest.raises(click.ClickException) as refused:
        uvicorn_options(_settings(tmp_path), host="127.0.0.1", port=8000, workers=1, reload=False)
    assert refused.value.message == (
        "FORWARDED_ALLOW_IPS is not read: name the reverse proxies in SURVEY_TRUSTED_PROXIES instead "
        "(SURVEY_TRUSTED_PROXIES=10.0.0.5)"
    )
