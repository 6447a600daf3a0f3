"""Comparer page in headless Chromium: a commune, its EPCI, département, région and France.

The comparison is built as a user builds it (search, then the "larger territories" shortcut),
its figures are checked against the open-data API, and the URL, sorting, reference, views,
downloads and bad parameters are exercised on the real app.
"""

from __future__ import annotations

import csv
import io
import json
import urllib.parse
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from atlas.catalogue import load_catalogue
from atlas.compare import default_indicators
from atlas.formatting import format_value
from tests.e2e.helpers import external_requests, wait_for, wait_for_text, wait_until

pytestmark = pytest.mark.e2e

CHAIN = ["commune:69123", "epci:200046977", "departement:69", "region:84"]
NAMES = ["Lyon", "Métropole de Lyon", "Rhône", "Auvergne-Rhône-Alpes", "France"]
SPENDING = "depenses_culturelles_communes_par_habitant"


def _spaces(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def _query(driver) -> dict:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(driver.current_url).query))


def _api_values(base: str, indicator: str, level: str, year: int) -> dict:
    url = f"{base}/api/v1/indicators/{indicator}/values?level={level}&year={year}"
    with urllib.request.urlopen(url, timeout=60) as response:
        return {row["code"]: row for row in json.load(response)["values"]}


def _column_names(driver) -> list[str]:
    # Read in one script: the page is rebuilt after each change, which makes held elements stale.
    return driver.execute_script(
        "return [...document.querySelectorAll('#comparer-table .comparer-col-name')].map(e => e.textContent)")


def _wait_columns(driver, names: list[str], timeout: float = 60) -> None:
    wait_until(driver, lambda d: _column_names(d) == names, timeout,
               f"the table columns did not become {names}")


def _row_cells(driver, indicator_id: str) -> list[str]:
    row = driver.find_element(By.ID, f"comparer-row-{indicator_id}")
    return [_spaces(cell.find_element(By.CSS_SELECTOR, ".comparer-value").text)
            for cell in row.find_elements(By.CSS_SELECTOR, "td.num")[1:]]


def _pattern_button(driver, kind: str, key: str):
    """The button whose Dash pattern-matching id is {"type": kind, "key": key}."""
    dom_id = json.dumps({"key": key, "type": kind}, separators=(",", ":"))
    return wait_until(driver, lambda d: d.execute_script("return document.getElementById(arguments[0])", dom_id),
                      30, f"no button {dom_id}")


def _choose(driver, dropdown_id: str, text: str) -> None:
    """Pick an option of a dcc.Dropdown as a user does: open it, type, click the match."""
    driver.find_element(By.ID, dropdown_id).click()
    content = wait_for(driver, ".dash-dropdown-content")
    searches = content.find_elements(By.CSS_SELECTOR, "input.dash-dropdown-search")
    if searches:
        searches[0].send_keys(text)

    def matching_option(d):
        for option in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content [role=option]"):
            if text.lower() in option.text.lower():
                return option
        return None

    wait_until(driver, matching_option, 30, f"no option '{text}' in {dropdown_id}").click()


def _screenshot(driver, path: str, width: int) -> None:
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(width, min(height + 120, 6000))
    driver.save_screenshot(path)
    driver.set_window_size(1366, 900)


def test_compare_commune_with_its_parents(live_server, browser, screenshot_dir):
    driver = browser
    driver.set_window_size(1366, 900)
    driver.get(f"{live_server}/comparer")
    wait_for(driver, "#comparer-empty", timeout=90)

    # Search the commune by its code, then add its EPCI, département and région in one click.
    _choose(driver, "comparer-territories", "69123")
    driver.find_element(By.TAG_NAME, "body").click()
    _wait_columns(driver, ["Lyon", "France"])
    assert _query(driver)["t"] == "commune:69123"
    wait_for(driver, "#comparer-add-parents").click()
    _wait_columns(driver, NAMES)
    assert _query(driver)["t"] == ",".join(CHAIN)

    # The figures of one indicator match the open-data API, formatted the French way.
    indicator = load_catalogue().get(SPENDING)
    assert SPENDING in default_indicators()
    year = int(driver.find_element(By.CSS_SELECTOR, f"#comparer-row-{SPENDING} td.num").text)
    cells = _row_cells(driver, SPENDING)
    for (level, code), shown in zip([item.split(":") for item in CHAIN] + [["france", "FR"]], cells):
        row = _api_values(live_server, SPENDING, level, year)[code]
        expected = format_value(row["value"], row["status"], indicator.unit_label("fr"), indicator.decimals, "fr")
        assert shown == _spaces(expected), f"{level}:{code}"
    gap = driver.find_element(By.CSS_SELECTOR, f"#comparer-row-{SPENDING} td.num:nth-of-type(2) .comparer-gap").text
    lyon = _api_values(live_server, SPENDING, "commune", year)["69123"]["value"]
    france = _api_values(live_server, SPENDING, "france", year)["FR"]["value"]
    assert f"indice {round(lyon / france * 100)}" in _spaces(gap)

    # A level where the indicator is not published reads "sans objet", never 0.
    regional = "depenses_culturelles_regions_par_habitant"
    driver.get(f"{live_server}/comparer?t={','.join(CHAIN)}&indicators={SPENDING},{regional}")
    _wait_columns(driver, NAMES)
    assert _row_cells(driver, regional)[0] == "sans objet"

    # Sorting by the index of Lyon writes the URL; a reload of the link shows the same table.
    _pattern_button(driver, "comparer-sort", "commune:69123").click()
    wait_until(driver, lambda d: _query(d).get("sort") == "commune:69123", 30, "sort not in the URL")
    wait_for(driver, '#comparer-table th[aria-sort="descending"]')
    shared = driver.current_url
    driver.get(shared)
    _wait_columns(driver, NAMES)
    wait_for(driver, '#comparer-table th[aria-sort="descending"]')

    # The région as reference: its column is marked and France keeps its own column.
    _choose(driver, "comparer-ref", "Auvergne-Rhône-Alpes")
    wait_until(driver, lambda d: _query(d).get("ref") == "region:84", 30, "ref not in the URL")
    wait_for_text(driver, "#comparer-table th.is-reference .comparer-col-name", "Auvergne-Rhône-Alpes")
    _wait_columns(driver, NAMES)

    # Removing a territory from its column header.
    _pattern_button(driver, "comparer-remove", "departement:69").click()
    _wait_columns(driver, ["Lyon", "Métropole de Lyon", "Auvergne-Rhône-Alpes", "France"])
    assert "departement:69" not in _query(driver)["t"]

    # Downloads go through the export routes with the current query.
    driver.get(f"{live_server}/comparer?t={','.join(CHAIN)}&theme=contexte")
    _wait_columns(driver, NAMES)
    href = driver.find_element(By.ID, "comparer-download-csv").get_attribute("href")
    assert href.startswith(f"{live_server}/export/comparaison.csv?")
    with urllib.request.urlopen(href, timeout=120) as response:
        assert response.status == 200
        text = response.read().decode("utf-8")
    rows = [row for row in csv.DictReader(io.StringIO(text)) if not row["indicator"].startswith("#")]
    assert {row["code"] for row in rows} == {"69123", "200046977", "69", "84", "FR"}
    xlsx = driver.find_element(By.ID, "comparer-download-xlsx").get_attribute("href")
    with urllib.request.urlopen(xlsx, timeout=120) as response:
        assert response.read(2) == b"PK"

    assert external_requests(driver, live_server) == []
    _screenshot(driver, str(screenshot_dir / "comparer-table-fr-1366.png"), 1366)
    _screenshot(driver, "/tmp/comparer-table-fr-1366.png", 1366)
    _screenshot(driver, "/tmp/comparer-table-fr-375.png", 375)


