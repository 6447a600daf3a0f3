"""QA: the browser geometry files must be drawable by dash-leaflet.

dash-leaflet decodes geobuf with a module-level `lengths` buffer that only coordinates reset.
A feature with an empty geometry (lengths but no coordinates) leaves that buffer set, the next
feature is misread and the whole layer fails with "Unimplemented type", leaving a blank map.
"""

from __future__ import annotations

import pytest

from atlas import store


def _lengths_without_coordinates(name: str) -> list[int]:
    """Indexes of the features whose geometry has ring lengths but no coordinates."""
    from geobuf import geobuf_pb2

    path = store.build_dir() / "client" / f"{name}.pbf"
    if not path.is_file():
        pytest.fail(f"{path} is missing: run `python -m loaders build`")
    data = geobuf_pb2.Data()
    data.ParseFromString(path.read_bytes())
    return [index for index, feature in enumerate(data.feature_collection.features)
            if len(feature.geometry.lengths) and not len(feature.geometry.coords)]


@pytest.mark.parametrize("name", ["commune", "commune-15", "departement", "epci", "aav", "zone_emploi"])
def test_no_geometry_has_lengths_without_coordinates(built_store, name):
    assert _lengths_without_coordinates(name) == [], (
        f"{name}.pbf has ring lengths without coordinates; dash-leaflet cannot decode the file")


@pytest.mark.parametrize("name", ["region", "departement", "epci", "aav", "zone_emploi", "commune"])
def test_every_level_geometry_is_served(client, name):
    response = client.get(f"/geo/{name}.pbf")
    assert response.status_code == 200, f"/geo/{name}.pbf answered {response.status_code}"
