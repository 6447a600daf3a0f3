"""Map page in headless Chromium: switches, legend and values against the API, bad URLs."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

import numpy as np
import pytest
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.common.by import By

from atlas.classify import classify
from atlas.formatting import format_value
from atlas.catalogue import load_catalogue
from atlas.mapstate import map_indicators, map_levels
from tests.conftest import make_driver
from tests.e2e.helpers import external_requests, wait_for, wait_for_text, wait_until

pytestmark = pytest.mark.e2e

PAINTED_AFTER = """
const c = window.atlasCarte && window.atlasCarte.state;
const p = c && c.lastPaint;
return (p && p.painted && p.key === arguments[1] && p.at > arguments[0]) ? p : null;
"""
RECORD_CALLBACKS = """
window.__carteOutputs = [];
if (!window.__carteFetch) {
  window.__carteFetch = window.fetch;
  window.fetch = function (url, options) {
    if (String(url).includes('_dash-update-component') && options && options.body) {
      try { window.__carteOutputs.push(JSON.parse(options.body).output); } catch (e) {}
    }
    return window.__carteFetch.apply(this, arguments);
  };
}
"""


def _numeric(level: str, count: int = 2, also: str | None = None) -> list[str]:
    """Numeric indicators mapped at `level` (and at `also` when given)."""
    ids = [i.id for i in map_indicators() if level in map_levels(i) and not i.is_categorical
           and (also is None or also in map_levels(i))]
    assert len(ids) >= count, f"need {count} numeric indicators at {level}"
    return ids


def _wait_paint(driver, key: str, since: float = 0, timeout: float = 60):
    try:
        return wait_until(driver, lambda d: d.execute_script(PAINTED_AFTER, since, key), timeout)
    except TimeoutException:
        shown = driver.execute_script("var e = document.getElementById('carte-message');"
                                      "return e ? e.innerText : '';")
        errors = [entry["message"][:200] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        pytest.fail(f"the {key} map was not painted; page message: {shown!r}; browser errors: {errors}")


def _now(driver) -> float:
    return driver.execute_script("return performance.now()")


def _api_values(base: str, indicator: str, level: str, year: int) -> dict:
    url = f"{base}/api/v1/indicators/{indicator}/values?level={level}&year={year}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def _choose(driver, dropdown_id: str, text: str) -> None:
    """Pick an option of a dcc.Dropdown as a user does: open it, type, click the match."""
    driver.find_element(By.ID, dropdown_id).click()
    search = wait_for(driver, ".dash-dropdown-content input.dash-dropdown-search")
    search.send_keys(text)

    def matching_option(d):
        for option in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content [role=option]"):
            if text.lower() in option.text.lower():
                return option
        return None

    wait_until(driver, matching_option, 20, f"no option '{text}' in {dropdown_id}").click()


def _spaces(text: str) -> str:
    """Plain spaces for no-break spaces, which Selenium reports inconsistently."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def _legend_counts(driver) -> list[int]:
    counts = []
    for element in driver.find_elements(By.CSS_SELECTOR, "#carte-legend .carte-legend-row:not(.carte-legend-status)"
                                                         " .carte-legend-count"):
        digits = "".join(ch for ch in element.text if ch.isdigit())
        counts.append(int(digits))
    return counts


