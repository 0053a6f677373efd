"""Browser tests: a real server process on a free port, driven by Debian's Chromium through Playwright.

They skip, with the reason shown, when /usr/bin/chromium is missing (``make test`` installs it when it can).
Screenshots go to tests/artifacts/ (git-ignored); a failing test leaves one named after itself.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy.engine.url import make_url

from bench.common import free_port, pg_admin, running_server
from tests.conftest import PG_URL, TEST_DATA_KEY, TEST_SECRET, run_async

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
_counter = itertools.count()

pytestmark = pytest.mark.e2e


def unavailable(reason: str) -> NoReturn:
    """A tool the browser tests need is missing. On a developer's machine the tests skip with the reason shown;
    under CI (``CI`` set, as .ci/run runs) that is a failure: CI must never pass without running them."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def e2e_database(database_templates: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """A copy of the demo database for one browser test."""
    if PG_URL:
        name = f"hl_e2e_{os.getpid()}_{next(_counter)}"
        run_async(pg_admin(PG_URL, f"CREATE DATABASE {name} TEMPLATE {database_templates['demo']}"))
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
        run_async(pg_admin(PG_URL, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    else:
        path = tmp_path / "e2e.db"
        shutil.copyfile(database_templates["demo"], path)
        yield f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def live_server(e2e_database: str, tmp_path: Path) -> Iterator[str]:
    """``survey-api serve`` in a child process, as an operator runs it; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SURVEY_DATABASE_URL": e2e_database,
        "SURVEY_SECRET_KEY": TEST_SECRET,
        "SURVEY_DATA_KEY": TEST_DATA_KEY,
        "SURVEY_VAR_DIR": str(tmp_path / "var"),
        "SURVEY_PUBLIC_BASE_URL": base,
    }
    command = [sys.executable, "-m", "survey_api.cli", "serve", "--port", str(port)]
    with running_server(command, env, base, "survey-api serve", log=tmp_path / "server.log", stop_timeout=10):
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module (Playwright's sync API runs an event loop while it is open, so it must
    be closed before the async tests of other modules run)."""
    if not CHROMIUM.exists():
        unavailable("Debian's chromium is not installed (/usr/bin/chromium); run 'make browser' as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    if report.when == "call" and report.failed and "page" in getattr(item, "funcargs", {}):
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            item.funcargs["page"].screenshot(path=str(ARTIFACTS / f"FAILED-{item.name}.png"), full_page=True)
        except Exception as exc:  # the page may be gone; the failure itself matters more
            print(f"could not save a failure screenshot: {exc}")
    return report


@pytest.fixture
def page(live_server: str, browser: object) -> Iterator[object]:
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 1280, "height": 800})  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    """Keep a screenshot of what a person sees, as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """axe-core fetched from the npm registry at set-up (never committed); see ``unavailable`` if it cannot be."""
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed: cannot fetch axe-core for the accessibility scan")
    folder = tmp_path_factory.mktemp("axe-core")
    try:
        packed = subprocess.run(
            [npm, "pack", "axe-core@4", "--pack-destination", str(folder), "--silent"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        unavailable(f"the npm registry could not be reached for axe-core: {exc}")
    tarball = folder / packed.stdout.strip().splitlines()[-1]
    with tarfile.open(tarball) as archive:
        member = archive.getmember("package/axe.min.js")
        source = archive.extractfile(member)
        assert source is not None
        script = folder / "axe.min.js"
        script.write_bytes(source.read())
    return script


def assert_accessible(page: object, axe: Path) -> None:
    """No serious or critical axe-core violation on what the page shows now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # type: ignore[attr-defined]
        # Evaluated by the browser's debugging protocol, as the test's own code: the page's Content-Security-Policy
        # refuses a <script> added to it (add_script_tag), as it would refuse one injected by an attacker.
        page.evaluate(axe.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    violations = page.evaluate(  # type: ignore[attr-defined]
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(
            v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))"""
    )
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == []
