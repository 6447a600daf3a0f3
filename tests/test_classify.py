"""Map classification: breaks, classes, counts, labels and palettes."""

from __future__ import annotations

import numpy as np
import pytest

from atlas.classify import (
    DIVERGING_SCHEMES, MAX_CLASSES, METHODS, SEQUENTIAL_SCHEMES, STATUS_STYLES, ClassificationError,
    class_colors, classify, classify_categories, nice_break, palette, status_legend, std_multiples,
)

NAN = float("nan")
SKEWED = np.random.default_rng(7).lognormal(3, 1, 5000)


def _members_match_breaks(result, values):
    """Every ok value lies within the bounds of its class."""
    values = np.asarray(values, dtype=float)
    for value, cls in zip(values, result.classes):
        if np.isnan(value):
            assert cls == -1
            continue
        lower, upper = result.bounds()[cls]
        assert value <= upper
        if cls > 0:
            assert value > lower
        elif lower is not None:
            assert value >= lower


@pytest.mark.parametrize("method", [m for m in METHODS if m != "manual"])
@pytest.mark.parametrize("k", [3, 5, 7, 9])
def test_classes_cover_all_values(method, k):
    values = np.append(SKEWED, [NAN, NAN])
    result = classify(values, method, k)
    assert result.k <= k
    assert sum(result.counts) == len(SKEWED)
    assert result.n_missing == 2
    assert list(np.bincount(result.classes[result.classes >= 0], minlength=result.k)) == list(result.counts)
    assert result.breaks[-1] == pytest.approx(SKEWED.max())
    assert all(b2 > b1 for b1, b2 in zip(result.breaks, result.breaks[1:]))
    _members_match_breaks(result, values)


def test_quantiles_have_near_equal_counts():
    result = classify(np.arange(1000, dtype=float), "quantiles", 5)
    assert result.k == 5
    assert max(result.counts) - min(result.counts) <= 2


def test_quantiles_breaks_are_round_numbers():
    result = classify(SKEWED, "quantiles", 5)
    labels = result.labels("fr")
    for break_value in result.breaks[:-1]:
        assert len(f"{break_value:g}".replace(".", "").lstrip("0")) <= 3
    assert all("," not in label or len(label) < 20 for label in labels)


