"""Place every record in a COG 2025 commune and check that its point lies there.

Rules, in order, for each record:

1. The commune codes the source gives (one or several, of any COG vintage, possibly a number
   that lost its leading zero) are mapped to 2025 communes through the crosswalk. An
   arrondissement municipal code gives its city and is kept as the arrondissement.
2. When the point lies inside one of those communes, the place is `ok` in that commune.
   Within `tolerance_m` of one (borders are simplified, coastal places sit on the shore), it is
   `near_commune` and keeps its point. Farther away (geocoded in a homonym town, on another
   continent), the point cannot be trusted: the place is `moved_to_centroid`, put at a point
   inside its commune. Without a usable point it is `no_coordinates_centroid`.
3. A source without a usable commune code gets the commune containing its point
   (`commune_from_point`). When the département implied by its postal code disagrees, the
   commune is looked up by name in that département and the place is moved there.
4. Whatever cannot be placed (no code, no point, no name found) or lies outside the atlas
   geography (collectivités d'outre-mer) is excluded, with a reason.
5. Among points kept as given, three or more differently named places of one source on the
   very same point are `stacked`: they were geocoded to a town centre, not to their address.

The commune "centroid" is the polygon centroid when it falls inside the polygon, else a point
guaranteed inside it (shapely `point_on_surface`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from atlas.places import LOCATION_TOLERANCE_M
from loaders.places.inputs import normalize_name
from loaders.territories.crosswalk import (is_outside_departements, map_commune_codes,
                                           normalize_commune_code)

log = logging.getLogger(__name__)

DEFAULT_TOLERANCE_M = LOCATION_TOLERANCE_M
STACK_MIN_NAMES = 3
CITIES_WITH_ARRONDISSEMENTS = ("75056", "69123", "13055")

# Metric projections for distances: Lambert-93 for metropolitan France, the official UTM
# projections overseas (RGAF09 for Guadeloupe and Martinique, RGFG95, RGR92, RGM04).
OVERSEAS_CRS = {"971": 5490, "972": 5490, "973": 2972, "974": 2975, "976": 4471}
METROPOLITAN_CRS = 2154


@dataclass
class Placement:
    """Records placed in communes, the excluded ones, and counts for the quality report."""

    places: pd.DataFrame
    excluded: pd.DataFrame
    facts: dict = field(default_factory=dict)


@dataclass
class Reference:
    """Reference data of the checks: communes, arrondissements and their geometry."""

    territories: pd.DataFrame
    crosswalk: pd.DataFrame
    communes: gpd.GeoDataFrame
    arrondissements: gpd.GeoDataFrame
    tolerance_m: float = DEFAULT_TOLERANCE_M

    def __post_init__(self):
        communes = self.territories[self.territories["level"] == "commune"]
        self.departement_of = dict(zip(communes["code"].astype(str), communes["departement"].astype(str)))
        arms = self.territories[self.territories["level"] == "arrondissement_municipal"]
        self.city_of_arrondissement = dict(zip(arms["code"].astype(str), arms["commune"].astype(str)))
        self.departement_of.update({code: self.departement_of.get(city, "")
                                    for code, city in self.city_of_arrondissement.items()})
        self.commune_geometry = _indexed(self.communes)
        self.arrondissement_geometry = _indexed(self.arrondissements)
        self.centroid = _inside_centroids(pd.concat([self.commune_geometry,
                                                     self.arrondissement_geometry]))
        self._commune_tree = shapely.STRtree(self.commune_geometry.values)
        self._arrondissement_tree = shapely.STRtree(self.arrondissement_geometry.values)
        keys = communes["name"].map(_name_key)
        self.by_name = (pd.DataFrame({"key": keys, "departement": communes["departement"].astype(str),
                                      "code": communes["code"].astype(str)})
                        .drop_duplicates(["key", "departement"], keep=False))
        self.unique_names = self.by_name.drop_duplicates("key", keep=False).set_index("key")["code"]
        self.by_name = self.by_name.set_index(["key", "departement"])["code"]

    def containing(self, lon: np.ndarray, lat: np.ndarray, level: str = "commune") -> np.ndarray:
        """Return the code of the polygon containing each point, or None."""
        tree, geometry = ((self._commune_tree, self.commune_geometry) if level == "commune"
                          else (self._arrondissement_tree, self.arrondissement_geometry))
        result = np.full(len(lon), None, dtype=object)
        valid = ~(np.isnan(lon) | np.isnan(lat))
        if not valid.any():
            return result
        points = shapely.points(lon[valid], lat[valid])
        point_index, polygon_index = tree.query(points, predicate="within")
        positions = np.flatnonzero(valid)[point_index]
        codes = geometry.index.to_numpy()[polygon_index]
        # Overlapping simplified borders can give two communes: keep the first.
        seen = pd.Series(codes, index=positions)
        seen = seen[~seen.index.duplicated()]
        result[seen.index.to_numpy()] = seen.to_numpy()
        return result

    def distance_m(self, lon: np.ndarray, lat: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Return the distance in metres from each point to the polygon of its code (NaN if none)."""
        out = np.full(len(codes), np.nan)
        geometry = pd.concat([self.commune_geometry, self.arrondissement_geometry])
        has = np.array([c in geometry.index for c in codes], dtype=bool) & ~np.isnan(lon)
        if not has.any():
            return out
        frame = pd.DataFrame({"code": codes[has], "lon": lon[has], "lat": lat[has],
                              "position": np.flatnonzero(has)})
        frame["crs"] = frame["code"].map(lambda c: OVERSEAS_CRS.get(
            self.departement_of.get(c, ""), METROPOLITAN_CRS))
        for crs, part in frame.groupby("crs"):
            points = gpd.GeoSeries(gpd.points_from_xy(part["lon"], part["lat"]), crs=4326).to_crs(crs)
            polygons = gpd.GeoSeries(geometry.reindex(part["code"]).to_numpy(), crs=4326).to_crs(crs)
            out[part["position"].to_numpy()] = shapely.distance(points.to_numpy(), polygons.to_numpy())
        return out

    def lookup_name(self, name: str | None, departement: str | None) -> str | None:
        """Return the 2025 commune of that name in that département (or in France if unique)."""
        key = _name_key(name)
        if not key:
            return None
        if departement:
            for dep in _departement_variants(departement):
                code = self.by_name.get((key, dep))
                if code is not None:
                    return code
            return None
        return self.unique_names.get(key)


