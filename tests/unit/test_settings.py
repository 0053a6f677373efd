"""Settings from the environment, and the production safety rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_api.settings import Settings, SettingsError


def test_defaults_use_a_sqlite_file_under_var_and_vietnamese(tmp_path: Path) -> None:
    settings = Settings.from_env({"SURVEY_VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'hailong.db'}"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.default_language == "vi"
    assert settings.production is False


def test_development_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = Settings.from_env({"SURVEY_VAR_DIR": str(tmp_path)})
    second = Settings.from_env({"SURVEY_VAR_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key == (tmp_path / "secret_key").read_text().strip()


@pytest.mark.parametrize("secret", ["", "changeme", "short-secret"])
def test_production_refuses_a_missing_or_weak_secret(secret: str) -> None:
    env = {"SURVEY_PRODUCTION": "true", "SURVEY_SECRET_KEY": secret, "SURVEY_DATABASE_URL": "postgresql+asyncpg://x/y"}
    with pytest.raises(SettingsError, match="SURVEY_SECRET_KEY must be set to a random value of at least 32"):
        Settings.from_env(env)


def test_production_requires_a_database_url() -> None:
    with pytest.raises(SettingsError, match="SURVEY_DATABASE_URL must be set in production"):
        Settings.from_env({"SURVEY_PRODUCTION": "1", "SURVEY_SECRET_KEY": "k" * 48})


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(SettingsError, match="default_language"):
        Settings.from_env({"SURVEY_DEFAULT_LANGUAGE": "fr"})
    with pytest.raises(SettingsError, match="login_max_failures"):
        Settings.from_env({"SURVEY_LOGIN_MAX_FAILURES": "0"})
