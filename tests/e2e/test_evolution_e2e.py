"""Évolution page in headless Chromium: chart values against the API, map hover and click,
URL state, language switch, invalid parameters, downloads and screenshots."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from atlas.formatting import format_number
from tests.e2e.helpers import external_requests, full_page_screenshot, wait_for, wait_for_text, wait_until

pytestmark = pytest.mark.e2e

START_QUERY = ("indicator=population&t=departement:13,departement:23&from=1962&to=2023"
               "&mode=index&base=1962&ref=france")
CHART_DATA = """
const graph = document.querySelector('#evolution-chart .js-plotly-plot');
if (!graph || !graph.data) { return null; }
return graph.data.map(trace => ({name: trace.name, x: Array.from(trace.x), y: Array.from(trace.y)}));
"""
# Hover every path of the change map in turn and return the tooltip texts, in path order.
TOOLTIPS = """
const paths = Array.from(document.querySelectorAll('#evolution-map path.leaflet-interactive'));
const texts = [];
for (const path of paths) {
  const box = path.getBoundingClientRect();
  const options = {bubbles: true, clientX: box.left + box.width / 2, clientY: box.top + box.height / 2};
  path.dispatchEvent(new MouseEvent('mouseover', options));
  const tips = document.querySelectorAll('.leaflet-tooltip');
  texts.push(tips.length ? tips[tips.length - 1].innerText : '');
  path.dispatchEvent(new MouseEvent('mouseout', options));
}
return texts;
"""
CHART_WIDTH = "return document.querySelector('#evolution-chart .main-svg').getBoundingClientRect().width"
CLICK_PATH = """
const path = document.querySelectorAll('#evolution-map path.leaflet-interactive')[arguments[0]];
const box = path.getBoundingClientRect();
path.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: box.left + box.width / 2,
                                            clientY: box.top + box.height / 2}));
