"""Component ids are unique across the whole app and carry their page prefix."""

from __future__ import annotations

import dash
import pytest

PREFIXES = ("shell-", "carte-", "comparer-", "evolution-", "portrait-", "portraits-", "donnees-",
            "apropos-", "notfound-")
# Ids that dash.page_container creates itself.
DASH_PAGES_IDS = {"_pages_location", "_pages_content", "_pages_store", "_pages_dummy"}

# Arguments that give each page a representative state (the portrait needs a territory).
PAGE_ARGS = {"/portrait/<level>/<code>": {"level": "region", "code": "11"}}


def _collect_ids(component, found: list) -> None:
    if isinstance(component, (list, tuple)):
        for child in component:
            _collect_ids(child, found)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    component_id = getattr(component, "id", None)
    if component_id is not None:
        found.append(component_id if isinstance(component_id, str) else str(sorted(component_id.items())))
    for prop in dict.fromkeys(("children",) + tuple(getattr(component, "_prop_names", ()))):
        value = getattr(component, prop, None)
        if value is not None and prop != "id" and (hasattr(value, "to_plotly_json") or isinstance(value, (list, tuple))):
            _collect_ids(value, found)


@pytest.fixture(scope="module")
def all_ids(built_store):
    import app  # noqa: F401  registers the pages
    from layouts.shell import shell_layout

    ids: dict[str, list[str]] = {"shell": []}
    _collect_ids(shell_layout(), ids["shell"])
    for page in dash.page_registry.values():
        layout = page["layout"]
        args = PAGE_ARGS.get(page.get("path_template") or page["path"], {})
        tree = layout(**args) if callable(layout) else layout
        ids[page["path"]] = []
        _collect_ids(tree, ids[page["path"]])
    return ids


def test_ids_unique_across_pages(all_ids):
    seen: dict[str, str] = {}
    duplicates = []
    for page, ids in all_ids.items():
        for component_id in ids:
            if component_id in seen:
                duplicates.append((component_id, seen[component_id], page))
            seen[component_id] = page
    assert duplicates == []


def test_ids_have_page_prefix(all_ids):
    unprefixed = [(page, component_id) for page, ids in all_ids.items() for component_id in ids
                  if isinstance(component_id, str) and not component_id.startswith(PREFIXES)
                  and component_id not in DASH_PAGES_IDS]
    assert unprefixed == []
