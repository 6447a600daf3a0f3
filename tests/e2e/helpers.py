"""Waiting helpers for selenium tests of a Dash app."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def wait_for_text(driver, css: str, text: str, timeout: float = 20):
    """Wait until the element matching `css` contains `text`; return the element."""
    WebDriverWait(driver, timeout).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css)


def wait_for(driver, css: str, timeout: float = 20):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_until(driver, predicate, timeout: float = 20, message: str = ""):
    return WebDriverWait(driver, timeout).until(lambda d: predicate(d), message)


def external_requests(driver, base_url: str) -> list[str]:
    """URLs the page requested outside `base_url`, from the browser's resource timing entries."""
    urls = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".concat([document.location.href]);")
    return [u for u in urls if not u.startswith(base_url) and not u.startswith("data:")
            and not u.startswith("blob:")]


def full_page_screenshot(driver, path: str, width: int, restore: tuple[int, int] = (1366, 900)) -> None:
    """Save a screenshot of the whole page at `width`, then restore the window size."""
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(width, min(height + 120, 6000))
    driver.save_screenshot(path)
    driver.set_window_size(*restore)