def test_switch_indicator_level_and_classes(live_server, browser):
    departement_ids = _numeric("departement", also="region")
    browser.get(live_server + "/")
    _wait_paint(browser, "departement")
    browser.execute_script(RECORD_CALLBACKS)

    # Indicator switch through the dropdown, as a user types it.
    target = load_catalogue().get(departement_ids[1] if departement_ids[0] == browser.execute_script(
        "return new URLSearchParams(location.search).get('indicator')") else departement_ids[0])
    since = _now(browser)
    _choose(browser, "carte-indicator", target.text("label", "fr"))
    _wait_paint(browser, "departement", since)
    wait_for_text(browser, "#carte-legend-title", target.text("label", "fr")[:30])
    outputs = browser.execute_script("return window.__carteOutputs")
    payload_calls = [o for o in outputs if "carte-payload.data" in o]
    assert len(outputs) <= 4, f"an indicator switch should make few requests: {outputs}"
    assert len(payload_calls) == 1, outputs
    assert len(outputs) == len(set(outputs)), f"a callback ran twice: {outputs}"

    # Level switch to régions, then Jenks with 4 classes.
    since = _now(browser)
    _choose(browser, "carte-level", "Région")
    _wait_paint(browser, "region", since)
    since = _now(browser)
    _choose(browser, "carte-method", "Jenks")
    _wait_paint(browser, "region", since)
    since = _now(browser)
    _choose(browser, "carte-k", "4")
    _wait_paint(browser, "region", since)
    assert "method=jenks" in browser.current_url
    assert "k=4" in browser.current_url

    year = int(browser.execute_script("return document.querySelector('#carte-heading').textContent.slice(-4)"))
    api = _api_values(live_server, target.id, "region", year)
    values = np.array([v["value"] if v["status"] == "ok" else np.nan for v in api["values"]], dtype=float)
    expected = classify(values, "jenks", 4)
    assert _legend_counts(browser) == list(expected.counts)
    labels = [_spaces(e.text) for e in browser.find_elements(By.CSS_SELECTOR, "#carte-legend .carte-legend-label")]
    assert labels[:expected.k] == [_spaces(label) for label in expected.labels("fr", target.decimals)]

    # One territory: searched by name, its value in the panel matches the API.
    row = next(v for v in api["values"] if v["code"] == "76")
    _choose(browser, "carte-search", "Occitanie")
    wait_for_text(browser, "#carte-panel-title", "Occitanie")
    shown = browser.find_element(By.ID, "carte-panel-value").text
    expected_text = format_value(row["value"], row["status"], target.unit_label("fr"), target.decimals, "fr")
    assert _spaces(shown) == _spaces(expected_text)
    assert "code=76" in browser.current_url
    assert external_requests(browser, live_server) == []


def test_commune_switch_sends_values_not_geometry(live_server, browser):
    ids = _numeric("commune")
    browser.get(f"{live_server}/?indicator={ids[0]}&level=commune")
    _wait_paint(browser, "commune", timeout=120)
    assert browser.execute_script("return window.atlasCarte.state.registry.layers.length") > 34000
    since = _now(browser)
    browser.execute_script("window.dash_clientside.set_props('carte-indicator', {value: arguments[0]})", ids[1])
    _wait_paint(browser, "commune", since, timeout=60)
    time.sleep(0.5)
    names = browser.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.startTime >= arguments[0])"
        ".map(e => [e.name, e.transferSize])", since)
    assert not [name for name, _ in names if "/geo/" in name], names
    assert sum(size for _, size in names) < 400_000


@pytest.mark.parametrize("query", [
    "indicator=unknown&level=../../etc/passwd&year=abc&code=%3Cscript%3Ealert(1)%3C/script%3E",
    "indicator=" + "x" * 10_000,
])
def test_bad_url_falls_back_with_message(live_server, browser, query):
    browser.get(f"{live_server}/?{query}")
    _wait_paint(browser, "departement")
    notice = wait_for(browser, "#carte-notice")
    assert "n'est pas valide" in notice.text
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018  (an alert would mean the code ran)
    assert "Traceback" not in browser.page_source
    assert "<script>alert" not in browser.page_source


def test_same_url_gives_same_state(live_server):
    ids = _numeric("departement")
    query = f"indicator={ids[0]}&level=departement&method=equal_interval&k=6&code=13"
    states = []
    for _ in range(2):
        driver = make_driver()
        try:
            driver.get(f"{live_server}/?{query}")
            _wait_paint(driver, "departement")
            wait_for_text(driver, "#carte-panel-title", "Bouches-du-Rhône")
            states.append((driver.execute_script("return window.atlasCarte.state.payload.classes"),
                           driver.find_element(By.ID, "carte-legend").text,
                           urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)))
        finally:
            driver.quit()
    assert states[0][0] == states[1][0]
    assert states[0][1] == states[1][1]
    assert {k: v for k, v in states[0][2].items() if k != "view"} == \
        {k: v for k, v in states[1][2].items() if k != "view"}


@pytest.mark.parametrize("width,lang", [(1366, "fr"), (1366, "en"), (375, "fr"), (375, "en")])
def test_screenshots(live_server, screenshot_dir, width, lang):
    driver = make_driver(width, 900)
    try:
        driver.get(f"{live_server}/?lang={lang}&code=34")
        _wait_paint(driver, "departement")
        wait_for(driver, "#carte-panel-title")
        heading = driver.find_element(By.ID, "carte-title").text
        assert heading == ("Carte des territoires" if lang == "fr" else "Map of territories")
        region = driver.find_element(By.ID, "carte-map-region")
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("aria-label")
        assert driver.find_element(By.ID, "carte-table-link").get_attribute("href").endswith("#carte-table-section")
        assert driver.execute_script("return document.documentElement.scrollWidth") <= width + 1
        driver.save_screenshot(str(screenshot_dir / f"carte-{width}-{lang}.png"))
    finally:
        driver.quit()