"""


def _api_values(base: str, indicator: str, level: str, year: int) -> dict:
    url = f"{base}/api/v1/indicators/{indicator}/values?level={level}&year={year}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return {row["code"]: row for row in json.load(response)["values"]}


def _chart(driver, traces: int, timeout: float = 60) -> list[dict]:
    return wait_until(driver, lambda d: (lambda data: data if data and len(data) == traces else None)(
        d.execute_script(CHART_DATA)), timeout, f"the chart did not show {traces} lines")


def _map_paths(driver, count: int, timeout: float = 60) -> int:
    script = "return document.querySelectorAll('#evolution-map path.leaflet-interactive').length"
    return wait_until(driver, lambda d: d.execute_script(script) >= count and d.execute_script(script),
                      timeout, f"the change map did not draw {count} territories")


def _query(driver) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(driver.current_url).query))


def test_evolution_page_end_to_end(live_server, browser):
    driver = browser
    driver.set_window_size(1366, 900)
    driver.get(f"{live_server}/evolution?{START_QUERY}")
    wait_for_text(driver, "#evolution-chart-heading", "Indice base 100 en 1962", timeout=90)

    # Chart: two départements and France, base 100 in 1962, values from the API.
    data = _chart(driver, 3)
    names = [trace["name"] for trace in data]
    assert names == ["Bouches-du-Rhône", "Creuse", "France (référence)"]
    first = _api_values(live_server, "population", "departement", 1962)
    last = _api_values(live_server, "population", "departement", 2023)
    for trace, code in zip(data, ("13", "23")):
        points = dict(zip(trace["x"], trace["y"]))
        assert points[1962] == pytest.approx(100.0)
        assert points[2023] == pytest.approx(last[code]["value"] / first[code]["value"] * 100)
        assert points[2018.5] is None  # no 2018 vintage: the line is left open
    # textContent keeps the no-break spaces that Selenium's .text turns into plain spaces.
    summary = driver.execute_script("return document.getElementById('evolution-summary').textContent")
    expected = f"Bouches-du-Rhône : {format_number(first['13']['value'], 0, 'fr')}\u00a0habitants en 1962"
    assert expected in summary
    assert "Creuse" in summary
    assert "Rupture de série en 2006" in summary
    breaks = driver.find_element(By.ID, "evolution-breaks-list").text
    assert "2006" in breaks

    # Change map: every département, hover labels with the formatted change.
    count = _map_paths(driver, 101)
    texts = driver.execute_script(TOOLTIPS)
    assert len(texts) == count
    creuse = next(text for text in texts if text.startswith("Creuse"))
    assert "\u2212" in creuse
    assert "%" in creuse
    assert any(text.startswith("Mayotte") and "donnée non disponible" in text for text in texts)
    legend = driver.find_element(By.ID, "evolution-legend").text
    assert "Évolution (%)" in legend

    # Click Cantal on the map: it joins the chart and the URL.
    cantal = next(i for i, text in enumerate(texts) if text.startswith("Cantal"))
    driver.execute_script(CLICK_PATH, cantal)
    wait_for_text(driver, "#evolution-click-message", "Cantal")
    data = _chart(driver, 4)
    assert "Cantal" in [trace["name"] for trace in data]
    wait_until(driver, lambda d: "departement:15" in _query(d).get("t", ""), 30, "the URL lacks Cantal")

    # Another mode: the URL follows, and a reload reproduces the view.
    driver.find_element(By.CSS_SELECTOR, "#evolution-mode input[value='annual_change']").click()
    wait_until(driver, lambda d: _query(d).get("mode") == "annual_change", 30, "mode not in the URL")
    wait_for_text(driver, "#evolution-chart-heading", "Variation annuelle moyenne")
    query = _query(driver)
    assert query["t"] == "departement:13,departement:23,departement:15"
    assert "base" not in query
    driver.refresh()
    wait_for_text(driver, "#evolution-chart-heading", "Variation annuelle moyenne", timeout=60)
    data = _chart(driver, 4)
    creuse_line = dict(zip(data[1]["x"], data[1]["y"]))
    assert creuse_line[2006] is None  # no rate across the 2006 break
    selected = driver.find_element(By.CSS_SELECTOR, "#evolution-mode input[value='annual_change']")
    assert selected.is_selected()

    # Downloads go through the shared export route with the current query.
    csv_link = driver.find_element(By.ID, "evolution-download-csv").get_attribute("href")
    assert "/export/evolution.csv?" in csv_link
    assert "mode=annual_change" in csv_link
    with urllib.request.urlopen(csv_link, timeout=120) as response:
        text = response.read().decode("utf-8-sig")
    assert "measure" in text.split("\n")[0]
    assert "Cantal" in text
    xlsx_link = driver.find_element(By.ID, "evolution-download-xlsx").get_attribute("href")
    with urllib.request.urlopen(xlsx_link, timeout=120) as response:
        assert response.read(2) == b"PK"

    # Screenshots in French, then the language switch keeps the view.
    full_page_screenshot(driver, "/tmp/evolution-fr-1366.png", 1366)
    switch = driver.find_element(By.ID, "shell-lang-switch")
    assert "mode=annual_change" in switch.get_attribute("href")
    switch.click()
    wait_for_text(driver, "h1", "How territories change over time", timeout=60)
    wait_for_text(driver, "#evolution-chart-heading", "Average annual change")
    _chart(driver, 4)
    summary = driver.find_element(By.ID, "evolution-summary").text
    assert "a change of" in summary
    _map_paths(driver, 101)
    full_page_screenshot(driver, "/tmp/evolution-en-1366.png", 1366)

    # Phones: one column, a chart that fits, nothing wider than the screen.
    for lang, query in (("en", START_QUERY + "&lang=en"), ("fr", START_QUERY)):
        driver.set_window_size(375, 800)
        driver.get(f"{live_server}/evolution?{query}")
        _chart(driver, 3)
        _map_paths(driver, 101)
        wait_until(driver, lambda d: d.execute_script(CHART_WIDTH) <= 375, 10, "the chart is wider than 375 px")
        assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")
        full_page_screenshot(driver, f"/tmp/evolution-{lang}-375.png", 375, restore=(375, 800))
    driver.set_window_size(1366, 900)

    assert external_requests(driver, live_server) == []
    severe = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


def test_evolution_invalid_parameters_fall_back(live_server, browser):
    driver = browser
    driver.get(f"{live_server}/evolution?indicator=nope&mode=sideways&t=commune:00000&from=abc")
    notice = wait_for(driver, "#evolution-notice", timeout=60)
    for name in ("indicator", "mode", "t", "from"):
        assert f"« {name} »" in notice.text
    data = _chart(driver, 1)
    assert data[0]["name"] == "France"
    wait_for_text(driver, "#evolution-chart-heading", "Population légale")


def test_map_shapes_are_not_tab_stops(live_server, browser):
    """Keyboard users choose territories in the search box; shapes must not trap Tab."""
    browser.get(f"{live_server}/evolution?indicator=population&t=departement:13&level=departement")
    _map_paths(browser, 101)
    focusable = browser.execute_script(
        "return Array.from(document.querySelectorAll('#evolution-map path.leaflet-interactive'))"
        ".filter(e => e.tabIndex >= 0).length")
    assert focusable == 0
