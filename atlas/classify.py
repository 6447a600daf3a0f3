"""Map classes: class breaks with mapclassify, ColorBrewer palettes, legend labels.

`classify(values, method, k)` returns a `Classification`: the upper bound of each class, the
class of every value (-1 where the value is not `ok`, given as NaN), the count per class and
legend labels in French or English. `class_colors` picks a colour-blind-safe ColorBrewer
palette of the right size, diverging palettes centred on zero (or on the mean for the
standard-deviation method). `STATUS_STYLES` defines how values that are not `ok` are drawn:
grey hatches, one per status, never a class colour.

Methods: `quantiles`, `jenks` (Fisher-Jenks natural breaks), `equal_interval`, `std_mean`
(classes of one standard deviation around the mean, a diverging scheme) and `manual` (breaks
chosen by the user). Breaks are never typed in code: they come from mapclassify.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field

import mapclassify
import numpy as np
from palettable.colorbrewer import get_map

from atlas.formatting import format_number
from atlas.i18n import t

log = logging.getLogger(__name__)

METHODS = ("quantiles", "jenks", "equal_interval", "std_mean", "manual")
MIN_CLASSES = 3
MAX_CLASSES = 9
MAX_MANUAL_BREAKS = MAX_CLASSES - 1

# Fisher-Jenks is quadratic in the number of values and mapclassify runs it in pure Python
# without numba (measured on a 2-core machine: 0.3 s for 500 values, 5 s for 2,000). Above this size it runs on evenly
# spaced order statistics of the sorted values, which keep the shape of the distribution and
# make the result deterministic (FisherJenksSampled draws a random sample).
JENKS_SAMPLE_SIZE = 500

# ColorBrewer schemes marked colour-blind safe at every size on colorbrewer2.org.
SEQUENTIAL_SCHEMES = ("Blues", "BuGn", "BuPu", "GnBu", "Greens", "Greys", "Oranges", "OrRd", "PuBu",
                      "PuBuGn", "PuRd", "Purples", "RdPu", "Reds", "YlGn", "YlGnBu", "YlOrBr", "YlOrRd")
DIVERGING_SCHEMES = ("BrBG", "PiYG", "PRGn", "PuOr", "RdBu", "RdYlBu")
DEFAULT_SCHEME = {"sequential": "Blues", "diverging": "RdBu"}

# Values that are not `ok` are drawn in grey with a hatch of their own, so that a missing value
# never reads as a low one. `pattern` names the hatch drawn by the map script and the legend CSS.
STATUS_STYLES = {
    "missing": {"fill": "#f0f0f0", "line": "#969696", "pattern": "diagonal"},
    "secret": {"fill": "#d9d9d9", "line": "#525252", "pattern": "cross"},
    "not_published": {"fill": "#ececec", "line": "#737373", "pattern": "horizontal"},
    "not_applicable": {"fill": "#ffffff", "line": "#bdbdbd", "pattern": "dots"},
}


class ClassificationError(ValueError):
    """Invalid classification parameters (unknown method, k out of range, bad manual breaks)."""


@dataclass(frozen=True)
class Classification:
    """Classes of one set of values.

    `breaks[i]` is the inclusive upper bound of class i: a value v belongs to class i when
    breaks[i-1] < v <= breaks[i]. The last break is the maximum value. `minimum` is the
    smallest value; when it lies above `breaks[0]` (standard deviations, equal intervals or
    manual breaks below the data) the first class is open below. `classes` holds the class of
    each input value, -1 for a NaN value (a status other than `ok`). `k` is the number of
    classes made: fewer than `requested_k` when the values have fewer distinct values than
    classes, 0 when no value is ok.
    """

    method: str
    requested_k: int
    breaks: tuple[float, ...]
    minimum: float | None
    classes: np.ndarray = field(repr=False, compare=False)
    counts: tuple[int, ...]
    n_missing: int

    @property
    def k(self) -> int:
        return len(self.breaks)

    @property
    def reduced(self) -> bool:
        """True when fewer classes than requested could be made."""
        return 0 < self.k < self.requested_k

    def bounds(self) -> list[tuple[float | None, float]]:
        """Lower and upper bound of each class; the first lower bound is None when open."""
        first = self.minimum if self.k and self.minimum <= self.breaks[0] else None
        return list(zip([first, *self.breaks[:-1]], self.breaks))

    def labels(self, lang: str | None, decimals: int = 0) -> list[str]:
        """One legend label per class, in `lang` number format ("12,5 à 40" or "12.5 to 40").

        The minimum is rounded down and the maximum up to `decimals`; breaks are shown with
        the digits they have (at least `decimals`), so a label never misplaces a value.
        """
        labels = []
        last = self.k - 1
        for i, (lower, upper) in enumerate(self.bounds()):
            high = _round_up(upper, decimals) if i == last else upper
            high_text = format_number(high, _digits(high, decimals), lang)
            if lower is None:
                labels.append(t("legend.class_up_to", lang, high=high_text))
                continue
            if lower == upper:  # a class of one value (ties, or fewer values than classes)
                value_text = format_number(upper, _digits(upper, decimals), lang)
                labels.append(t("legend.class_single", lang, value=value_text))
                continue
            low = _round_down(lower, decimals) if i == 0 else lower
            low_text = format_number(low, _digits(low, decimals), lang)
            if low_text == high_text:
                labels.append(t("legend.class_single", lang, value=low_text))
            else:
                labels.append(t("legend.class_range", lang, low=low_text, high=high_text))
        return labels


def _round_down(value: float, digits: int) -> float:
    return math.floor(round(value * 10 ** digits, 9)) / 10 ** digits


def _round_up(value: float, digits: int) -> float:
    return math.ceil(round(value * 10 ** digits, 9)) / 10 ** digits


def _digits(value: float, decimals: int) -> int:
    """Decimals that show `value` exactly, at least `decimals` and at most 4 more."""
    for digits in range(decimals, decimals + 5):
        if abs(round(value, digits) - value) <= 1e-9 * max(1.0, abs(value)):
            return digits
    return decimals + 4


def _magnitude(value: float) -> int:
    return math.floor(math.log10(abs(value))) if value else 0


def nice_break(low: float, high: float, significant: int = 3) -> float:
    """A round break between `low`, the largest value of a class, and `high`, the smallest of
    the next: the roundest number in [low, high) when one has at most `significant` digits,
    otherwise `low` rounded to `significant` digits (a few values may then change class)."""
    top = _magnitude(max(abs(low), abs(high)))
    for digits in range(-top, -top + significant):
        candidate = _round_up(low, digits)
        if candidate < high:
            return candidate
    return round(low, significant - 1 - top)


def _tidy_breaks(inner: np.ndarray, ok: np.ndarray, method: str) -> np.ndarray:
    """Round inner breaks so that the legend reads well; the classes follow the rounded breaks.

    Quantiles and natural breaks take a round number in the gap between two classes (see
    `nice_break`); equal intervals and standard deviations are rounded to two significant
    digits of the class width; manual breaks are kept as typed.
    """
    if method == "manual" or inner.size == 0:
        return inner
    ordered = np.sort(ok)
    if method in ("quantiles", "jenks"):
        positions = np.searchsorted(ordered, inner, side="right")
        return np.array([nice_break(float(ordered[p - 1]), float(ordered[p])) for p in positions])
    width = (float(ordered[-1]) - float(ordered[0])) / (inner.size + 1) if method == "equal_interval" \
        else float(np.std(ordered))
    if width <= 0:
        return inner
    return np.round(inner, 1 - _magnitude(width)) + 0.0  # + 0.0 turns -0.0 into 0.0


def _final_breaks(raw: np.ndarray, ok: np.ndarray, method: str) -> np.ndarray:
    """Inner breaks rounded, deduplicated and kept below the maximum, then the maximum.

    Quantiles of tied values repeat a break, which would make a class no value can fall in;
    duplicates are dropped. Equal intervals, standard deviations and manual breaks keep their
    empty classes, including those below the minimum: they are part of the chosen scheme.
    """
    maximum = float(ok.max())
    inner = np.asarray(raw, dtype="float64")
    inner = _tidy_breaks(inner[inner < maximum], ok, method)
    inner = np.unique(inner[inner < maximum])
    if method in ("quantiles", "jenks"):
        inner = inner[inner >= float(ok.min())]
    return np.append(inner, maximum)


def _as_float_array(values) -> np.ndarray:
    # A copy: pandas 3 hands out read-only views, and the caller's array must not change.
    array = np.array(values, dtype="float64").ravel()
    array[~np.isfinite(array)] = np.nan
    return array


def _check_parameters(method: str, k: int, manual_breaks) -> None:
    if method not in METHODS:
        raise ClassificationError(f"unknown classification method {method!r}; use one of {list(METHODS)}")
    if method != "manual" and not MIN_CLASSES <= int(k) <= MAX_CLASSES:
        raise ClassificationError(f"number of classes k={k} is out of range; use {MIN_CLASSES} to {MAX_CLASSES}")
    if method == "manual":
        check_manual_breaks(manual_breaks)


def check_manual_breaks(manual_breaks) -> list[float]:
    """Return the manual breaks as floats, or raise ClassificationError saying what is wrong."""
    if manual_breaks is None or len(manual_breaks) == 0:
        raise ClassificationError("manual classification needs at least one break")
    breaks = [float(b) for b in manual_breaks]
    if len(breaks) > MAX_MANUAL_BREAKS:
        raise ClassificationError(f"{len(breaks)} manual breaks given; at most {MAX_MANUAL_BREAKS} "
                                  f"({MAX_CLASSES} classes)")
    if not all(math.isfinite(b) for b in breaks):
        raise ClassificationError("manual breaks must be finite numbers")
    if any(b2 <= b1 for b1, b2 in zip(breaks, breaks[1:])):
        raise ClassificationError(f"manual breaks must be strictly increasing, got {breaks}")
    return breaks


def std_multiples(k: int) -> list[float]:
    """Multiples of the standard deviation that cut the values into k classes around the mean.

    An odd k has a middle class of mean ± 0.5 sd; an even k has a break at the mean.
    """
    if k % 2:
        half = [0.5 + i for i in range(k // 2)]
    else:
        half = [float(i) for i in range(k // 2)]
    multiples = sorted({-m for m in half} | set(half))
    return multiples


def _jenks_input(ok: np.ndarray) -> np.ndarray:
    ordered = np.sort(ok)
    if len(ordered) <= JENKS_SAMPLE_SIZE:
        return ordered
    positions = np.linspace(0, len(ordered) - 1, JENKS_SAMPLE_SIZE).round().astype(int)
    return ordered[positions]


def _quantile_breaks(ok: np.ndarray, k: int) -> np.ndarray:
    """Quantile breaks that survive heavy ties.

    With many equal values (three communes in four at 0 %), plain quantiles repeat one break
    and collapse most classes. Here each break is the first quantile of the values above the
    previous break, for the classes still to make: the tied value gets a class of its own and
    the other values are still cut into near-equal counts.
    """
    remaining = np.sort(ok)
    breaks = []
    for classes_left in range(k, 0, -1):
        if remaining.size == 0:
            break
        first = float(mapclassify.Quantiles(remaining, k=classes_left).bins[0])
        breaks.append(first)
        remaining = remaining[remaining > first]
    return np.array(breaks)


def _raw_breaks(ok: np.ndarray, method: str, k: int, manual_breaks) -> np.ndarray:
    """Upper bounds from mapclassify, before clean-up."""
    with warnings.catch_warnings():
        # mapclassify warns when it lowers k; the clean-up below handles that case.
        warnings.simplefilter("ignore", UserWarning)
        if method == "quantiles":
            return _quantile_breaks(ok, k)
        if method == "jenks":
            return mapclassify.FisherJenks(_jenks_input(ok), k=k).bins
        if method == "equal_interval":
            return mapclassify.EqualInterval(ok, k=k).bins
        if method == "std_mean":
            return mapclassify.StdMean(ok, multiples=std_multiples(k)).bins
        return mapclassify.UserDefined(ok, bins=check_manual_breaks(manual_breaks)).bins


def classify(values, method: str = "quantiles", k: int = 5, manual_breaks=None) -> Classification:
    """Cut `values` into classes; NaN values (status not `ok`) get class -1.

    Raises ClassificationError for an unknown method, k outside 3..9, or invalid manual
    breaks. With fewer distinct values than k, fewer classes are made (see `reduced`).
    """
    _check_parameters(method, k, manual_breaks)
    array = _as_float_array(values)
    is_ok = ~np.isnan(array)
    ok = array[is_ok]
    n_missing = int((~is_ok).sum())
    requested_k = len(manual_breaks) + 1 if method == "manual" else int(k)
    classes = np.full(len(array), -1, dtype="int16")
    if ok.size == 0:
        return Classification(method, requested_k, (), None, classes, (), n_missing)

    distinct = np.unique(ok)
    if len(distinct) <= 1:
        breaks = np.array([float(distinct[0])])
    elif method != "manual" and len(distinct) <= k:
        # Fewer distinct values than classes: one class per value.
        breaks = distinct
    else:
        breaks = _final_breaks(_raw_breaks(ok, method, int(k), manual_breaks), ok, method)

    minimum = float(ok.min())
    classes[is_ok] = np.searchsorted(breaks, ok, side="left")
    counts = np.bincount(classes[is_ok], minlength=len(breaks))
    if len(breaks) < requested_k:
        log.debug("classification %s: %d classes made of %d requested", method, len(breaks), requested_k)
    return Classification(method, requested_k, tuple(float(b) for b in breaks), minimum, classes,
                          tuple(int(c) for c in counts), n_missing)


def classify_categories(categories, codes: list[str]) -> tuple[np.ndarray, tuple[int, ...]]:
    """Class of each categorical value by its position in `codes` (-1 when null or unknown),
    with the count per category."""
    position = {str(code): i for i, code in enumerate(codes)}
    classes = np.array([position.get(str(c), -1) if c is not None and c == c else -1 for c in categories],
                       dtype="int16")
    counts = np.bincount(classes[classes >= 0], minlength=len(codes)) if len(codes) else np.array([], int)
    return classes, tuple(int(c) for c in counts)


def palette(scheme: str | None, k: int, kind: str = "sequential") -> list[str]:
    """Return the ColorBrewer `scheme` with k colours (hex), light to dark or cool to warm.

    An unknown or not colour-blind-safe scheme is replaced by the default of its kind, and k
    is clamped to the sizes ColorBrewer defines (3-9 sequential, 3-11 diverging); for k < 3
    the first colours of the 3-colour set are used.
    """
    kind = kind if kind in DEFAULT_SCHEME else "sequential"
    allowed = SEQUENTIAL_SCHEMES if kind == "sequential" else DIVERGING_SCHEMES
    if scheme not in allowed:
        if scheme:
            log.warning("palette %r is not a colour-blind-safe %s ColorBrewer scheme; %s used",
                        scheme, kind, DEFAULT_SCHEME[kind])
        scheme = DEFAULT_SCHEME[kind]
    maximum = 9 if kind == "sequential" else 11
    size = min(max(int(k), 3), maximum)
    colors = [color.lower() for color in get_map(scheme, kind, size).hex_colors]
    if kind == "diverging":
        # ColorBrewer lists RdBu red first (and RdYlBu red, PuOr orange, BrBG brown first);
        # reversed, the first colours are the cool side used for values below the centre.
        colors = colors[::-1]
    if k < 3:
        colors = _pick_spread(colors, k)
    return colors


def _pick_spread(colors: list[str], k: int) -> list[str]:
    if k <= 0:
        return []
    if k == 1:
        return [colors[len(colors) // 2]]
    return [colors[0], colors[-1]]


def class_colors(classification: Classification, scheme: str | None, kind: str = "sequential",
                 center: float | None = 0.0) -> list[str]:
    """Pick one colour per class.

    Sequential: the scheme with k colours. Diverging: classes below `center` take the cool
    side and classes above it the warm side. A class with `center` strictly inside takes the
    neutral middle colour, so zero keeps its colour whatever the breaks. The
    standard-deviation method and `center=None` use the plain k-colour diverging scheme,
    centred on the middle class.
    """
    k = classification.k
    if k == 0:
        return []
    if kind != "diverging" and classification.method != "std_mean":
        return palette(scheme, k, "sequential")
    if kind != "diverging":
        scheme = None  # the std_mean method is always drawn with a diverging scheme
    if center is None or classification.method == "std_mean":
        return palette(scheme, k, "diverging")

    below, straddle, above = _sides(classification, center)
    if max(below, above) > 5:
        return _two_sided_colors(scheme, below, straddle, above)
    size = max(2 * max(below, above) + straddle, 3)
    full = palette(scheme, size, "diverging")
    middle = len(full) // 2
    cool = full[:middle]
    warm = full[middle + 1:] if len(full) % 2 else full[middle:]
    neutral = full[middle] if len(full) % 2 else full[middle - 1]
    return (cool[len(cool) - below:] if below else []) + [neutral] * straddle + warm[:above]


def _sides(classification: Classification, center: float) -> tuple[int, int, int]:
    """Count the classes below `center`, those with it strictly inside, and those above it.

    A class that ends at the centre, such as (-10, 0], counts as below, and one that starts
    there counts as above. Only a class with the centre strictly inside, or the single value
    at the centre, is neutral.
    """
    below = straddle = above = 0
    for lower, upper in classification.bounds():
        if lower is not None and lower == upper == center:
            straddle += 1
        elif upper <= center:
            below += 1
        elif lower is not None and lower >= center:
            above += 1
        else:
            straddle += 1
    return below, straddle, above


# The single-hue sequential schemes that continue each diverging scheme's cool and warm sides,
# for skewed data with more than five classes on one side of the centre.
DIVERGING_SIDES = {
    "RdBu": ("Blues", "Reds"), "RdYlBu": ("Blues", "YlOrRd"), "PuOr": ("Purples", "Oranges"),
    "BrBG": ("BuGn", "YlOrBr"), "PiYG": ("YlGn", "RdPu"), "PRGn": ("Greens", "Purples"),
}


def _two_sided_colors(scheme: str | None, below: int, straddle: int, above: int) -> list[str]:
    if scheme not in DIVERGING_SIDES:
        scheme = DEFAULT_SCHEME["diverging"]
    cool_scheme, warm_scheme = DIVERGING_SIDES[scheme]
    neutral = palette(scheme, 3, "diverging")[1]
    return _one_side(cool_scheme, below)[::-1] + [neutral] * straddle + _one_side(warm_scheme, above)


def _one_side(scheme: str, n: int) -> list[str]:
    """n colours of a sequential scheme, light to dark, skipping its palest colour when there
    is room so that the side stays distinct from the neutral class."""
    if n == 0:
        return []
    size = n + 1 if n + 1 <= 9 else n
    return palette(scheme, size, "sequential")[size - n:]


def status_legend(statuses, lang: str | None) -> list[dict]:
    """Legend entries for the statuses other than `ok` present in `statuses`, with counts."""
    values, counts = np.unique(np.asarray([str(s) for s in statuses], dtype=object), return_counts=True)
    present = dict(zip(values, counts))
    entries = []
    for status, style in STATUS_STYLES.items():
        if present.get(status):
            entries.append({"status": status, "label": t(f"common.status_{status}", lang),
                            "count": int(present[status]), **style})
    return entries


def method_label(method: str, lang: str | None) -> str:
    return t(f"legend.method_{method}", lang)
