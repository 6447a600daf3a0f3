"""Every page loads in the real app, in French and English, offline and on a phone."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.e2e.helpers import external_requests, wait_for, wait_for_text, wait_until

PAGES = {
    "/": "carte",
    "/comparer": "comparer",
    "/evolution": "evolution",
    "/portraits": "portraits",
    "/portrait/region/11": "portrait",
    "/donnees": "donnees",
    "/a-propos": "apropos",
}

pytestmark = pytest.mark.e2e


def _load(browser, url):
    browser.get(url)
    wait_for(browser, "#shell-nav a")
    wait_for(browser, "#shell-main h1", timeout=60)
    wait_until(browser, lambda d: d.execute_script(
        "return !document.querySelector('._dash-loading') && document.readyState === 'complete'"), 30)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_loads_with_language(browser, live_server, screenshot_dir, lang):
    for path, name in PAGES.items():
        _load(browser, f"{live_server}{path}?lang={lang}")
        wait_until(browser, lambda d: d.execute_script("return document.documentElement.lang") == lang,
                   message=f"<html lang> is not {lang} on {path}")
        assert browser.find_elements(By.CSS_SELECTOR, "#shell-main h1"), f"no heading on {path}"
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == [], f"console errors on {path}: {errors}"
        assert external_requests(browser, live_server) == []
        browser.save_screenshot(str(screenshot_dir / f"shell-{name}-{lang}-1366.png"))


def test_navigation_keeps_language(browser, live_server):
    _load(browser, f"{live_server}/a-propos?lang=en")
    wait_for_text(browser, "#shell-nav", "Data & methods")
    browser.find_element(By.LINK_TEXT, "Data & methods").click()
    wait_until(browser, lambda d: "/donnees" in d.current_url and "lang=en" in d.current_url)
    wait_for_text(browser, "h1", "Data & methods")


def test_language_switch_toggles_url(browser, live_server):
    _load(browser, f"{live_server}/a-propos")
    switch = browser.find_element(By.ID, "shell-lang-switch")
    assert switch.text == "English"
    switch.click()
    wait_until(browser, lambda d: "lang=en" in d.current_url)
    wait_for_text(browser, "h1", "About the atlas")


def test_unknown_path_shows_404(browser, live_server):
    _load(browser, f"{live_server}/cette-page-n-existe-pas")
    wait_for_text(browser, "h1", "Page introuvable")


def test_keyboard_focus_is_visible(browser, live_server):
    _load(browser, f"{live_server}/a-propos")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    outline = browser.execute_script(
        "const el = document.activeElement; return getComputedStyle(el).outlineStyle + ' ' + el.className;")
    assert outline.startswith("solid"), outline


def test_phone_width_has_no_horizontal_scroll(live_server, screenshot_dir):
    from tests.conftest import make_driver

    driver = make_driver(375, 812)
    try:
        for path, name in PAGES.items():
            for lang in ("fr", "en"):
                _load(driver, f"{live_server}{path}?lang={lang}")
                overflow = driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                driver.save_screenshot(str(screenshot_dir / f"shell-{name}-{lang}-375.png"))
                assert overflow <= 1, f"{path} ({lang}) is {overflow}px wider than a 375px phone"
    finally:
        driver.quit()