def test_compare_charts_and_maps(live_server, browser, screenshot_dir):
    driver = browser
    driver.set_window_size(1366, 900)
    indicators = f"{SPENDING},part_salaries_secteurs_culturels,densite_population"
    driver.get(f"{live_server}/comparer?t={','.join(CHAIN)}&indicators={indicators}&view=charts")
    wait_for(driver, "#comparer-profile .main-svg", timeout=90)
    titles = [element.text for element in driver.find_elements(By.CSS_SELECTOR, "#comparer-charts .gtitle")]
    assert any("France = 100" in title for title in titles)
    bars = driver.find_elements(By.CSS_SELECTOR, "#comparer-charts .comparer-bars .js-plotly-plot")
    assert len(bars) == 3
    sources = driver.find_elements(By.CSS_SELECTOR, "#comparer-charts .comparer-bars .source-line")
    assert len(sources) == 3
    assert all(source.text.startswith("Source") for source in sources)
    _screenshot(driver, "/tmp/comparer-charts-fr-1366.png", 1366)
    _screenshot(driver, "/tmp/comparer-charts-fr-375.png", 375)

    # The maps: one per selected territory, with the compared territory outlined.
    driver.find_element(By.ID, "comparer-view-maps").click()
    wait_until(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#comparer-maps .comparer-map-panel canvas")) >= 4,
               90, "the four maps were not drawn")
    assert _query(driver).get("view") == "maps"
    legends = driver.find_elements(By.CSS_SELECTOR, "#comparer-maps .comparer-legend")
    assert len(legends) == 4  # one level each: classes are shared within a level only
    assert external_requests(driver, live_server) == []
    _screenshot(driver, "/tmp/comparer-maps-fr-1366.png", 1366)

    # English: labels, numbers and units follow the language.
    driver.get(f"{live_server}/comparer?t={','.join(CHAIN)}&indicators={indicators}&lang=en")
    wait_for_text(driver, "#comparer-title", "Compare territories", timeout=60)
    _wait_columns(driver, NAMES)
    assert "per inhabitant" in " ".join(_row_cells(driver, SPENDING))
    _screenshot(driver, "/tmp/comparer-table-en-1366.png", 1366)
    _screenshot(driver, "/tmp/comparer-table-en-375.png", 375)
    driver.get(f"{live_server}/comparer?t={','.join(CHAIN)}&indicators={indicators}&lang=en&view=charts")
    wait_for(driver, "#comparer-profile .main-svg", timeout=60)
    _screenshot(driver, str(screenshot_dir / "comparer-charts-en-375.png"), 375)
    _screenshot(driver, "/tmp/comparer-charts-en-375.png", 375)


@pytest.mark.parametrize("query, name", [
    ("t=commune:99999,commune:69123", "t"),
    ("t=commune:69123&indicators=no_such_indicator", "indicators"),
    ("t=commune:69123&ref=region:11", "ref"),
    ("t=commune:69123&view=<script>", "view"),
])
def test_bad_url_falls_back_with_message(live_server, browser, query, name):
    browser.get(f"{live_server}/comparer?{query}")
    notice = wait_for(browser, "#comparer-notice", timeout=60)
    assert f"« {name} »" in notice.text
    _wait_columns(browser, ["Lyon", "France"])
