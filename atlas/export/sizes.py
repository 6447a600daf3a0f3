"""Print sizes of exported images: pixels, centimetres at 300 dpi, and presets.

A figure is laid out at a width in CSS pixels (96 per inch), which fixes how big the text is
next to the drawing. PNG output is then scaled up to the requested pixel count, while SVG and
PDF keep the CSS size as their physical size. So a "note" export pasted at 16 cm in a word
processor shows 12 px text as 9 pt, the same as in the atlas.

Query parameters (at most one of them):
- `width`: final width in pixels, for PNG as for SVG and PDF (read at 96 pixels per inch);
- `width_cm`: width in centimetres, PNG rendered at 300 dpi;
- `preset`: `note` (16 cm wide, 300 dpi) or `slide` (16:9, 1920 x 1080 PNG).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

CSS_DPI = 96
PRINT_DPI = 300
CM_PER_INCH = 2.54
PRESETS = ("note", "slide")
SIZE_PARAMETERS = ("width", "width_cm", "preset")
MIN_WIDTH_PX, MAX_WIDTH_PX = 300, 6000
MIN_WIDTH_CM, MAX_WIDTH_CM = 6.0, 50.0
# Above this layout width text becomes too small next to the drawing, so wider PNGs are
# produced by scaling instead of widening the layout.
MAX_LAYOUT_WIDTH = 1600
NOTE_WIDTH_CM = 16.0
SLIDE_LAYOUT = (1280, 720)
SLIDE_PNG_WIDTH = 1920
DEFAULT_PNG_SCALE = 2.0


class SizeError(ValueError):
    """An invalid size parameter, with the valid choices; `reason` is `invalid` or `conflict`."""

    def __init__(self, parameter: str, message: str, choices: str, reason: str = "invalid"):
        super().__init__(message)
        self.parameter = parameter
        self.choices = choices
        self.reason = reason


@dataclass(frozen=True)
class ImageSize:
    """Layout size in CSS pixels and the scale factors of raster and vector output."""

    width: int
    height: int
    png_scale: float
    label: str
    vector_scale: float = 1.0

    def scale_for(self, fmt: str) -> float:
        """Scale passed to the renderer: SVG and PDF keep their physical size unless `width` set pixels."""
        return self.png_scale if fmt == "png" else self.vector_scale

    def pixel_size(self, fmt: str) -> tuple[int, int]:
        """Output size in pixels (CSS pixels for SVG and PDF), as Chromium truncates it."""
        scale = self.scale_for(fmt)
        return int(self.width * scale), int(self.height * scale)


def cm_to_css_px(cm: float) -> int:
    return round(cm / CM_PER_INCH * CSS_DPI)


def _scale_to(pixels: int, layout_width: int) -> float:
    # Chromium truncates width * scale, so a quarter pixel more keeps `pixels` exact.
    return (pixels + 0.25) / layout_width


def _print_size(cm: float, aspect: float, label: str) -> ImageSize:
    """`cm` wide: laid out at 96 CSS pixels per inch, PNG scaled to exactly 300 dpi."""
    width = cm_to_css_px(cm)
    target = round(cm / CM_PER_INCH * PRINT_DPI)
    return ImageSize(width, round(width * aspect), _scale_to(target, width), label)


def _number(params: Mapping[str, str], name: str, low: float, high: float, unit: str) -> float:
    raw = str(params[name]).strip().replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (low <= value <= high):  # also rejects NaN and infinities
        raise SizeError(name, f"invalid {name}={params[name]!r}: expected a number of {unit} "
                              f"between {low:g} and {high:g}", f"{low:g}-{high:g}")
    return value


def parse_size(params: Mapping[str, str], default_width: int, default_height: int) -> ImageSize:
    """Read the size parameters of an export request.

    `default_width` x `default_height` is the view's natural layout in CSS pixels; its aspect
    ratio is kept, except by the slide preset (16:9). Raises SizeError on an invalid value or
    on more than one size parameter.
    """
    given = [name for name in SIZE_PARAMETERS if str(params.get(name) or "").strip()]
    if len(given) > 1:
        raise SizeError(given[1], f"use only one of {', '.join(SIZE_PARAMETERS)} (got {', '.join(given)})",
                        ", ".join(SIZE_PARAMETERS), reason="conflict")
    aspect = default_height / default_width
    if not given:
        return ImageSize(default_width, default_height, DEFAULT_PNG_SCALE, "default")

    name = given[0]
    if name == "preset":
        preset = str(params["preset"]).strip().lower()
        if preset == "note":
            return _print_size(NOTE_WIDTH_CM, aspect, "note")
        if preset == "slide":
            width, height = SLIDE_LAYOUT
            return ImageSize(width, height, SLIDE_PNG_WIDTH / width, "slide")
        raise SizeError("preset", f"invalid preset={params['preset']!r}: expected one of {', '.join(PRESETS)}",
                        ", ".join(PRESETS))

    if name == "width_cm":
        cm = _number(params, "width_cm", MIN_WIDTH_CM, MAX_WIDTH_CM, "centimetres")
        return _print_size(cm, aspect, f"{cm:g}cm")

    pixels = round(_number(params, "width", MIN_WIDTH_PX, MAX_WIDTH_PX, "pixels"))
    layout_width = min(pixels, MAX_LAYOUT_WIDTH)
    scale = _scale_to(pixels, layout_width) if pixels != layout_width else 1.0
    return ImageSize(layout_width, round(layout_width * aspect), scale, f"{pixels}px", vector_scale=scale)
