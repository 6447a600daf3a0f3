"""Generate the catalogue entries of the place indicators (`data/catalogue/lieux.yaml`).

The entries follow the taxonomy of `atlas.places`: a count and a rate per 100,000 inhabitants
for every domain and every type. A domain with a single type has no separate type entries.
Cinema screens and seats per 10,000 inhabitants, the share of the population living in a
commune with a library, and Plan de relance amounts complete the list. Writing them by hand would repeat one
pattern some eighty times, so they are generated; a test checks that the committed file equals
this output. Run `python -m loaders.places.catalogue_entries` after changing the taxonomy.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from atlas import config
from atlas.i18n import load_messages
from atlas.places import DOMAINS

CATALOGUE_FILE = config.CATALOGUE_DIR / "lieux.yaml"
THEME = "offre_lieux"
LEVELS = list(config.LEVELS)

# Denominators come from the time-series family. Rates per 100,000 inhabitants use the latest
# legal population; cinema rates use the population of the cinema year.
POPULATION = "population"
POPULATION_YEAR = 2023
CINEMA_YEAR = 2022
SCREENS, SEATS = "cinemas_ecrans", "cinemas_fauteuils"

# Reference year of each domain's counts: the vintage of its main source.
DOMAIN_YEARS = {"patrimoine": 2021, "musees": 2022, "cinema": 2022, "livre_lecture": 2021,
                "archives": 2021, "spectacle_vivant": 2021, "festivals": 2021,
                "plan_de_relance": 2021}
TYPE_YEARS = {"site_patrimonial_remarquable": 2023}
PALETTES = {"patrimoine": "YlOrBr", "musees": "Purples", "cinema": "RdPu", "livre_lecture": "Greens",
            "archives": "Greys", "spectacle_vivant": "Oranges", "festivals": "YlOrRd",
            "plan_de_relance": "YlGn"}

SOURCES = {
    "patrimoine": ("Ministère de la Culture : monuments historiques et biens Unesco (base des "
                   "équipements du Deps, 2021), sites patrimoniaux remarquables (liste 2023)",
                   "Ministry of Culture: historic monuments and Unesco properties (Deps facilities "
                   "base, 2021), remarkable heritage sites (2023 list)"),
    "musees": ("Ministère de la Culture : liste officielle des Musées de France (27 janvier 2022) "
               "et Muséofile (juillet 2025)",
               "Ministry of Culture: official list of the Musées de France (27 January 2022) and "
               "Muséofile (July 2025)"),
    "cinema": ("CNC, géolocalisation des établissements cinématographiques (2022)",
               "CNC, geolocation of cinemas (2022)"),
    "livre_lecture": ("Ministère de la Culture : Observatoire de la lecture publique (adresses des "
                      "bibliothèques) et Service du livre et de la lecture (base du Deps, 2021)",
                      "Ministry of Culture: public reading observatory (library addresses) and "
                      "books and reading department (Deps base, 2021)"),
    "archives": ("Service interministériel des archives de France (base du Deps, 2021)",
                 "Interministerial archives service (Deps base, 2021)"),
    "spectacle_vivant": ("Ministère de la Culture : Basilic (Zéniths, 2021) ; Artcena (théâtres "
                         "privés, base du Deps, 2021)",
                         "Ministry of Culture: Basilic (Zéniths, 2021); Artcena (private theatres, "
                         "Deps base, 2021)"),
    "festivals": ("Ministère de la Culture, liste des festivals en France (panorama 2019-2021)",
                  "Ministry of Culture, list of festivals in France (2019-2021 survey)"),
    "plan_de_relance": ("Ministère de la Culture, opérations du plan de relance (2021)",
                        "Ministry of Culture, recovery plan operations (2021)"),
}
POPULATION_SOURCE = (f"Insee, population municipale {POPULATION_YEAR} (populations légales)",
                     f"Insee, {POPULATION_YEAR} municipal population (legal populations)")
PLACEMENT_NOTE = (
    "Chaque lieu est compté dans la commune (COG 2025) que donne sa source, après contrôle de ses "
    "coordonnées ; les lieux d'une commune fusionnée depuis sont comptés dans la commune nouvelle. "
    "Le rapport qualité détaille les lieux déplacés ou écartés.",
    "Each place is counted in the commune (COG 2025) given by its source, after its coordinates "
    "were checked; places of a commune merged since are counted in the new commune. The data "
    "quality report lists the places moved or left out.")


def _messages() -> dict[str, dict[str, str]]:
    return load_messages(config.I18N_DIR)


def _plural(key: str) -> tuple[str, str]:
    texts = _messages()[f"places.plural_{key}"]
    return texts["fr"], texts["en"]


def _bilingual(fr: str, en: str) -> dict:
    return {"fr": fr, "en": en}


PROPER_NOUNS = ("Musées de France", "Unesco", "Zénith")


def _lower_first(text: str) -> str:
    """Lower-case the first letter for use inside a sentence, except in proper nouns."""
    return text if text.startswith(PROPER_NOUNS) else text[0].lower() + text[1:]


def _count_entry(key: str, domain: str, type_id: str | None, year: int) -> dict:
    fr, en = _plural(key)
    source_fr, source_en = SOURCES[domain]
    scope = {"domain": domain} if type_id is None else {"domain": domain, "type": type_id}
    return {
        "id": f"lieux_{key}",
        "label": _bilingual(fr, en),
        "theme": THEME,
        "unit": "nombre",
        "definition": _bilingual(f"Nombre de {_lower_first(fr)} situés dans le territoire.",
                                 f"Number of {_lower_first(en)} located in the territory."),
        "source": _bilingual(source_fr, source_en),
        "notes": _bilingual(*PLACEMENT_NOTE),
        "years": [year],
        "levels": LEVELS,
        "aggregation": {"rule": "sum"},
        "classification": {"method": "jenks", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES[domain]},
        "input": {"loader": "places", "measure": "count", **scope},
    }


def _rate_entry(count: dict, domain: str) -> dict:
    fr, en = count["label"]["fr"], count["label"]["en"]
    source_fr, source_en = SOURCES[domain]
    year = count["years"][0]
    return {
        "id": f"{count['id']}_pour_100000_hab",
        "label": _bilingual(f"{fr} pour 100 000 habitants", f"{en} per 100,000 inhabitants"),
        "theme": THEME,
        "unit": "pour_100000_habitants",
        "decimals": 1,
        "definition": _bilingual(
            f"Nombre de {_lower_first(fr)} pour 100 000 habitants (population municipale "
            f"{POPULATION_YEAR}).",
            f"Number of {_lower_first(en)} per 100,000 inhabitants ({POPULATION_YEAR} municipal "
            f"population)."),
        "source": _bilingual(f"{source_fr} ; {POPULATION_SOURCE[0]}",
                             f"{source_en}; {POPULATION_SOURCE[1]}"),
        "notes": _bilingual(
            f"Lieux de {year} rapportés à la population {POPULATION_YEAR}, dernier millésime "
            "disponible. Au-delà de la commune : nombre total de lieux divisé par la population "
            "totale (et non moyenne des taux communaux).",
            f"Places of {year} divided by the {POPULATION_YEAR} population, the latest vintage "
            "available. Above the commune: total number of places divided by the total "
            "population (not an average of commune rates)."),
        "years": [year],
        "levels": LEVELS,
        "aggregation": {"rule": "ratio", "numerator": count["id"], "denominator": POPULATION,
                        "factor": 100000},
        "classification": {"method": "quantiles", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES[domain]},
        "input": {"loader": "places", "measure": "ratio", "part_years": {POPULATION: POPULATION_YEAR}},
    }


def _cinema_rate(part: str, label: tuple[str, str], noun: tuple[str, str]) -> dict:
    return {
        "id": f"{part}_pour_10000_hab",
        "label": _bilingual(f"{label[0]} pour 10 000 habitants", f"{label[1]} per 10,000 inhabitants"),
        "theme": THEME,
        "unit": "pour_10000_habitants",
        "decimals": 1,
        "definition": _bilingual(
            f"Nombre de {noun[0]} des cinémas actifs en {CINEMA_YEAR} pour 10 000 habitants "
            f"(population municipale {CINEMA_YEAR}).",
            f"Number of {noun[1]} of the cinemas active in {CINEMA_YEAR} per 10,000 inhabitants "
            f"({CINEMA_YEAR} municipal population)."),
        "source": _bilingual(f"{SOURCES['cinema'][0]} ; Insee, population municipale {CINEMA_YEAR}",
                             f"{SOURCES['cinema'][1]}; Insee, {CINEMA_YEAR} municipal population"),
        "notes": _bilingual(
            "Au-delà de la commune : total divisé par la population totale.",
            "Above the commune: total divided by the total population."),
        "years": [CINEMA_YEAR],
        "levels": LEVELS,
        "aggregation": {"rule": "ratio", "numerator": part, "denominator": POPULATION,
                        "factor": 10000},
        "classification": {"method": "quantiles", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES["cinema"]},
        "input": {"loader": "places", "measure": "ratio",
                  "part_years": {part: CINEMA_YEAR, POPULATION: CINEMA_YEAR}},
    }


def _library_entries() -> list[dict]:
    year = DOMAIN_YEARS["livre_lecture"]
    source = SOURCES["livre_lecture"]
    population = {
        "id": "population_commune_avec_bibliotheque",
        "hidden": True,
        "label": _bilingual("Population des communes ayant au moins une bibliothèque",
                            "Population of communes with at least one library"),
        "theme": THEME,
        "unit": "habitants",
        "definition": _bilingual(
            f"Population municipale {POPULATION_YEAR} des communes où se trouve au moins une "
            "bibliothèque ouverte au public.",
            f"{POPULATION_YEAR} municipal population of the communes with at least one library "
            "open to the public."),
        "source": _bilingual(f"{source[0]} ; {POPULATION_SOURCE[0]}",
                             f"{source[1]}; {POPULATION_SOURCE[1]}"),
        "years": [year],
        "levels": LEVELS,
        "aggregation": {"rule": "sum"},
        "classification": {"method": "quantiles", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES["livre_lecture"]},
        "input": {"loader": "places", "measure": "population_with_place", "domain": "livre_lecture",
                  "type": "bibliotheque", "part_years": {POPULATION: POPULATION_YEAR}},
    }
    share = {
        "id": "part_population_commune_avec_bibliotheque",
        "label": _bilingual("Part de la population vivant dans une commune dotée d'une bibliothèque",
                            "Share of the population living in a commune with a library"),
        "theme": THEME,
        "unit": "pourcent",
        "decimals": 1,
        "definition": _bilingual(
            "Part de la population municipale qui vit dans une commune où se trouve au moins une "
            "bibliothèque ouverte au public (bibliobus, bibliothèques départementales et lieux "
            "fermés au public exclus).",
            "Share of the municipal population living in a commune with at least one library open "
            "to the public (mobile libraries, département lending libraries and sites closed to "
            "the public excluded)."),
        "source": population["source"],
        "notes": _bilingual(
            f"Bibliothèques de {year}, population {POPULATION_YEAR}. Mesure sans distance : une "
            "bibliothèque dans la commune voisine ne compte pas. Vaut 0 ou 100 pour une commune ; "
            "à Paris, Lyon et Marseille, la commune entière compte.",
            f"Libraries of {year}, {POPULATION_YEAR} population. A distance-free measure: a "
            "library in the next commune does not count. It is 0 or 100 for a commune; in Paris, "
            "Lyon and Marseille the whole commune counts."),
        "years": [year],
        "levels": LEVELS,
        "aggregation": {"rule": "ratio", "numerator": population["id"], "denominator": POPULATION,
                        "factor": 100},
        "classification": {"method": "quantiles", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES["livre_lecture"]},
        "input": {"loader": "places", "measure": "ratio",
                  "part_years": {POPULATION: POPULATION_YEAR}},
    }
    return [population, share]


def _recovery_plan_entries() -> list[dict]:
    year = DOMAIN_YEARS["plan_de_relance"]
    source = SOURCES["plan_de_relance"]
    amount = {
        "id": "plan_de_relance_montant",
        "label": _bilingual("Montant des opérations du plan de relance",
                            "Amount of the recovery plan operations"),
        "theme": THEME,
        "unit": "euros",
        "definition": _bilingual(
            "Somme des montants des opérations culturelles du plan de relance situées dans le "
            "territoire.",
            "Sum of the amounts of the cultural recovery plan operations located in the territory."),
        "source": _bilingual(*source),
        "notes": _bilingual(
            "Une opération menée sur plusieurs sites est répartie à parts égales entre eux.",
            "An operation spread over several sites is divided equally between them."),
        "years": [year],
        "levels": LEVELS,
        "aggregation": {"rule": "sum"},
        "classification": {"method": "jenks", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES["plan_de_relance"]},
        "input": {"loader": "places", "measure": "sum", "column": "amount_eur",
                  "domain": "plan_de_relance"},
    }
    per_inhabitant = {
        "id": "plan_de_relance_montant_par_habitant",
        "label": _bilingual("Montant du plan de relance par habitant",
                            "Recovery plan amount per inhabitant"),
        "theme": THEME,
        "unit": "euros_par_habitant",
        "decimals": 1,
        "definition": _bilingual(
            f"Montant des opérations du plan de relance divisé par la population municipale "
            f"{POPULATION_YEAR}.",
            f"Amount of the recovery plan operations divided by the {POPULATION_YEAR} municipal "
            "population."),
        "source": _bilingual(f"{source[0]} ; {POPULATION_SOURCE[0]}",
                             f"{source[1]}; {POPULATION_SOURCE[1]}"),
        "years": [year],
        "levels": LEVELS,
        "aggregation": {"rule": "ratio", "numerator": amount["id"], "denominator": POPULATION},
        "classification": {"method": "quantiles", "k": 5},
        "palette": {"type": "sequential", "scheme": PALETTES["plan_de_relance"]},
        "input": {"loader": "places", "measure": "ratio",
                  "part_years": {POPULATION: POPULATION_YEAR}},
    }
    return [amount, per_inhabitant]


def build_entries() -> list[dict]:
    """Return every place indicator entry, domain by domain."""
    entries: list[dict] = []
    for domain in DOMAINS:
        year = DOMAIN_YEARS[domain.id]
        count = _count_entry(domain.id, domain.id, None, year)
        entries += [count, _rate_entry(count, domain.id)]
        if len(domain.types) > 1:
            for type_id in domain.types:
                type_count = _count_entry(type_id, domain.id, type_id, TYPE_YEARS.get(type_id, year))
                entries += [type_count, _rate_entry(type_count, domain.id)]
        if domain.id == "cinema":
            entries.append(_cinema_rate(SCREENS, ("Écrans de cinéma", "Cinema screens"),
                                        ("écrans", "screens")))
            entries.append(_cinema_rate(SEATS, ("Fauteuils de cinéma", "Cinema seats"),
                                        ("fauteuils", "seats")))
        if domain.id == "livre_lecture":
            entries += _library_entries()
        if domain.id == "plan_de_relance":
            entries += _recovery_plan_entries()
    return entries


HEADER = ("# Place-based indicators (theme offre_lieux), generated from the place taxonomy by\n"
          "# `python -m loaders.places.catalogue_entries`; edit the generator, not this file.\n")


class _Dumper(yaml.SafeDumper):
    """YAML in the style of the other catalogue files: no anchors, short lists on one line."""

    def ignore_aliases(self, data):
        return True


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = all(isinstance(item, (str, int, float)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def render() -> str:
    """Return the text of `lieux.yaml`: one entry per indicator, separated by blank lines."""
    parts = [yaml.dump([entry], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
             for entry in build_entries()]
    return HEADER + "\n" + "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    target = Path(argv[0]) if argv else CATALOGUE_FILE
    target.write_text(render(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
