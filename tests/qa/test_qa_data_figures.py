"""Figures of the open-data API recomputed independently from the raw public files.

The raw workbooks are read here with python-calamine and the 2025 commune and EPCI lists
with json, without any loader code, so a bug shared by the loaders and their own tests
still shows up. The served figures come through the real API routes (Flask test client).
"""

from __future__ import annotations

import gzip
import json
import math
from collections import defaultdict
from functools import lru_cache

import pytest
from python_calamine import CalamineWorkbook

from atlas import config, store

RAW = config.RAW_DIR
WORKBOOKS = RAW / "deps-atlas" / "indicateurs"


def served(client, indicator: str, level: str) -> dict[str, dict]:
    """Rows of `/api/v1/indicators/<indicator>/values` by territory code."""
    response = client.get(f"/api/v1/indicators/{indicator}/values?level={level}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return {row["code"]: row for row in response.get_json()["values"]}


def rows_of(workbook: str, sheet: str) -> list[list]:
    """Data rows (header excluded) of one sheet of a raw workbook."""
    return CalamineWorkbook.from_path(WORKBOOKS / workbook).get_sheet_by_name(sheet).to_python()[1:]


def commune_code(raw) -> str:
    text = str(int(raw)) if isinstance(raw, float) else str(raw).strip()
    return text.zfill(5) if text.isdigit() else text.upper()


@lru_cache(maxsize=1)
def geography():
    """(2025 communes by code, old code -> 2025 code, commune -> EPCI) from Etalab's lists."""
    folder = RAW / "decoupage-administratif" / "v6.0.0"
    with gzip.open(folder / "communes.json.gz") as handle:
        communes = [c for c in json.load(handle) if c["type"] == "commune-actuelle"]
    current = {c["code"]: c for c in communes}
    to_current = {code: code for code in current}
    for commune in communes:
        for old in commune.get("anciensCodes", []):
            to_current.setdefault(old, commune["code"])
    with gzip.open(folder / "epci.json.gz") as handle:
        epci_of = {m["code"]: e["code"] for e in json.load(handle) for m in e["membres"]}
    return current, to_current, epci_of


@lru_cache(maxsize=1)
def commune_spending() -> tuple[dict[str, float], dict[str, float], dict[str, list[str]]]:
    """Spending (euros) and population per 2025 commune, summed over sectors and old codes."""
    _, to_current, _ = geography()
    spending, population = defaultdict(float), {}
    for row in rows_of("Dépenses culturelles des communes.xls", "Dépenses culturelles"):
        code = commune_code(row[0])
        spending[code] += row[5] * 1000  # the workbook is in thousands of euros
        population[code] = row[6]  # repeated on every sector row
    by_current, population_current, parts = defaultdict(float), defaultdict(float), defaultdict(list)
    for code, amount in spending.items():
        target = to_current[code]
        by_current[target] += amount
        population_current[target] += population[code]
        parts[target].append(code)
    return by_current, population_current, parts


@lru_cache(maxsize=1)
def population_2017() -> dict[str, float]:
    return {commune_code(r[1]): r[2] for r in rows_of("Population.xls", "Population")}


@lru_cache(maxsize=1)
def density() -> dict[str, float]:
    return {commune_code(r[1]): r[2]
            for r in rows_of("Densité de la population.xls", "Densité de la population")}


@pytest.mark.parametrize("code", ["69123", "35238", "13055", "97411"])
def test_commune_spending_matches_workbook(client, code):
    spending, _, _ = commune_spending()
    row = served(client, "depenses_culturelles_communes", "commune")[code]
    assert row["status"] == "ok"
    assert row["value"] == pytest.approx(spending[code], rel=1e-9)


def test_merged_commune_spending_is_summed(client):
    spending, _, parts = commune_spending()
    rows = served(client, "depenses_culturelles_communes", "commune")
    # Oullins-Pierre-Bénite (69149) gathers Oullins and Pierre-Bénite (69152); Saint-Denis
    # (93066) gathers Saint-Denis and Pierrefitte-sur-Seine (93059): merged in 2024 and 2025.
    for code in ("69149", "93066"):
        assert len(parts[code]) == 2
        assert rows[code]["value"] == pytest.approx(spending[code], rel=1e-9)


def test_spending_aggregates_are_sums_of_communes(client):
    current, _, epci_of = geography()
    spending, _, _ = commune_spending()
    by_epci, by_departement, by_region = defaultdict(float), defaultdict(float), defaultdict(float)
    for code, amount in spending.items():
        by_epci[epci_of.get(code)] += amount
        by_departement[current[code]["departement"]] += amount
        by_region[current[code]["region"]] += amount

    epci = served(client, "depenses_culturelles_communes", "epci")
    for code in ("243500139", "200046977"):  # Rennes Métropole, Métropole de Lyon
        assert epci[code]["value"] == pytest.approx(by_epci[code], rel=1e-9)
    departement = served(client, "depenses_culturelles_communes", "departement")
    assert departement["35"]["value"] == pytest.approx(by_departement["35"], rel=1e-9)
    region = served(client, "depenses_culturelles_communes", "region")
    assert region["53"]["value"] == pytest.approx(by_region["53"], rel=1e-9)
    france = served(client, "depenses_culturelles_communes", "france")["FR"]
    assert france["value"] == pytest.approx(sum(spending.values()), rel=1e-9)


def test_spending_per_inhabitant_is_ratio_of_sums(client):
    current, _, _ = geography()
    spending, population, _ = commune_spending()
    amount = sum(v for c, v in spending.items() if current[c]["departement"] == "35")
    people = sum(v for c, v in population.items() if current[c]["departement"] == "35")
    row = served(client, "depenses_culturelles_communes_par_habitant", "departement")["35"]
    assert row["value"] == pytest.approx(amount / people, rel=1e-6)


def test_small_communes_are_not_published(client):
    spending, _, _ = commune_spending()
    rows = served(client, "depenses_culturelles_communes", "commune")
    population = population_2017()
    _, to_current, _ = geography()
    rows_per_commune = defaultdict(int)
    for code in population:
        rows_per_commune[to_current.get(code)] += 1
    small = [c for c in rows if c not in spending and rows_per_commune[c] == 1
             and population.get(c, math.inf) < 3500]
    assert len(small) > 30_000
    for code in small:
        assert rows[code]["status"] == "not_published", code
        assert rows[code]["value"] is None, code
    assert rows["01001"]["status_label"] == "non publié"

    # Communes nouvelles whose former communes were each below 3,500 inhabitants in 2019,
    # although their merged population is above it.
    for code in ("14408", "16097", "62447", "72155", "85076", "85223"):
        assert rows[code]["status"] == "not_published", code
        assert rows[code]["value"] is None, code


def test_ministry_spending_by_region_name(client):
    workbook = {r[0]: r[3] for r in rows_of("Dépenses du ministère de la Culture.xls", "Région")}
    rows = served(client, "depenses_ministere_culture", "region")
    for name, code in (("Auvergne-Rhône-Alpes", "84"), ("Île-de-France", "11"),
                       ("Provence-Alpes-Côte d'Azur", "93"), ("La Réunion", "04")):
        assert rows[code]["value"] == pytest.approx(workbook[name], rel=1e-9)
    france = served(client, "depenses_ministere_culture", "france")["FR"]
    assert france["value"] == pytest.approx(sum(workbook.values()), rel=1e-9)


def test_cultural_jobs_share_is_ratio_of_sums(client):
    rows = rows_of("Actifs exerçant une profession culturelle.xls", "Région")
    jobs = {r[1]: r[2] for r in rows}
    workers = {r[1]: r[3] for r in rows}
    region = served(client, "part_actifs_professions_culturelles", "region")
    assert region["11"]["value"] == pytest.approx(100 * jobs["11"] / workers["11"], rel=1e-6)
    france = served(client, "part_actifs_professions_culturelles", "france")["FR"]["value"]
    assert france == pytest.approx(100 * sum(jobs.values()) / sum(workers.values()), rel=1e-6)
    mean_of_rates = sum(100 * jobs[c] / workers[c] for c in jobs) / len(jobs)
    assert not math.isclose(france, mean_of_rates, rel_tol=1e-3)


def test_salaried_share_of_epci_from_communes(client):
    _, to_current, epci_of = geography()
    jobs, employees = defaultdict(float), defaultdict(float)
    for row in rows_of("Salariés actifs des secteurs culturels marchands.xls", "Commune"):
        epci = epci_of.get(to_current.get(commune_code(row[1])))
        jobs[epci] += row[2]
        employees[epci] += row[3]
    rows = served(client, "part_salaries_secteurs_culturels", "epci")
    for code in ("243500139", "200000172"):
        assert rows[code]["value"] == pytest.approx(100 * jobs[code] / employees[code], rel=1e-6)


def test_density_of_commune_and_departements(client):
    current, to_current, _ = geography()
    population, densities = population_2017(), density()
    communes = served(client, "densite_population", "commune")
    assert communes["76458"]["value"] == pytest.approx(densities["76458"], rel=1e-6)

    people, area = defaultdict(float), defaultdict(float)
    for code, value in densities.items():
        if isinstance(value, float) and value > 0:
            departement = current[to_current[code]]["departement"]
            people[departement] += population[code]
            area[departement] += population[code] / value
    departements = served(client, "densite_population", "departement")
    for code in ("29", "75", "973"):
        assert departements[code]["value"] == pytest.approx(people[code] / area[code], rel=1e-6)


def test_merged_commune_density_from_parts(client):
    population, densities = population_2017(), density()
    rows = served(client, "densite_population", "commune")
    # Population.xls still lists Ruffieu (01330) and Filain (02311), now part of Haut
    # Valromey (01187) and Pargny-et-Filain (02589).
    for target, parts in (("01187", ["01187", "01330"]), ("02589", ["02311", "02589"])):
        people = sum(population[p] for p in parts)
        area = sum(population[p] / densities[p] for p in parts)
        assert rows[target]["status"] == "ok"
        assert rows[target]["value"] == pytest.approx(people / area, rel=1e-6)


def test_density_grid_categories(client):
    grid = {commune_code(r[1]): r[2]
            for r in rows_of("Grille communale de densité.xls", "Grille communale de densité")}
    codes = {"Très dense": "1", "Densité intermédiaire": "2", "Peu dense": "3", "Très peu dense": "4"}
    rows = served(client, "grille_densite", "commune")
    for code in ("76458", "75056", "2A004"):
        assert rows[code]["category"] == codes[grid[code]]
        assert rows[code]["value"] is None


def test_only_ok_rows_carry_numbers(built_store):
    values = store.values()
    not_ok = values[values["status"] != "ok"]
    assert not_ok["value"].notna().sum() == 0
    assert not_ok["category"].notna().sum() == 0
    ok = values[values["status"] == "ok"]
    assert (ok["value"].isna() & ok["category"].isna()).sum() == 0


def test_france_sums_equal_regions(client):
    from atlas.catalogue import load_catalogue

    checked = 0
    for indicator in load_catalogue():
        if (indicator.input.get("loader") != "deps" or indicator.aggregation.get("rule") != "sum"
                or not {"france", "region"} <= set(indicator.levels)):
            continue
        regions = served(client, indicator.id, "region")
        france = served(client, indicator.id, "france")["FR"]["value"]
        total = sum(r["value"] for r in regions.values() if r["status"] == "ok")
        assert france == pytest.approx(total, rel=1e-9), indicator.id
        checked += 1
    assert checked >= 15