def test_jenks_separates_obvious_groups():
    values = [1, 2, 3, 2, 1, 50, 51, 52, 100, 101, 99]
    result = classify(values, "jenks", 3)
    assert result.counts == (5, 3, 3)
    assert result.classes.tolist() == [0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_jenks_on_large_input_is_deterministic():
    first = classify(SKEWED, "jenks", 6)
    second = classify(SKEWED, "jenks", 6)
    assert first.breaks == second.breaks


def test_equal_interval_keeps_empty_classes():
    values = [0, 1, 2, 3, 100]
    result = classify(values, "equal_interval", 4)
    assert result.k == 4
    assert result.counts == (4, 0, 0, 1)
    assert result.breaks == (25.0, 50.0, 75.0, 100.0)


def test_ties_do_not_make_empty_quantile_classes():
    values = [1] * 50 + [2, 3, 4, 5, 6]
    result = classify(values, "quantiles", 5)
    assert 0 not in result.counts
    assert result.counts[0] == 50
    assert result.labels("fr")[0] == "1"


def test_constant_values_give_one_class():
    result = classify([4.5] * 10, "jenks", 5)
    assert result.k == 1
    assert result.counts == (10,)
    assert result.reduced
    assert result.labels("fr") == ["4,5"]


def test_fewer_distinct_values_than_k():
    result = classify([1, 1, 2, 2, 3, 3], "quantiles", 5)
    assert result.breaks == (1.0, 2.0, 3.0)
    assert result.counts == (2, 2, 2)
    assert result.reduced
    assert result.labels("en") == ["1", "1 to 2", "2 to 3"]


def test_all_missing():
    result = classify([NAN, NAN, None], "quantiles", 5)
    assert result.k == 0
    assert result.counts == ()
    assert result.classes.tolist() == [-1, -1, -1]
    assert result.n_missing == 3
    assert result.labels("fr") == []
    assert class_colors(result, "Blues") == []


def test_infinite_values_count_as_missing():
    result = classify([1, 2, np.inf, 3, -np.inf, 4], "equal_interval", 3)
    assert result.n_missing == 2
    assert result.classes[2] == -1


def test_std_mean_is_symmetric_around_mean():
    values = np.random.default_rng(3).normal(0, 10, 2000)
    result = classify(values, "std_mean", 5)
    inner = np.array(result.breaks[:-1])
    assert len(inner) == 4
    assert inner[0] == pytest.approx(-inner[3], abs=1.5)
    assert inner[1] == pytest.approx(-inner[2], abs=1.5)
    assert std_multiples(5) == [-1.5, -0.5, 0.5, 1.5]
    assert std_multiples(4) == [-1.0, 0.0, 1.0]


def test_std_mean_negative_values_are_labelled():
    values = [-30, -12, -5, -1, 0, 2, 4, 9, 15]
    result = classify(values, "std_mean", 5)
    labels = result.labels("fr")
    assert any(label.startswith("\u2212") for label in labels)
    _members_match_breaks(result, values)


def test_manual_breaks():
    values = [0, 5, 10, 15, 20, 25]
    result = classify(values, "manual", manual_breaks=[10, 20])
    assert result.breaks == (10.0, 20.0, 25.0)
    assert result.counts == (3, 2, 1)
    assert result.labels("fr") == ["0 à 10", "10 à 20", "20 à 25"]


def test_manual_break_below_data_opens_first_class():
    result = classify([5, 6, 7], "manual", manual_breaks=[1, 6])
    assert result.counts == (0, 2, 1)
    assert result.labels("fr")[0] == "jusqu'à 1"


@pytest.mark.parametrize("breaks", [None, [], [3, 2], [1, 1], [NAN], list(range(MAX_CLASSES + 1))])
def test_invalid_manual_breaks_raise(breaks):
    with pytest.raises(ClassificationError):
        classify([1, 2, 3], "manual", manual_breaks=breaks)


@pytest.mark.parametrize("method,k", [("unknown", 5), ("quantiles", 2), ("quantiles", 10)])
def test_invalid_parameters_raise(method, k):
    with pytest.raises(ClassificationError):
        classify([1, 2, 3], method, k)


def test_labels_use_language_number_format():
    values = [1234.5, 2500.25, 10000, 25000.75, 40000]
    result = classify(values, "manual", manual_breaks=[2000.5, 20000])
    assert result.labels("fr", 1) == ["1\u202f234,5 à 2\u202f000,5", "2\u202f000,5 à 20\u202f000,0",
                                      "20\u202f000,0 à 40\u202f000,0"]
    assert result.labels("en", 1) == ["1,234.5 to 2,000.5", "2,000.5 to 20,000.0", "20,000.0 to 40,000.0"]


def test_labels_round_outer_bounds_outwards():
    result = classify([0.26, 1.7, 2.2, 3.9], "manual", manual_breaks=[2])
    assert result.labels("fr") == ["0 à 2", "2 à 4"]


def test_nice_break_picks_roundest_number_in_gap():
    assert nice_break(44.7, 46.2) == 45
    assert nice_break(12_345, 13_020) == 13_000
    assert nice_break(0.00312, 0.0036) == pytest.approx(0.0032)
    assert nice_break(5, 6) == 5


@pytest.mark.parametrize("scheme", SEQUENTIAL_SCHEMES)
@pytest.mark.parametrize("k", range(3, 10))
def test_sequential_palettes_have_k_colours(scheme, k):
    colors = palette(scheme, k)
    assert len(colors) == k
    assert len(set(colors)) == k
    assert all(c.startswith("#") and len(c) == 7 for c in colors)


def test_palette_exact_colorbrewer_set():
    assert palette("Blues", 5) == ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"]
    assert palette("RdBu", 3, "diverging") == ["#67a9cf", "#f7f7f7", "#ef8a62"]


def test_unsafe_palette_falls_back():
    assert palette("Spectral", 5, "diverging") == palette("RdBu", 5, "diverging")
    assert palette("Set1", 5) == palette("Blues", 5)
    assert "Spectral" not in DIVERGING_SCHEMES


def test_diverging_colours_centre_on_zero():
    values = [-40, -20, -5, 1, 3, 8, 12, 30, 60, 90]
    result = classify(values, "manual", manual_breaks=[-10, 0, 10, 50])
    colors = class_colors(result, "RdBu", "diverging")
    assert len(colors) == 5
    neutral = palette("RdBu", 3, "diverging")[1]
    assert neutral not in colors  # zero is a break, so no class has it strictly inside
    full = palette("RdBu", 6, "diverging")  # three classes on the larger side: 6 colours
    assert colors == full[1:3] + full[3:6]


def test_diverging_class_containing_zero_is_neutral():
    result = classify([-5, -2, 1, 4, 8, 20], "manual", manual_breaks=[-3, 2, 6])
    colors = class_colors(result, "RdBu", "diverging")
    neutral = palette("RdBu", 3, "diverging")[1]
    assert colors[1] == neutral
    assert colors.count(neutral) == 1


def test_diverging_all_positive_uses_warm_side_only():
    values = np.linspace(1, 100, 200)
    result = classify(values, "quantiles", 9)
    colors = class_colors(result, "RdBu", "diverging")
    assert len(colors) == 9
    assert len(set(colors)) == 9
    cool = set(palette("RdBu", 11, "diverging")[:5]) | set(palette("Blues", 9))
    assert not cool & set(colors)


def test_std_mean_drawn_diverging_even_for_sequential_indicator():
    result = classify(SKEWED, "std_mean", 5)
    assert class_colors(result, "Blues", "sequential") == palette(None, 5, "diverging")


def test_status_styles_cover_every_non_ok_status():
    assert set(STATUS_STYLES) == {"missing", "secret", "not_published", "not_applicable"}
    fills = {style["fill"] for style in STATUS_STYLES.values()}
    patterns = {style["pattern"] for style in STATUS_STYLES.values()}
    assert len(patterns) == 4
    assert len(fills) == 4


def test_status_legend_counts_present_statuses():
    entries = status_legend(["ok", "secret", "secret", "missing", "ok"], "fr")
    assert [(e["status"], e["count"]) for e in entries] == [("missing", 1), ("secret", 2)]
    assert entries[1]["label"] == "secret statistique"


def test_categories_by_catalogue_order():
    classes, counts = classify_categories(["b", None, "a", "b", "zz", float("nan")], ["a", "b", "c"])
    assert classes.tolist() == [1, -1, 0, 1, -1, -1]
    assert counts == (1, 2, 0)


def test_read_only_input_is_not_modified():
    values = np.array([1.0, np.inf, 3.0, 4.0])
    values.setflags(write=False)
    result = classify(values, "quantiles", 3)
    assert result.n_missing == 1
    assert values[1] == np.inf


def test_quantiles_with_heavy_ties_keep_k_classes():
    values = np.concatenate([np.zeros(750), np.linspace(0.1, 50, 250)])
    result = classify(values, "quantiles", 5)
    assert result.k == 5
    assert result.counts[0] == 750
    assert max(result.counts[1:]) - min(result.counts[1:]) <= 3
