"""The indicator step on the real Deps workbooks, with figures checked by hand in the files.

Each expected number below was read in the workbook named in its comment (sheet and
spreadsheet row), then converted as the catalogue entry specifies (thousands of euros to
euros, ratios from their parts).
"""

import pandas as pd
import pytest

from atlas import config
from atlas.catalogue import load_catalogue
from atlas.store_schema import validate_values_frame
from loaders.indicators.engine import deps_entries
from loaders.indicators.report import build_report
from loaders.indicators.step import build_values


@pytest.fixture(scope="module")
def built(built_store):
    territories = pd.read_parquet(built_store / "territories.parquet")
    crosswalk = pd.read_parquet(built_store / "crosswalk.parquet")
    values, engine, findings = build_values(config.RAW_DIR, territories, crosswalk)
    return values, engine, findings, territories


def pick(values, indicator, level, code):
    row = values[(values["indicator"] == indicator) & (values["level"] == level)
                 & (values["code"] == code)]
    assert len(row) == 1, f"expected one row for {indicator} {level} {code}, got {len(row)}"
    return row.iloc[0]


def test_values_follow_store_contract(built):
    values, *_ = built
    validate_values_frame(values, "deps")  # raises on any broken rule
    assert not values.duplicated(["indicator", "level", "code", "year"]).any()


def test_every_catalogue_level_has_every_territory(built):
    values, _, _, territories = built
    counts = territories["level"].value_counts()
    for indicator in deps_entries(load_catalogue()):
        for level in indicator.levels:
            rows = values[(values["indicator"] == indicator.id) & (values["level"] == level)]
            assert len(rows) == counts[level], f"{indicator.id} at {level}"


def test_required_ids_present(built):
    values, *_ = built
    required = {"densite_population", "depenses_ministere_culture",
                "depenses_ministere_culture_par_habitant", "part_actifs_professions_culturelles",
                "part_actifs_secteurs_culturels", "etablissements_culturels",
                "part_etablissements_culturels", "salaries_secteurs_culturels",
                "niveau_de_vie_median", "taux_de_pauvrete", "indice_de_jeunesse"}
    for level in ("communes", "epci", "departements", "regions"):
        required |= {f"depenses_culturelles_{level}", f"depenses_culturelles_{level}_par_habitant"}
    assert required <= set(values["indicator"])


def test_commune_spending_paris(built):
    values, *_ = built
    # Dépenses culturelles des communes.xls, sheet Dépenses culturelles, rows 10737-10744:
    # the eight sectors of Paris sum to 494,714.81781 k€; Population 2,175,601.
    spending = pick(values, "depenses_culturelles_communes", "commune", "75056")
    assert spending["value"] == pytest.approx(494_714_817.81)
    per_head = pick(values, "depenses_culturelles_communes_par_habitant", "commune", "75056")
    assert per_head["value"] == pytest.approx(494_714_817.81 / 2_175_601)


def test_small_commune_spending_not_published(built):
    values, *_ = built
    # L'Abergement-Clémenciat (776 inhabitants) has no row in the communes' spending workbook.
    row = pick(values, "depenses_culturelles_communes", "commune", "01001")
    assert row["status"] == "not_published"
    assert pd.isna(row["value"])


def test_epci_spending_sums_sectors(built):
    values, *_ = built
    # Dépenses culturelles des intercommunalités.xls, rows 2-3: CC Faucigny-Glières,
    # 370.21315 + 368.113 k€.
    row = pick(values, "depenses_culturelles_epci", "epci", "200000172")
    assert row["value"] == pytest.approx(738_326.15)


def test_ministry_names_matched_and_sentinel(built):
    values, *_ = built
    # Dépenses du ministère de la Culture.xls, sheet Département, row 2: Ain, total
    # 4,239,620.86 €, population 643,350 (no code column: the name is matched).
    ain = pick(values, "depenses_ministere_culture", "departement", "01")
    assert ain["value"] == pytest.approx(4_239_620.86)
    per_head = pick(values, "depenses_ministere_culture_par_habitant", "departement", "01")
    assert per_head["value"] == pytest.approx(4_239_620.86 / 643_350)
    # Corse-du-Sud carries -1 in every column.
    corse = pick(values, "depenses_ministere_culture", "departement", "2A")
    assert corse["status"] == "missing"
    assert pd.isna(corse["value"])


