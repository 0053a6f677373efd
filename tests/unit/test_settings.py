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


def test_development_data_key_is_generated_once_apart_from_the_secret_and_private(tmp_path: Path) -> None:
    first = Settings.from_env({"SURVEY_VAR_DIR": str(tmp_path)})
    second = Settings.from_env({"SURVEY_VAR_DIR": str(tmp_path)})
    assert len(first.data_key) >= 32
    assert first.data_key == second.data_key == (tmp_path / "data_key").read_text().strip()
    assert first.data_key != first.secret_key
    assert (tmp_path / "data_key").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.signing_key == first.secret_key  # rating links are signed with the secret key unless told


@pytest.mark.parametrize("data_key", ["", "changeme", "short-data-key"])
def test_production_refuses_a_missing_or_weak_data_key(data_key: str) -> None:
    env = {
        "SURVEY_PRODUCTION": "true",
        "SURVEY_SECRET_KEY": "k" * 48,
        "SURVEY_DATA_KEY": data_key,
        "SURVEY_DATABASE_URL": "postgresql+asyncpg://x/y",
    }
    with pytest.raises(SettingsError, match="SURVEY_DATA_KEY must be set to a random value of at least 32"):
        Settings.from_env(env)


def test_the_data_key_must_differ_from_the_secret_key() -> None:
    with pytest.raises(SettingsError, match="SURVEY_DATA_KEY must differ from SURVEY_SECRET_KEY"):
        Settings.from_env({}, secret_key="k" * 48, data_key="k" * 48)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SURVEY_DATA_KEYS_OLD": "old-key-without-id"}, "SURVEY_DATA_KEYS_OLD: write each old key as id=key"),
        ({"SURVEY_DATA_KEYS_OLD": "a:b=key"}, "SURVEY_DATA_KEYS_OLD: the key id 'a:b' must be 1 to 16"),
        ({"SURVEY_DATA_KEYS_OLD": "1=old"}, "SURVEY_DATA_KEYS_OLD: the id '1' is the current key's"),
        ({"SURVEY_SIGNING_KEYS_OLD": "s1=a,s1=b"}, "SURVEY_SIGNING_KEYS_OLD: the key id 's1' is given twice"),
        ({"SURVEY_SIGNING_KEY_ID": "two words"}, "SURVEY_SIGNING_KEY_ID: a key id is 1 to 16"),
    ],
)
def test_key_settings_that_cannot_work_are_refused_naming_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env, secret_key="k" * 48, data_key="d" * 48)


@pytest.mark.parametrize("secret", ["", "changeme", "short-secret"])
def test_production_refuses_a_missing_or_weak_secret(secret: str) -> None:
    env = {"SURVEY_PRODUCTION": "true", "SURVEY_SECRET_KEY": secret, "SURVEY_DATABASE_URL": "postgresql+asyncpg://x/y"}
    with pytest.raises(SettingsError, match="SURVEY_SECRET_KEY must be set to a random value of at least 32"):
        Settings.from_env(env)


def test_production_requires_a_database_url() -> None:
    with pytest.raises(SettingsError, match="SURVEY_DATABASE_URL must be set in production"):
        Settings.from_env({"SURVEY_PRODUCTION": "1", "SURVEY_SECRET_KEY": "k" * 48, "SURVEY_DATA_KEY": "d" * 48})


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(SettingsError, match="default_language"):
        Settings.from_env({"SURVEY_DEFAULT_LANGUAGE": "fr"})
    with pytest.raises(SettingsError, match="login_max_failures"):
        Settings.from_env({"SURVEY_LOGIN_MAX_FAILURES": "0"})
