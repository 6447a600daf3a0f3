"""Shared fixtures: the real build, the real app served by gunicorn, a real headless Chromium."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from atlas import config

REPO = config.REPO_DIR
log = logging.getLogger(__name__)

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage",
    "--disable-sync", "--disable-quic",
)


@pytest.fixture(scope="session")
def built_store() -> Path:
    """The real build in data/build, built from the raw files when it is missing."""
    from atlas import store
    if not store.is_built():
        from loaders.pipeline import build
        build()
        store.reset()
    return config.BUILD_DIR


@pytest.fixture(scope="module")
def client(built_store):
    """Flask test client of the API routes on the real build (no Dash pages)."""
    from flask import Flask

    import api
    from atlas import store
    from atlas.cache import init_cache

    store.reset()
    if "densite_population" not in set(store.values()["indicator"].astype(str)):
        pytest.fail("the build has no Deps indicator values: run `python -m loaders build`")
    app = Flask(__name__)
    init_cache(app)
    api.register(app)
    return app.test_client()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the app did not answer at {url} within {seconds:.0f} s")


@pytest.fixture(scope="session")
def live_server(built_store):
    """Base URL of the real app served by gunicorn on a free loopback port."""
    port = int(os.environ.get("ATLAS_TEST_PORT") or _free_port())
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "app:server", "--config", str(REPO / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--log-level", "warning", "--access-logfile", "/dev/null"],
        cwd=REPO, env={**os.environ, "LOG_LEVEL": "WARNING"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + "/_dash-layout", 90)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def chromium_available() -> bool:
    return bool(shutil.which("chromium") and shutil.which("chromedriver"))


def make_driver(width: int = 1366, height: int = 900):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    if width < 600:
        # Headless windows have a minimum width of about 500 px: emulate a real phone viewport.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return driver


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by selenium, shared by the end-to-end tests."""
    if not chromium_available():
        pytest.fail("chromium and chromedriver are required for end-to-end tests "
                    "(apt-get install chromium chromium-driver; .ci/run does it)")
    driver = make_driver()
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def screenshot_dir() -> Path:
    folder = Path(os.environ.get("ATLAS_SCREENSHOT_DIR", "/tmp/atlas-screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
