"""QA: pages seen as a user sees them (keyboard, language, map drawing, portrait PDF)."""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.request

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.e2e.helpers import wait_for, wait_until

pytestmark = pytest.mark.e2e

ACTIVE = "return document.activeElement && document.activeElement.id"


def test_tab_leaves_the_classes_box(live_server, browser):
    """A keyboard user must reach the places picker and the map after the palette."""
    browser.get(f"{live_server}/?indicator=depenses_culturelles_communes_par_habitant&level=departement")
    wait_for(browser, "#carte-palette", 60)
    time.sleep(2)
    browser.execute_script("document.getElementById('carte-palette').focus()")
    reached = []
    for _ in range(4):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        time.sleep(0.2)
        reached.append(browser.execute_script(ACTIVE))
    assert "carte-method" not in reached, f"Tab cycles inside the classes box: {reached}"


@pytest.mark.parametrize("path", [
    "/evolution?t=commune%3A75056%2Cfrance%3AFR",
    "/?level=departement&places=musees%2Ccinema",
])
def test_french_pages_have_no_english_dropdown_text(live_server, browser, path):
    browser.get(live_server + path)
    wait_until(browser, lambda d: "selected" in d.find_element(By.TAG_NAME, "body").text
               or "sélectionnés" in d.find_element(By.TAG_NAME, "body").text, 60,
               "the multi-select count never appeared")
    text = browser.find_element(By.TAG_NAME, "body").text
    labels = browser.execute_script(
        "return [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))")
    assert " selected" not in text
    assert "Clear selection" not in labels


def test_commune_map_decodes_its_geometry(live_server, browser):
    browser.get(f"{live_server}/?indicator=population&level=commune")
    wait_for(browser, "#carte-map", 60)
    time.sleep(15)
    errors = [entry["message"] for entry in browser.get_log("browser")
              if entry["level"] == "SEVERE" and "geobuf" in entry["message"]]
    assert errors == [], errors


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext (poppler-utils) is needed")
def test_portrait_pdf_names_its_territory(live_server, tmp_path):
    target = tmp_path / "portrait.pdf"
    with urllib.request.urlopen(f"{live_server}/export/portrait.pdf?level=commune&code=01002",
                                timeout=300) as response:
        target.write_bytes(response.read())
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True,
                          check=True).stdout
    first_page = text.split("\f")[0]
    assert "L'Abergement-de-Varey" in first_page, first_page[:300]
    for title in ("Contexte socio-démographique", "Offre et lieux culturels",
                  "Dépenses culturelles publiques", "Emploi et entreprises culturels"):
        assert title in text
    assert "non publié" in text
