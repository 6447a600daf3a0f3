"""The compact file of every place point that the map downloads (`client/places.pbf`)."""

from __future__ import annotations

import geobuf
import pandas as pd

from atlas.places import CENTROID_FLAGS

# 6 decimals of a degree are about 0.1 m; 5 (about 1 m) are plenty for a point on a map.
PRECISION = 5


def client_features(places: pd.DataFrame) -> dict:
    """Return a GeoJSON FeatureCollection of display points with minimal properties.

    Properties: `id`, `domain`, `type`, `name`, and `approximate: true` for points that stand
    in for an unknown position (placed inside the commune, or stacked on a town centre).
    """
    approximate = places["location_flag"].isin(CENTROID_FLAGS + ("stacked",)).to_numpy()
    features = []
    columns = ["place_id", "domain", "type", "name", "display_lon", "display_lat"]
    for (place_id, domain, type_id, name, lon, lat), rough in zip(
            places[columns].itertuples(index=False, name=None), approximate):
        properties = {"id": place_id, "domain": domain, "type": type_id, "name": name or ""}
        if rough:
            properties["approximate"] = True
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Point",
                                      "coordinates": [round(float(lon), PRECISION),
                                                      round(float(lat), PRECISION)]}})
    return {"type": "FeatureCollection", "features": features}


def client_geobuf(places: pd.DataFrame) -> bytes:
    """Encode the client features as Geobuf."""
    return geobuf.encode(client_features(places), PRECISION)
