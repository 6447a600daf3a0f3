"""Benchmark of the map page in headless Chromium against the real app served by gunicorn.

Prints, for the département map and the national commune map: first render after page load,
repaint time and bytes transferred on an indicator switch, the server time of the payload
callback; and for the place layers: first display of every point and a filter change.

    .venv/bin/python bench/bench_map.py [--runs 3] [--port 0]

Times come from the browser clock (`performance.now()`): a render or repaint ends on the
animation frame after assets/carte.js has restyled every feature. Bytes are the
`transferSize` of the resource timing entries (HTTP bodies plus headers) started after the
switch. The server time of a callback is `responseStart - requestStart` of its request.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from atlas import store  # noqa: E402
from atlas.mapstate import map_indicators, map_levels  # noqa: E402
from atlas.places import DOMAIN_IDS  # noqa: E402

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage")
TARGETS = {
    "departement first render": 1500, "departement switch repaint": 300, "departement switch bytes": 50_000,
    "commune first render": 3000, "commune switch repaint": 500, "commune switch bytes": 400_000,
    "commune switch server": 100, "commune payload compute": 100, "places first display": 1500,
    "places filter change": 300,
}

PAINT_AFTER = """
const since = arguments[0], key = arguments[1];
const c = window.atlasCarte && window.atlasCarte.state;
const p = c && c.lastPaint;
return (p && p.painted && p.key === key && p.at > since) ? p.painted : null;
"""

BYTES_AFTER = """
const since = arguments[0];
return performance.getEntriesByType('resource').filter(e => e.startTime >= since)
  .map(e => ({name: e.name, size: e.transferSize || e.encodedBodySize || 0,
              server: e.responseStart - e.requestStart, start: e.startTime, end: e.responseEnd}));
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "app:server", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
         "--timeout", "120", "--log-level", "warning"],
        cwd=REPO, env={**os.environ, "LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL)  # the access log; errors still reach stderr
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_dash-layout", timeout=5):
                return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("the app did not start within 90 s")


def make_driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--window-size=1366,900")
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def wait_for(driver, script: str, *args, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError(f"timed out waiting for: {script.strip()[:80]}")


def first_render(driver, base: str, query: str, key: str) -> float:
    """Milliseconds from navigation start to the first complete choropleth paint."""
    driver.get("about:blank")
    driver.get(f"{base}/?{query}")
    return wait_for(driver, PAINT_AFTER, 0, key)


def switch(driver, component: str, value, key: str) -> dict:
    """Set a control as a user would, wait for the repaint; return time, bytes, server time."""
    since = driver.execute_script("return performance.now()")
    driver.execute_script("window.dash_clientside.set_props(arguments[0], {value: arguments[1]})", component, value)
    painted = wait_for(driver, PAINT_AFTER, since, key)
    time.sleep(0.3)  # let late requests (table, panel) finish so that their bytes are counted
    entries = driver.execute_script(BYTES_AFTER, since)
    callbacks = [e for e in entries if "_dash-update-component" in e["name"]]
    payload = max(callbacks, key=lambda e: e["size"]) if callbacks else None
    return {"repaint": painted - since, "bytes": sum(e["size"] for e in entries),
            "server": payload["server"] if payload else float("nan")}


def places_display(driver, selection: list[str]) -> float:
    """Milliseconds from choosing place layers to their clusters drawn on the map."""
    since = driver.execute_script("return performance.now()")
    driver.execute_script("window.dash_clientside.set_props('carte-places', {value: arguments[0]})", selection)
    wanted = [f"/geo/places/{item}.pbf" for item in selection]
    script = """
    const since = arguments[0], wanted = arguments[1];
    const done = performance.getEntriesByType('resource').filter(e => e.startTime >= since && e.responseEnd > 0);
    const loaded = wanted.every(w => done.some(e => e.name.includes(w)));
    if (!loaded || !document.querySelector('.carte-cluster, path.leaflet-interactive')) return null;
    const last = Math.max(...done.filter(e => wanted.some(w => e.name.includes(w))).map(e => e.responseEnd));
    return new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(
        () => resolve(Math.max(last, performance.now())))));
    """
    # The supercluster index is built after the download; two frames later the markers are drawn.
    return _wait_async(driver, script, since, wanted) - since


def _wait_async(driver, script: str, since: float, wanted: list[str], timeout: float = 60.0) -> float:
    asynchronous = "const done_cb = arguments[arguments.length - 1];" \
                   "Promise.resolve((function(){" + script + "}).apply(null, arguments)).then(done_cb);"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_async_script(asynchronous, since, wanted)
        if value:
            return value
        time.sleep(0.02)
    raise TimeoutError("place layers were not drawn")


def pick_indicators(level: str, count: int = 2) -> list[str]:
    ids = [i.id for i in map_indicators() if level in map_levels(i) and not i.is_categorical]
    if len(ids) < count:
        raise SystemExit(f"need {count} numeric indicators at level {level}, found {ids}")
    return ids


def commune_compute_times(runs: int) -> list[float]:
    """Milliseconds to build a national commune payload in this process, without the cache:
    the part of the callback's server time that is the app's own work."""
    from atlas.mapdata import cached_payload
    from atlas.mapstate import parse_state

    chosen = (pick_indicators("commune") * runs)[:runs]
    for indicator_id in chosen:  # the first read of an indicator loads the value store
        store.indicator_values(indicator_id, "commune", store.indicator_years(indicator_id, "commune")[-1])
    times = []
    for indicator_id in chosen:
        state = parse_state({"indicator": indicator_id, "level": "commune"})
        started = time.perf_counter()
        cached_payload.uncached(state.indicator, state.level, state.year, None, state.method, state.k, (),
                                state.palette, state.lang, "bench")
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, values: list[float], unit: str) -> None:
    median = statistics.median(values)
    target = TARGETS.get(name)
    verdict = "" if target is None else ("  ok" if median <= target else f"  OVER target {target:,} {unit}")
    shown = ", ".join(f"{v:,.0f}" for v in values)
    print(f"{name:32s} median {median:>10,.0f} {unit:5s} (runs: {shown}){verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each measure (default 3)")
    parser.add_argument("--port", type=int, default=0, help="port of the app (default: a free port)")
    args = parser.parse_args()
    if not store.is_built():
        raise SystemExit("no data build: run `python -m loaders build` first")

    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(figures grow with the load of a shared machine)")
    report("commune payload compute", commune_compute_times(args.runs), "ms")

    port = args.port or free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    driver = make_driver()
    driver.set_script_timeout(60)
    try:
        print(f"map benchmark: {base}, {args.runs} runs, Chromium headless")
        for level in ("departement", "commune"):
            ids = pick_indicators(level)
            query = f"indicator={ids[0]}&level={level}"
            # The first load fills the server cache and the browser cache of the geometry file.
            cold = first_render(driver, base, query, level)
            renders = [first_render(driver, base, query, level) for _ in range(args.runs)]
            report(f"{level} first render, cold", [cold], "ms")
            repaints, sizes, servers = [], [], []
            for run in range(args.runs):
                result = switch(driver, "carte-indicator", ids[(run + 1) % len(ids)], level)
                repaints.append(result["repaint"])
                sizes.append(result["bytes"])
                servers.append(result["server"])
            report(f"{level} first render", renders, "ms")
            report(f"{level} switch repaint", repaints, "ms")
            report(f"{level} switch bytes", sizes, "B")
            report(f"{level} switch server", servers, "ms")

        if store.read_optional("places.parquet") is None:
            print("places: not built, place layers not measured")
            return
        first, changes = [], []
        for _ in range(args.runs):
            first_render(driver, base, "level=departement", "departement")
            first.append(places_display(driver, list(DOMAIN_IDS)))
            changes.append(places_display(driver, ["musee_de_france"]))
        report("places first display", first, "ms")
        report("places filter change", changes, "ms")
    finally:
        driver.quit()
        server.terminate()
        server.wait(timeout=10)
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
