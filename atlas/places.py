"""Cultural places: the taxonomy, filters and GeoJSON serialisation of the places layer.

The taxonomy is data: domains, the types beneath them and the labels a place can carry are
snake_case ids used in code, URLs and the build output. Their French and English names live in
the message catalogue (`i18n/places.yaml`, keys `domain_<id>`, `type_<id>`, `label_<id>`,
`source_<id>`, `flag_<id>`). The loader, the API and the map all read this module, so a new
type is added here once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from atlas import config
from atlas.i18n import t


@dataclass(frozen=True)
class Domain:
    """One domain of cultural places, its map colour and the types beneath it."""

    id: str
    color: str
    types: tuple[str, ...]


# Colours: ColorBrewer Dark2, one per domain, in domain order.
DOMAINS: tuple[Domain, ...] = (
    Domain("patrimoine", "#a6761d", (
        "monument_historique", "site_patrimonial_remarquable", "patrimoine_mondial")),
    Domain("musees", "#7570b3", ("musee_de_france",)),
    Domain("cinema", "#e7298a", ("cinema_fixe", "cinema_itinerant")),
    Domain("livre_lecture", "#1b9e77", (
        "bibliotheque", "bibliotheque_departementale", "bibliobus", "lieu_lecture_non_ouvert")),
    Domain("archives", "#666666", (
        "archives_nationales", "archives_regionales", "archives_departementales",
        "archives_communales")),
    Domain("spectacle_vivant", "#d95f02", ("zenith", "theatre_prive")),
    Domain("festivals", "#e6ab02", (
        "festival_musique", "festival_spectacle_vivant", "festival_livre", "festival_cinema",
        "festival_arts_visuels", "festival_pluridisciplinaire")),
    Domain("plan_de_relance", "#66a61e", (
        "pdr_cathedrales", "pdr_monuments_historiques_hors_etat", "pdr_monuments_nationaux",
        "pdr_transition_ecologique", "pdr_renovation_energetique_etat",
        "pdr_renovation_energetique_enseignement", "pdr_musees_archives_archeologie",
        "pdr_enseignement_superieur_culture", "pdr_tigre")),
)

DOMAIN_IDS: tuple[str, ...] = tuple(d.id for d in DOMAINS)
TYPE_DOMAIN: dict[str, str] = {type_id: d.id for d in DOMAINS for type_id in d.types}
TYPE_IDS: tuple[str, ...] = tuple(TYPE_DOMAIN)

# Labels and appellations a place can carry (column `label`).
LABELS: tuple[str, ...] = (
    "mh_classe", "mh_classe_partiel", "mh_inscrit", "mh_inscrit_partiel", "mh_non_renseigne",
    "art_et_essai", "musee_de_france", "patrimoine_mondial",
)

# How far a place's point can be trusted (column `location_flag`).
LOCATION_FLAGS: tuple[str, ...] = (
    "ok",                       # inside its commune
    "near_commune",             # outside its commune, within the tolerance distance
    "commune_from_point",       # no commune in the source: the commune containing the point
    "stacked",                  # inside, on the same point as other places (town-centre geocoding)
    "moved_to_centroid",        # source point too far from its commune: moved inside the commune
    "no_coordinates_centroid",  # no usable point in the source: placed inside the commune
    "unchecked",                # the commune has no geometry to check the point against
)
# Distance from its commune within which a source point is kept (`near_commune`), in metres.
LOCATION_TOLERANCE_M = 1000.0
# Flags whose point is a stand-in placed inside the commune, not the place's own location.
CENTROID_FLAGS: tuple[str, ...] = ("moved_to_centroid", "no_coordinates_centroid")

# Levels a place can be filtered by; places.parquet has one column per level.
FILTER_LEVELS: tuple[str, ...] = config.LEVELS + ("arrondissement_municipal",)
LEVEL_COLUMNS: dict[str, str] = {level: level for level in config.LEVELS if level != "france"}
LEVEL_COLUMNS["arrondissement_municipal"] = "arrondissement"

# Columns of places.parquet, in order. Attribute columns are null where they do not apply.
PLACE_COLUMNS: tuple[str, ...] = (
    "place_id", "name", "domain", "type", "label", "address", "postal_code",
    "commune", "commune_name", "arrondissement",
    "region", "departement", "zone_emploi", "epci", "aav",
    "lon", "lat", "display_lon", "display_lat", "source_lon", "source_lat", "location_flag",
    "source_distance_m",
    "sources", "source_ids", "vintage",
    "screens", "seats", "admissions", "admissions_previous", "art_et_essai_labels",
    "multiplex", "surface_m2", "capacity", "creation_year", "amount_eur", "operation",
    "owner", "protection_regime",
)
# Columns of the public exports (API CSV and GeoJSON properties): everything but the
# display coordinates, which only make sense on the map's inset layout.
EXPORT_COLUMNS: tuple[str, ...] = tuple(
    c for c in PLACE_COLUMNS if c not in ("display_lon", "display_lat"))


def domain_of(type_id: str) -> str:
    """Return the domain id of a type id, or raise KeyError naming the valid types."""
    try:
        return TYPE_DOMAIN[type_id]
    except KeyError:
        raise KeyError(f"unknown place type '{type_id}'; valid types: {list(TYPE_IDS)}") from None


def domain_color(domain_id: str) -> str:
    for domain in DOMAINS:
        if domain.id == domain_id:
            return domain.color
    raise KeyError(f"unknown place domain '{domain_id}'; valid domains: {list(DOMAIN_IDS)}")


def taxonomy(lang: str | None = None) -> list[dict]:
    """Describe the taxonomy for menus and the API: domains with colour, label and types."""
    return [
        {
            "id": domain.id,
            "label": t(f"places.domain_{domain.id}", lang),
            "color": domain.color,
            "types": [{"id": type_id, "label": t(f"places.type_{type_id}", lang)}
                      for type_id in domain.types],
        }
        for domain in DOMAINS
    ]


def check_filters(domain: str | None = None, type_: str | None = None,
                  level: str | None = None, code: str | None = None) -> str | None:
    """Return an English message naming the first invalid filter and its valid choices, or None.

    The territory code is not checked against the territories here; an unknown code simply
    matches no place.
    """
    if domain and domain not in DOMAIN_IDS:
        return f"unknown domain '{domain}'; valid domains: {', '.join(DOMAIN_IDS)}"
    if type_:
        if type_ not in TYPE_DOMAIN:
            return f"unknown type '{type_}'; valid types: {', '.join(TYPE_IDS)}"
        if domain and TYPE_DOMAIN[type_] != domain:
            valid = next(d.types for d in DOMAINS if d.id == domain)
            return (f"type '{type_}' belongs to domain '{TYPE_DOMAIN[type_]}', not '{domain}'; "
                    f"types of '{domain}': {', '.join(valid)}")
    if level and level not in FILTER_LEVELS:
        return f"unknown level '{level}'; valid levels: {', '.join(FILTER_LEVELS)}"
    if bool(level) != bool(code) and level != "france":
        return "'level' and 'code' go together: give both or neither"
    return None


def filter_places(df: pd.DataFrame, domain: str | None = None, type_: str | None = None,
                  level: str | None = None, code: str | None = None) -> pd.DataFrame:
    """Select the places of a domain, a type and a territory; a None filter selects all.

    Raises ValueError with the message of `check_filters` on an invalid filter.
    """
    problem = check_filters(domain, type_, level, code)
    if problem:
        raise ValueError(problem)
    mask = pd.Series(True, index=df.index)
    if domain:
        mask &= df["domain"] == domain
    if type_:
        mask &= df["type"] == type_
    if level and level != "france":
        column = LEVEL_COLUMNS[level]
        mask &= df[column] == code
    return df[mask]


def _json_value(value):
    """Return a JSON-safe scalar: NaN and NA become None, numpy numbers become Python ones."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def to_geojson(df: pd.DataFrame, columns: tuple[str, ...] = EXPORT_COLUMNS) -> dict:
    """Serialise places as a GeoJSON FeatureCollection with their true WGS84 coordinates.

    Properties are the given columns except the coordinates; null attributes are left out to
    keep the response small. Coordinates follow RFC 7946 order: longitude, latitude.
    """
    names = [c for c in columns if c in df.columns and c not in ("lon", "lat")]
    features = []
    for record in df[["lon", "lat", *names]].itertuples(index=False, name=None):
        lon, lat, *values = record
        properties = {}
        for name, value in zip(names, values):
            value = _json_value(value)
            if value is not None:
                properties[name] = value
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lon), 6), round(float(lat), 6)]},
            "properties": properties,
        })
    return {"type": "FeatureCollection", "features": features}


def export_frame(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """Return the export columns, with domain and type names added next to their ids."""
    out = df[[c for c in EXPORT_COLUMNS if c in df.columns]].copy()
    position = out.columns.get_loc("type") + 1
    out.insert(position, "type_name", out["type"].map(lambda v: t(f"places.type_{v}", lang)))
    out.insert(out.columns.get_loc("domain") + 1, "domain_name",
               out["domain"].map(lambda v: t(f"places.domain_{v}", lang)))
    return out