def _indexed(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    series = gpd.GeoSeries(frame.geometry.to_numpy(), index=frame["code"].astype(str).to_numpy(),
                           crs=frame.crs or 4326)
    if series.crs and series.crs.to_epsg() != 4326:
        series = series.to_crs(4326)
    return series[series.notna() & ~series.is_empty]


def _inside_centroids(geometry: gpd.GeoSeries) -> pd.DataFrame:
    # Centroids in degrees are close enough for a stand-in position.
    centroids = shapely.centroid(geometry.to_numpy())
    inside = shapely.contains(geometry.to_numpy(), centroids)
    points = np.where(inside, centroids, shapely.point_on_surface(geometry.to_numpy()))
    return pd.DataFrame({"lon": shapely.get_x(points), "lat": shapely.get_y(points)},
                        index=geometry.index)


_ARTICLE_SUFFIX = re.compile(r"^(.*)\s+\((LE|LA|LES|L)\)$")


def _name_key(name) -> str:
    """Return a matching key for a commune name: "Bazeuge (La)" and "La Bazeuge" agree."""
    key = normalize_name(name)
    match = _ARTICLE_SUFFIX.match(key)
    if match:
        key = f"{match.group(2)} {match.group(1)}"
    key = re.sub(r"\bST\b", "SAINT", re.sub(r"\bSTE\b", "SAINTE", key))
    return key


def _departement_variants(departement: str) -> tuple[str, ...]:
    if departement in ("20", "2A", "2B"):
        return ("2A", "2B")
    return (departement,)


def _same_departement(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    return bool(set(_departement_variants(a)) & set(_departement_variants(b)))


# ---------------------------------------------------------------------------------------------
# Commune candidates from the codes written in the sources
# ---------------------------------------------------------------------------------------------

def commune_candidates(raw_codes: pd.Series, reference: Reference) -> pd.DataFrame:
    """Expand each record's written codes into 2025 commune candidates, in the written order.

    Returns one row per candidate: `record` (index of the record), `commune`, `arrondissement`
    (when the written code is one), and `code_status` per written code: `ok`, or why it gave
    no candidate (`invalid_code`, `unknown_code`, `outside_atlas`).
    """
    rows = []
    for record, raw in raw_codes.items():
        if not isinstance(raw, str):
            continue
        for order, part in enumerate(re.split(r"\s*[;,]\s*", raw)):
            if part:
                rows.append((record, order, part))
    parts = pd.DataFrame(rows, columns=["record", "order", "raw"])
    if parts.empty:
        return pd.DataFrame(columns=["record", "order", "raw", "commune", "arrondissement",
                                     "code_status"])
    parts["normalized"] = parts["raw"].map(normalize_commune_code)
    mapped = map_commune_codes(parts["raw"], reference.crosswalk)
    parts["commune"] = mapped["new_code"].astype("object").to_numpy()
    parts["code_status"] = "ok"
    parts.loc[parts["commune"].isna(), "code_status"] = mapped["change_type"].astype("object").to_numpy()[
        parts["commune"].isna().to_numpy()]
    parts["arrondissement"] = parts["normalized"].where(
        parts["normalized"].isin(list(reference.city_of_arrondissement)))
    parts.loc[parts["arrondissement"].notna(), "commune"] = parts["arrondissement"].map(
        reference.city_of_arrondissement)
    parts.loc[parts["arrondissement"].notna(), "code_status"] = "ok"
    outside = parts["normalized"].notna() & parts["normalized"].map(
        lambda c: isinstance(c, str) and is_outside_departements(c))
    parts.loc[outside, "code_status"] = "outside_atlas"
    parts.loc[outside, "commune"] = None

    # A commune divided between several 2025 communes: every part is a candidate.
    split = parts["code_status"] == "ambiguous_split"
    if split.any():
        targets = reference.crosswalk.groupby("old_code")["new_code"].agg(list)
        extra = parts[split].copy()
        extra["commune"] = extra["normalized"].map(targets)
        extra = extra.explode("commune")
        extra["code_status"] = "ok"
        parts = pd.concat([parts[~split], extra], ignore_index=True)
    parts = parts.sort_values(["record", "order"], kind="stable")
    parts = parts.drop_duplicates(["record", "commune", "arrondissement"])
    return parts[["record", "order", "raw", "commune", "arrondissement", "code_status"]]


# ---------------------------------------------------------------------------------------------
# Placement
# ---------------------------------------------------------------------------------------------

def _nearest_within(reference: Reference, lon: np.ndarray,
                    lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the commune within the tolerance of each point and its distance (None and NaN if none).

    Used for points in no commune, such as a museum on a quay that the simplified coastline
    leaves in the sea.
    """
    out = np.full(len(lon), None, dtype=object)
    distance_out = np.full(len(lon), np.nan)
    valid = ~(np.isnan(lon) | np.isnan(lat))
    if not valid.any():
        return out, distance_out
    # Search in degrees with a margin (1 degree of latitude is 111 km; longitude degrees are
    # shorter), then confirm in metres.
    radius = reference.tolerance_m / 111_000 / 0.3
    points = shapely.points(lon[valid], lat[valid])
    point_index, polygon_index = reference._commune_tree.query_nearest(
        points, max_distance=radius, all_matches=False)
    positions = np.flatnonzero(valid)[point_index]
    codes = reference.commune_geometry.index.to_numpy()[polygon_index]
    distances = reference.distance_m(lon[positions], lat[positions], codes)
    close = distances <= reference.tolerance_m
    out[positions[close]] = codes[close]
    distance_out[positions[close]] = distances[close]
    return out, distance_out


def place_records(records: pd.DataFrame, reference: Reference) -> Placement:
    """Assign each record its 2025 commune, arrondissement, position and `location_flag`."""
    records = records.reset_index(drop=True)
    n = len(records)
    lon = records["source_lon"].to_numpy(dtype="float64")
    lat = records["source_lat"].to_numpy(dtype="float64")
    has_point = ~(np.isnan(lon) | np.isnan(lat))
    pip = reference.containing(lon, lat)

    candidates = commune_candidates(records["commune_raw"], reference)
    usable = candidates[candidates["commune"].notna()]
    candidate_lists: dict[int, list[str]] = {}
    for record, code in zip(usable["record"], usable["commune"]):
        candidate_lists.setdefault(record, []).append(code)
    written_arrondissement = usable.dropna(subset=["arrondissement"]).groupby("record")[
        "arrondissement"].first().to_dict()
    bad_codes = candidates[candidates["commune"].isna()]
    outside_atlas = set(bad_codes.loc[bad_codes["code_status"] == "outside_atlas", "record"])

    commune = np.full(n, None, dtype=object)
    flag = np.full(n, None, dtype=object)
    excluded = np.full(n, None, dtype=object)
    distance_m = np.full(n, np.nan)

    # 1. Records with candidate communes: is the point inside one of them?
    with_candidates = np.array([i in candidate_lists for i in range(n)])
    for i in np.flatnonzero(with_candidates):
        if pip[i] is not None and pip[i] in candidate_lists[i]:
            commune[i], flag[i] = pip[i], "ok"

    # Points outside all their candidates: distance to each candidate, nearest first.
    pending = np.flatnonzero(with_candidates & (flag == None) & has_point)  # noqa: E711
    if len(pending):
        pairs = pd.DataFrame([(i, code) for i in pending for code in candidate_lists[i]],
                             columns=["record", "commune"])
        pairs["distance"] = reference.distance_m(lon[pairs["record"]], lat[pairs["record"]],
                                                 pairs["commune"].to_numpy())
        nearest = pairs.dropna(subset=["distance"]).sort_values("distance").drop_duplicates("record")
        for i, code, distance in nearest[["record", "commune", "distance"]].itertuples(index=False):
            distance_m[i] = distance
            if distance <= reference.tolerance_m:
                commune[i], flag[i] = code, "near_commune"
            else:
                commune[i], flag[i] = candidate_lists[i][0], "moved_to_centroid"
        unchecked = set(pending) - set(nearest["record"])
        for i in unchecked:  # no candidate has a geometry to check against
            commune[i], flag[i] = candidate_lists[i][0], "unchecked"
    for i in np.flatnonzero(with_candidates & ~has_point):
        commune[i], flag[i] = candidate_lists[i][0], "no_coordinates_centroid"

    # 2. Records without a usable code: the point, checked against the postal département.
    no_code = ~with_candidates
    hints = records["departement_hint"].to_numpy(dtype=object)
    for i in np.flatnonzero(no_code):
        hint = hints[i]
        if i in outside_atlas or (isinstance(hint, str) and is_outside_departements(hint)):
            excluded[i] = "outside_atlas"
    nearest_commune = np.full(n, None, dtype=object)
    nearest_distance = np.full(n, np.nan)
    departement_disagreements: list[int] = []
    lonely = np.flatnonzero(no_code & has_point & (pip == None))  # noqa: E711
    nearest_commune[lonely], nearest_distance[lonely] = _nearest_within(reference, lon[lonely],
                                                                        lat[lonely])
    names = records["commune_name"].to_numpy(dtype=object)
    for i in np.flatnonzero(no_code):
        if excluded[i]:
            continue
        found = pip[i] or nearest_commune[i]
        if found and _same_departement(reference.departement_of.get(found), hints[i]):
            commune[i] = found
            flag[i] = "commune_from_point" if pip[i] else "near_commune"
            distance_m[i] = np.nan if pip[i] else nearest_distance[i]
            continue
        by_name = reference.lookup_name(names[i], hints[i])
        if by_name:
            commune[i] = by_name
            flag[i] = "moved_to_centroid" if has_point[i] else "no_coordinates_centroid"
        elif found:
            # The postal département disagrees but the town name is not found there either:
            # the point is kept and the case is counted in the quality report.
            commune[i] = found
            flag[i] = "commune_from_point" if pip[i] else "near_commune"
            distance_m[i] = np.nan if pip[i] else nearest_distance[i]
            departement_disagreements.append(i)
        else:
            excluded[i] = "no_commune_found" if has_point[i] or names[i] else "no_commune_no_point"
    # A place moved by name may in fact lie within the tolerance of its commune.
    moved_by_name = np.flatnonzero(no_code & (flag == "moved_to_centroid"))
    if len(moved_by_name):
        distance = reference.distance_m(lon[moved_by_name], lat[moved_by_name],
                                        commune[moved_by_name].astype(object))
        distance_m[moved_by_name] = distance
        close = moved_by_name[distance <= reference.tolerance_m]
        flag[close] = "near_commune"

    # Communes without geometry cannot hold a stand-in point.
    centroid_flags = pd.Series(flag).isin(["moved_to_centroid", "no_coordinates_centroid"]).to_numpy()
    no_geometry = centroid_flags & ~pd.Series(commune).isin(reference.centroid.index).to_numpy()
    excluded[no_geometry & (excluded == None)] = "no_point_no_commune_geometry"  # noqa: E711

    placed = records.copy()
    placed["commune"] = commune
    placed["location_flag"] = flag
    placed["source_distance_m"] = np.round(distance_m, 0)
    placed["arrondissement"] = _arrondissements(placed, written_arrondissement, reference, lon, lat)
    _set_positions(placed, reference)
    _flag_stacked(placed)

    keep = pd.Series(excluded, dtype=object).isna().to_numpy()
    dropped = records[~keep].copy()
    dropped["reason"] = excluded[~keep]
    facts = _facts(placed[keep], dropped, candidates, reference)
    facts["departement_disagreements"] = records.loc[departement_disagreements, "source"].value_counts().to_dict()
    return Placement(placed[keep].reset_index(drop=True), dropped.reset_index(drop=True), facts)


def _arrondissements(placed: pd.DataFrame, written: dict, reference: Reference,
                     lon: np.ndarray, lat: np.ndarray) -> pd.Series:
    """Return the arrondissement municipal of places in Paris, Lyon and Marseille.

    A code written in the source wins; otherwise the point decides, when it was kept.
    """
    result = pd.Series(None, index=placed.index, dtype=object)
    in_cities = placed["commune"].isin(CITIES_WITH_ARRONDISSEMENTS).to_numpy()
    kept_point = ~placed["location_flag"].isin(["moved_to_centroid", "no_coordinates_centroid"]).to_numpy()
    containing = reference.containing(lon, lat, level="arrondissement_municipal")
    for i in np.flatnonzero(in_cities):
        code = written.get(i)
        if code and reference.city_of_arrondissement.get(code) == placed.at[i, "commune"]:
            result.iat[i] = code
        elif kept_point[i] and containing[i] is not None \
                and reference.city_of_arrondissement.get(containing[i]) == placed.at[i, "commune"]:
            result.iat[i] = containing[i]
    placed["arrondissement_from_point"] = containing
    return result


def _set_positions(placed: pd.DataFrame, reference: Reference) -> None:
    """Set `lon`/`lat`: the source point, or the centroid of the arrondissement or commune."""
    placed["lon"] = placed["source_lon"]
    placed["lat"] = placed["source_lat"]
    stand_in = placed["location_flag"].isin(["moved_to_centroid", "no_coordinates_centroid"])
    area = placed["arrondissement"].where(placed["arrondissement"].notna(), placed["commune"])
    centre = reference.centroid.reindex(area[stand_in].astype(str).to_numpy())
    placed.loc[stand_in, "lon"] = centre["lon"].to_numpy()
    placed.loc[stand_in, "lat"] = centre["lat"].to_numpy()


def _flag_stacked(placed: pd.DataFrame) -> None:
    ok = placed["location_flag"] == "ok"
    point = placed["lon"].round(5).astype(str) + "," + placed["lat"].round(5).astype(str)
    names = (placed[ok].assign(point=point[ok], key=placed.loc[ok, "name"].map(normalize_name))
             .groupby(["source", "point"])["key"].transform("nunique"))
    placed.loc[names[names >= STACK_MIN_NAMES].index, "location_flag"] = "stacked"


def _facts(places: pd.DataFrame, dropped: pd.DataFrame, candidates: pd.DataFrame,
           reference: Reference) -> dict:
    bad = candidates[candidates["commune"].isna()]
    arrondissement_disagreements = int(
        (places["arrondissement"].notna() & places["arrondissement_from_point"].notna()
         & (places["arrondissement"] != places["arrondissement_from_point"])
         & (places["location_flag"] == "ok")).sum())
    return {
        "tolerance_m": reference.tolerance_m,
        "flags_by_source": places.groupby(["source", "location_flag"]).size().unstack(fill_value=0),
        "excluded_by_reason": dropped.groupby(["source", "reason"]).size(),
        "coordinate_problems": places.groupby(["source", "coordinate_problem"]).size(),
        "bad_codes": bad.groupby("code_status")["raw"].agg(lambda s: sorted(set(s))[:12]).to_dict(),
        "bad_code_counts": bad["code_status"].value_counts().to_dict(),
        "arrondissement_disagreements": arrondissement_disagreements,
    }
