"""The map's download menu exports the view on screen, in every format it offers."""

from __future__ import annotations

import io
import urllib.parse
import urllib.request

import pytest
from openpyxl import load_workbook
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.e2e.helpers import wait_for

pytestmark = pytest.mark.e2e

MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<svg", "xlsx": b"PK"}


def test_map_download_links_follow_page_state(browser, live_server):
    browser.get(f"{live_server}/?level=region&k=4&lang=en")
    wait_for(browser, "#carte-downloads summary").click()
    links = browser.find_elements(By.CSS_SELECTOR, "#carte-downloads a.download-link")
    assert len(links) == 7

    hrefs = {}
    for link in links:
        ActionChains(browser).move_to_element(link).perform()
        hrefs[link.text] = link.get_attribute("href")
    for text, href in hrefs.items():
        query = urllib.parse.parse_qs(urllib.parse.urlparse(href).query)
        assert query.get("level") == ["region"], text
        assert query.get("k") == ["4"], text
        assert query.get("lang") == ["en"], text

    for href in hrefs.values():
        path = urllib.parse.urlparse(href).path
        file_format = path.rsplit(".", 1)[1]
        with urllib.request.urlopen(href, timeout=180) as response:
            body = response.read()
        assert response.status == 200, href
        if file_format in MAGIC:
            assert MAGIC[file_format] in body[:200], href
        if file_format == "xlsx":
            workbook = load_workbook(io.BytesIO(body))
            assert len(workbook.sheetnames) >= 2, workbook.sheetnames
        if file_format == "csv":
            rows = [line for line in body.splitlines() if line.strip() and not line.startswith(b"#")]
            assert len(rows) == 1 + 18, href  # header and one row per région
