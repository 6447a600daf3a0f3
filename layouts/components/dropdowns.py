"""The texts dcc.Dropdown writes itself ("3 selected", "Search"...), in the page language.

Dash draws these in English unless a dropdown's `labels` prop says otherwise, so every page
passes its layout through `localize_dropdowns` once.
"""

from __future__ import annotations

from dash import dcc

from atlas.i18n import t

DROPDOWN_LABELS = ("select_all", "deselect_all", "selected_count", "search", "clear_search",
                   "clear_selection", "no_options_found")


def dropdown_labels(lang: str) -> dict:
    """The `labels` prop of dcc.Dropdown in `lang`; `{num_selected}` is filled in by Dash."""
    return {name: t(f"common.dropdown_{name}", lang) for name in DROPDOWN_LABELS}


def localize_dropdowns(component, lang: str):
    """Set the labels of every dcc.Dropdown under `component` that has none; return `component`."""
    labels = dropdown_labels(lang)
    stack = [component]
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if isinstance(node, dcc.Dropdown) and getattr(node, "labels", None) is None:
            node.labels = labels
        children = getattr(node, "children", None)
        if children is not None and not isinstance(children, str):
            stack.append(children)
    return component
