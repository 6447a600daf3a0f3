"""A bounded pool of kaleido renderers in the system Chromium, shared by every export.

Plotly figures become PNG, SVG or PDF in a headless Chromium driven by kaleido 1.x. Starting
the browser takes 1.5-4 s, so one browser is started lazily on the first export and reused. It
has `size` tabs, which is how many figures render at the same time. Requests beyond that wait
for a tab, at most `queue_wait` seconds, and then get `ExportBusy`.

Safety rules, each enforced here:
- the browser is the system Chromium (`BROWSER_PATH`, else `chromium` on PATH); kaleido's
  browser download is never called, and a missing browser raises `ExportUnavailable`;
- MathJax is disabled and plotly.js is the local copy, so the render page loads no script from
  the network. The browser also runs behind a proxy address on the loopback that refuses every
  connection, so nothing can leave the machine even if plotly.js tries;
- outline maps get a local topojson folder (`assets/topojson/`) instead of plotly's CDN;
- every render has a hard timeout; after a timeout the browser is restarted, because a stuck
  tab may never come back;
- the browser is restarted after `recycle_after` renders, or sooner when its processes use
  more than `max_memory_mb`, because reloading a tab does not give all the memory back. In a
  measurement with Chromium 156, the browser grew from 0.2 GB to a plateau near 0.5 GB over 60
  département map PNGs. A national commune map takes it to about 0.8 GB.

kaleido's own `start_sync_server` is not used: its `call_function` may hand one thread's
result to another when several threads call it at once.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import re
import shutil
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

import psutil
from kaleido.errors import KaleidoError

from atlas import config

log = logging.getLogger(__name__)

# Loopback address used as the browser's proxy: nothing listens there, so any request the render
# page would send to another host fails at once.
BLOCKING_PROXY = "http://127.0.0.1:9"
TOPOJSON_DIR = config.ASSETS_DIR / "topojson"
FORMATS = ("png", "svg", "pdf")
MEMORY_CHECK_EVERY = 5  # renders between two memory measurements (each costs a few ms)


# kaleido (1.5.1) reloads a tab after each render and can hand the tab to the next render before
# the reload has defined its page script; that render then fails with this error although the
# browser is healthy. Such a render is tried again after a short pause instead of restarting
# the browser.
TAB_NOT_READY_MARK = "kaleido_scopes is not defined"
TAB_NOT_READY_ATTEMPTS = 3
TAB_NOT_READY_PAUSE = 0.3  # seconds, times the attempt number

class ExportUnavailable(RuntimeError):
    """No usable browser: static exports cannot be produced on this machine."""


class ExportTimeout(RuntimeError):
    """A render did not finish within its timeout."""


class ExportBusy(RuntimeError):
    """Every renderer stayed busy for longer than the queue wait."""


class ExportFailed(RuntimeError):
    """The browser or plotly.js rejected the figure."""


def _env_int(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = os.environ.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        log.warning("invalid %s=%r, using %d", name, raw, default)
        return default
    return max(minimum, min(maximum, value))


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    try:
        return float(raw) if raw else default
    except ValueError:
        log.warning("invalid %s=%r, using %s", name, raw, default)
        return default


def default_size() -> int:
    """Return the default pool size: one tab per two cores, at most two, because each tab renders
    on a core of its own and the app and the browser's other processes need the rest."""
    return max(1, min(2, (os.cpu_count() or 1) // 2))


@dataclass(frozen=True)
class PoolSettings:
    """Pool size and time limits, read from the environment."""

    size: int = 1
    # A national commune map (35,000 shapes) renders in 6-15 s on 2 cores; the timeout leaves
    # room for a loaded machine.
    render_timeout: float = 45.0
    start_timeout: float = 30.0
    queue_wait: float = 60.0
    recycle_after: int = 100
    max_memory_mb: float = 800.0

    @classmethod
    def from_env(cls) -> PoolSettings:
        return cls(
            size=_env_int("ATLAS_EXPORT_RENDERERS", default_size(), 1, 8),
            render_timeout=_env_float("ATLAS_EXPORT_TIMEOUT", 45.0),
            start_timeout=_env_float("ATLAS_EXPORT_START_TIMEOUT", 30.0),
            queue_wait=_env_float("ATLAS_EXPORT_QUEUE_WAIT", 60.0),
            recycle_after=_env_int("ATLAS_EXPORT_RECYCLE", 100, 1, 100_000),
            max_memory_mb=_env_float("ATLAS_EXPORT_MAX_MEMORY_MB", 800.0),
        )


def browser_path() -> str | None:
    """Return the Chromium executable to use, or None when there is none.

    `BROWSER_PATH` wins when it is set, even if it points nowhere, so that an administrator
    can turn exports off. Without it, `chromium` (Debian) or `chromium-browser` on PATH is used.
    """
    configured = os.environ.get("BROWSER_PATH")
    if configured:
        path = Path(configured)
        return str(path) if path.is_file() and os.access(path, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


_PATH_DATA = re.compile(rb' d="([^"]*)"')
_LONG_DECIMAL = re.compile(rb"(\d+\.\d)\d+")


def compact_svg(svg: bytes) -> bytes:
    """Cut path coordinates to one decimal, an error under 0.1 CSS pixel (plotly writes 15).

    This halves the size of map SVGs. Only `d` attributes change, so colours, opacities and
    font sizes keep their exact values.
    """
    return _PATH_DATA.sub(lambda match: b' d="' + _LONG_DECIMAL.sub(rb"\1", match.group(1)) + b'"', svg)


def topojson_url() -> str:
    """File URL of the local topojson folder, with the trailing slash plotly.js expects."""
    return TOPOJSON_DIR.as_uri() + "/"


class RendererPool:
    """One Chromium with `size` kaleido tabs, driven from a private event-loop thread."""

    def __init__(self, settings: PoolSettings | None = None):
        self.settings = settings or PoolSettings.from_env()
        self._lock = threading.Lock()
        # Admission: at most `size` renders run, the others wait here for `queue_wait` seconds.
        self._slots = threading.BoundedSemaphore(self.settings.size)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._renders = 0
        self._active = 0  # renders in progress
        self._recycle_due = False
        self.started_at: float | None = None
        self.restarts = 0

    # Lifecycle

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or not self._loop.is_running():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="export-renderer", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    def _start_locked(self) -> None:
        path = browser_path()
        if path is None:
            raise ExportUnavailable(
                "no Chromium found (BROWSER_PATH is unset or invalid and `chromium` is not on PATH)")
        # kaleido and choreographer read BROWSER_PATH; set it so no other lookup happens.
        os.environ["BROWSER_PATH"] = path
        from kaleido import Kaleido, PageGenerator

        loop = self._ensure_loop()
        started = time.monotonic()

        async def open_browser():
            renderer = Kaleido(
                n=self.settings.size,
                timeout=self.settings.render_timeout,
                page_generator=PageGenerator(mathjax=False),
                path=path,
                proxy_server=BLOCKING_PROXY,
            )
            await renderer.open()
            return renderer

        future = asyncio.run_coroutine_threadsafe(open_browser(), loop)
        try:
            self._kaleido = future.result(timeout=self.settings.start_timeout)
        except FutureTimeout as error:
            future.cancel()
            raise ExportUnavailable(
                f"Chromium at {path} did not start within {self.settings.start_timeout:.0f} s") from error
        except Exception as error:  # choreographer raises several types for a broken browser
            raise ExportUnavailable(f"Chromium at {path} could not start: {error}") from error
        self._renders = 0
        self._recycle_due = False
        self.started_at = time.monotonic()
        log.info("export renderer started: %s, %d tab(s), %.2f s", path, self.settings.size,
                 time.monotonic() - started)

    def _stop_locked(self) -> None:
        renderer, self._kaleido = self._kaleido, None
        if renderer is None or self._loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(renderer.close(), self._loop)
        try:
            future.result(timeout=10)
        except Exception as error:  # closing a broken browser may fail in several ways
            log.warning("export renderer did not close cleanly: %r", error)
        log.info("export renderer stopped after %d render(s)", self._renders)

    def close(self) -> None:
        """Stop the browser and the loop thread; the next render starts them again."""
        with self._lock:
            self._stop_locked()
            if self._loop is not None:
                self._loop.call_soon_threadsafe(self._loop.stop)
                if self._thread is not None:
                    self._thread.join(timeout=5)
                self._loop, self._thread = None, None

    def _restart(self, reason: str) -> None:
        with self._lock:
            log.warning("export renderer restarting: %s", reason)
            self.restarts += 1
            self._stop_locked()

    @contextlib.contextmanager
    def _renderer(self):
        """Yield the running kaleido and its loop, starting or recycling the browser first.

        A recycle waits until no render is in progress, so that none is cut off.
        """
        with self._lock:
            worn_out = self._renders >= self.settings.recycle_after or self._recycle_due
            if self._kaleido is not None and worn_out and self._active == 0:
                log.info("export renderer recycled after %d renders (memory limit reached: %s)",
                         self._renders, self._recycle_due)
                self._stop_locked()
            if self._kaleido is None:
                self._start_locked()
            self._renders += 1
            self._active += 1
            renders = self._renders
            renderer, loop = self._kaleido, self._loop
        try:
            yield renderer, loop
        finally:
            with self._lock:
                self._active -= 1
        if renders % MEMORY_CHECK_EVERY == 0:
            self._check_memory()

    def _check_memory(self) -> None:
        used = self.browser_memory_mb()
        if used > self.settings.max_memory_mb:
            log.info("export renderer uses %.0f MB (limit %.0f MB): recycling it", used,
                     self.settings.max_memory_mb)
            self._recycle_due = True

    def browser_memory_mb(self) -> float:
        """Unique memory (USS) of the browser and its child processes, in MB."""
        total = 0
        for pid in self.browser_pids():
            try:
                parent = psutil.Process(pid)
                for process in (parent, *parent.children(recursive=True)):
                    total += process.memory_full_info().uss
            except psutil.Error:
                continue
        return total / 1e6

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def browser_pids(self) -> list[int]:
        """Process ids of the running browser (for benchmarks measuring its memory)."""
        renderer = self._kaleido
        process = getattr(renderer, "subprocess", None) if renderer is not None else None
        pid = getattr(process, "pid", None)
        return [pid] if pid else []

    # Rendering

    def render(self, figure, fmt: str, width: int, height: int, scale: float = 1.0,
               label: str = "figure") -> bytes:
        """Render one figure (plotly Figure or dict) as `fmt` bytes, within the timeout."""
        if fmt not in FORMATS:
            raise ValueError(f"format {fmt!r} is not one of {FORMATS}")
        if not self._slots.acquire(timeout=self.settings.queue_wait):
            log.warning("export %s %s rejected: every renderer busy for %.0f s", label, fmt,
                        self.settings.queue_wait)
            raise ExportBusy(f"every renderer stayed busy for {self.settings.queue_wait:.0f} s")
        try:
            return self._render_in_slot(figure, fmt, width, height, scale, label)
        finally:
            self._slots.release()

    def _render_in_slot(self, figure, fmt, width, height, scale, label) -> bytes:
        with self._renderer() as (renderer, loop):
            return self._render_with(renderer, loop, figure, fmt, width, height, scale, label)

    def _render_with(self, renderer, loop, figure, fmt, width, height, scale, label) -> bytes:
        for attempt in range(1, TAB_NOT_READY_ATTEMPTS + 1):
            try:
                return self._render_once(renderer, loop, figure, fmt, width, height, scale, label)
            except ExportFailed as error:
                if TAB_NOT_READY_MARK not in str(error) or attempt == TAB_NOT_READY_ATTEMPTS:
                    raise
                log.warning("export %s %s: tab not ready after its reload, attempt %d again", label, fmt, attempt)
                time.sleep(TAB_NOT_READY_PAUSE * attempt)
        raise AssertionError("unreachable")

    def _render_once(self, renderer, loop, figure, fmt, width, height, scale, label) -> bytes:
        opts = {"format": fmt, "width": int(width), "height": int(height), "scale": float(scale)}
        started = time.monotonic()
        coroutine = renderer.calc_fig(figure, opts=opts, topojson=topojson_url())
        future = asyncio.run_coroutine_threadsafe(coroutine, loop)
        # kaleido applies the same timeout inside the browser; this outer one also covers a tab
        # that never comes back from its reload.
        try:
            data = future.result(timeout=self.settings.render_timeout + 5)
        except (FutureTimeout, asyncio.TimeoutError, TimeoutError) as error:
            future.cancel()
            elapsed = time.monotonic() - started
            log.error("export %s %s timed out after %.1f s", label, fmt, elapsed)
            self._restart(f"render of {label} timed out")
            raise ExportTimeout(f"render timed out after {elapsed:.0f} s") from error
        except Exception as error:  # kaleido and choreographer raise several types
            elapsed = time.monotonic() - started
            if elapsed >= self.settings.render_timeout:
                # A timeout that cancelled the tab can surface as a closed-channel error.
                log.error("export %s %s timed out after %.1f s: %r", label, fmt, elapsed, error)
                self._restart(f"render of {label} timed out")
                raise ExportTimeout(f"render timed out after {elapsed:.0f} s") from error
            if TAB_NOT_READY_MARK in str(error) and self._browser_alive(renderer):
                # The browser is fine: the tab was handed out before its page finished reloading.
                raise ExportFailed(f"the renderer rejected the figure: {error}") from error
            log.error("export %s %s failed after %.2f s: %r", label, fmt, elapsed, error)
            if not isinstance(error, KaleidoError) or not self._browser_alive(renderer):
                # Only a KaleidoError (plotly.js rejected the figure) leaves the browser usable.
                self._restart(f"browser failed while rendering {label}: {error!r}")
            raise ExportFailed(f"the renderer rejected the figure: {error}") from error
        if fmt == "svg":
            data = compact_svg(data)
        log.info("export %s %s %dx%d@%.2g rendered in %.2f s (%d bytes)", label, fmt, width,
                 height, scale, time.monotonic() - started, len(data))
        return data

    @staticmethod
    def _browser_alive(renderer) -> bool:
        process = getattr(renderer, "subprocess", None)
        return process is None or process.poll() is None

    def run_coroutine(self, make_coroutine, timeout: float):
        """Run `make_coroutine(kaleido)` in the renderer loop, for callers needing the browser.

        Used by the A4 assembly, which opens its own tab to print an HTML page.
        """
        if not self._slots.acquire(timeout=self.settings.queue_wait):
            raise ExportBusy(f"every renderer stayed busy for {self.settings.queue_wait:.0f} s")
        try:
            with self._renderer() as (renderer, loop):
                future = asyncio.run_coroutine_threadsafe(make_coroutine(renderer), loop)
                try:
                    return future.result(timeout=timeout)
                except FutureTimeout as error:
                    future.cancel()
                    self._restart("page print timed out")
                    raise ExportTimeout(f"page print timed out after {timeout:.0f} s") from error
        finally:
            self._slots.release()


_pool: RendererPool | None = None
_pool_lock = threading.Lock()


def get_pool() -> RendererPool:
    """Return the process-wide pool (one per gunicorn worker), created on first use."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = RendererPool()
            atexit.register(_pool.close)
        return _pool


def reset_pool() -> None:
    """Stop and forget the process-wide pool (tests change the environment between pools)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
        _pool = None