def test_single_authorities_not_applicable(built):
    values, *_ = built
    assert pick(values, "depenses_culturelles_departements", "departement", "75")["status"] == "not_applicable"
    assert pick(values, "depenses_culturelles_regions", "region", "06")["status"] == "not_applicable"
    # Corse (94) has no départemental spending at all.
    assert pick(values, "depenses_culturelles_departements", "region", "94")["status"] == "not_applicable"


def test_shares_recomputed_not_averaged(built):
    values, *_ = built
    # Actifs dans les secteurs culturels.xls, sheet Région, row 2: Guadeloupe 2,150 of 127,128.
    guadeloupe = pick(values, "part_actifs_secteurs_culturels", "region", "01")
    assert guadeloupe["value"] == pytest.approx(2150 / 127128 * 100)
    # France: the 18 regional rows sum to 685,532 cultural workers of 26,486,361.
    france = pick(values, "part_actifs_secteurs_culturels", "france", "FR")
    assert france["value"] == pytest.approx(685_532 / 26_486_361 * 100)
    assert pick(values, "actifs_secteurs_culturels", "france", "FR")["value"] == 685_532
    # Entreprises culturelles du secteur marchand.xls, sheet Département, row 2: Ain 395 of 17,617.
    ain = pick(values, "part_etablissements_culturels", "departement", "01")
    assert ain["value"] == pytest.approx(395 / 17617 * 100)


def test_context_sentinels_and_blanks(built):
    values, *_ = built
    # Muchedent (76458), row 2 of each commune workbook.
    assert pick(values, "niveau_de_vie_median", "commune", "76458")["value"] == 19620
    assert pick(values, "indice_de_jeunesse", "commune", "76458")["value"] == pytest.approx(186.36363636)
    assert pick(values, "grille_densite", "commune", "76458")["category"] == "4"
    # Saugeot (39505), row 3: empty median income, published as secrecy.
    assert pick(values, "niveau_de_vie_median", "commune", "39505")["status"] == "secret"
    # Mayotte is wholly empty: outside Filosofi, so « no data », not secrecy.
    assert pick(values, "niveau_de_vie_median", "commune", "97611")["status"] == "missing"
    # In the population change workbook -1 is a real rate, not the sentinel.
    change = values[(values["indicator"] == "evolution_annuelle_population") & (values["value"] == -1)]
    assert len(change) > 600
    assert pick(values, "evolution_annuelle_population", "commune", "76458")["value"] == pytest.approx(-1.2)


def test_merged_commune_recomputed_from_parts(built):
    values, *_ = built
    # Population.xls rows 21 and 72: Béon (01039) 454 and Culoz (01138) 3,035, merged into
    # Culoz-Béon (01138). Densité de la population.xls, same rows: 44.07766990291262 and
    # 156.76652892561984 inhabitants/km².
    assert pick(values, "population_municipale_atlas", "commune", "01138")["value"] == 3489
    area = 454 / 44.07766990291262 + 3035 / 156.76652892561984
    density = pick(values, "densite_population", "commune", "01138")
    assert density["value"] == pytest.approx(3489 / area)
    assert density["status"] == "ok"
    # A median cannot be combined.
    assert pick(values, "niveau_de_vie_median", "commune", "01138")["status"] == "not_applicable"


def test_population_vintage_is_2017(built):
    values, *_ = built
    # Population.xls row 17903: Paris 2,187,526, the 2017 municipal population.
    paris = values[(values["indicator"] == "population_municipale_atlas") & (values["code"] == "75056")]
    assert paris["value"].iloc[0] == 2_187_526
    assert set(paris["year"]) == {2017}


def test_categorical_zonings(built):
    values, *_ = built
    # Action coeur de ville.xls: Moulins (03190) is ACV009.
    assert pick(values, "action_coeur_de_ville", "commune", "03190")["category"] == "oui"
    assert pick(values, "action_coeur_de_ville", "commune", "01001")["category"] == "non"
    assert pick(values, "aav_taille", "commune", "75056")["category"] == "5"
    assert pick(values, "aav_taille", "aav", "001")["category"] == "5"
    assert pick(values, "aav_categorie_commune", "commune", "75056")["category"] == "11"


def test_copied_commune_column_withheld(built):
    values, engine, *_ = built
    assert ("etablissements_culturels", "commune") in [(i, level) for i, level, _ in engine.withheld]
    assert "commune" not in set(values.loc[values["indicator"] == "etablissements_culturels", "level"])
    # The salariés commune sheet is consistent with its départements and stays.
    assert pick(values, "salaries_secteurs_culturels", "epci", "200000172")["status"] == "ok"


def test_quality_report_lists_anomalies(built):
    values, engine, findings, _ = built
    report = build_report(engine, findings, values, 1.0)
    assert "Dépenses culturelles des départements.xlsx" in report
    assert "`etablissements_culturels` at commune: its sum" in report
    assert "withheld" in report
    assert "« pôle »" in report
    assert "municipal population 2017" in report
    assert "annual rate 2012-2017" in report
    assert "200035459" in report  # an EPCI of 2019 that no longer exists


@pytest.mark.parametrize("indicator", ["depenses_culturelles_communes", "population_depenses_communes",
                                       "depenses_culturelles_communes_par_habitant"])
def test_merged_small_communes_not_published(built, indicator):
    values, *_ = built
    # Each is a commune nouvelle of 2024-2025 over 3,500 inhabitants whose former communes were
    # all below 3,500 in Population.xls, e.g. Valdallière (14408) + Viessoix (14623).
    for code in ("14408", "16097", "62447", "72155", "85076", "85223"):
        row = pick(values, indicator, "commune", code)
        assert row["status"] == "not_published", code
        assert pd.isna(row["value"]), code


def test_zero_employees_share_not_applicable(built):
    values, *_ = built
    # Salariés actifs des secteurs culturels marchands.xls, sheet Commune, row 41:
    # L'Abergement-de-Varey (01002), 0 cultural employees of 0 employees.
    row = pick(values, "part_salaries_secteurs_culturels", "commune", "01002")
    assert row["status"] == "not_applicable"
    assert pd.isna(row["value"])
    shares = values[(values["indicator"] == "part_salaries_secteurs_culturels")
                    & (values["level"] == "commune")]
    assert (shares["status"] == "not_applicable").sum() > 1000


def test_money_sums_rounded_to_cents(built):
    values, *_ = built
    # The 18 régions of the ministry workbook sum to 3,809,871,740.850008 in floating point.
    assert pick(values, "depenses_ministere_culture", "france", "FR")["value"] == 3_809_871_740.85
    euros = values[values["indicator"].str.startswith("depenses_") & values["value"].notna()
                   & ~values["indicator"].str.endswith("_par_habitant")]
    assert len(euros) > 5000
    assert (euros["value"] == euros["value"].round(2)).all()


def test_quality_report_reviewed_lines(built):
    values, engine, findings, _ = built
    report = build_report(engine, findings, values, 1.0)
    assert "anomalies found" not in report  # no headline adding up counts of different kinds
    assert ("**`deps-atlas/indicateurs/Dépenses culturelles des départements.xlsx` is not "
            "loaded**") in report
    assert "`deps-atlas/indicateurs/Dépenses du ministère de la Culture.xls` › Département" in report
    assert "the commune level is not published" in report
    assert "Kept: the région sheet also holds spending" in report
    assert "48 of the 729 EPCI with a figure have other member communes" in report
    assert "CA Gaillac-Graulhet (200066124) 61 → 56 communes" in report
    assert "6 of them are above it only as communes merged since" in report
    assert "1698 territories where `salaries_secteurs_culturels` and `salaries_total`" in report
    density = next(line for line in report.splitlines()
                   if line.startswith("- `densite_population` at commune —"))
    assert "76 of them cannot be combined from this column and are recomputed" in density
    assert "get « sans objet »" not in density


def test_ministry_notes_say_departements_do_not_add_up():
    catalogue = load_catalogue()
    for indicator_id in ("depenses_ministere_culture", "depenses_ministere_culture_par_habitant"):
        notes = catalogue.get(indicator_id).notes
        assert "ne s'additionnent pas à leur région" in notes["fr"], indicator_id
        assert "do not add up to their région" in notes["en"], indicator_id
    epci = catalogue.get("depenses_culturelles_epci").notes
    assert "sans ajustement au périmètre de 2025" in epci["fr"]
    assert "without adjustment to the 2025 perimeter" in epci["en"]
