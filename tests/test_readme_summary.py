"""The README's reproduction summary is what the committed tables say (it is generated
by `python -m cz4042.readme_summary`, which publish.sh runs)."""

from conftest import ROOT

from cz4042 import readme_summary

TABLES = ROOT / "docs/results/report-protocol/tables"


def test_the_readme_summary_is_generated_from_the_committed_tables():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme_summary.current_block(readme)
    assert block, "README.md lacks the summary block"
    min_seeds = readme_summary.min_seeds_of(ROOT / "config.yaml")
    expected = readme_summary.summary(TABLES, TABLES.relative_to(ROOT).as_posix(), min_seeds)
    assert block == expected, "README summary is stale: run python -m cz4042.readme_summary " \
                              "docs/results/report-protocol/tables README.md"


def test_replacing_the_block_keeps_the_rest_of_the_readme():
    text = f"intro\n{readme_summary.START}\nold\n{readme_summary.END}\noutro\n"
    assert readme_summary.replace_block(text, "new") == f"intro\n{readme_summary.START}\nnew\n{readme_summary.END}\noutro\n"


def test_every_row_flagged_for_more_seeds_gets_them():
    """A committed row whose sd exceeds the band is listed in more_seeds.rows (else its
    flag could never clear)."""
    import pandas as pd
    import yaml

    table = pd.read_csv(TABLES / "reproduction.csv", keep_default_na=False)
    flagged = set(table.loc[table["flags"].str.contains("needs"), "variant"])
    for world in [c.removesuffix("_flags") for c in table.columns if c.endswith("_flags") and c != "flags"]:
        flagged |= set(table.loc[table[f"{world}_flags"].str.contains("needs"), "variant"])
    more = yaml.safe_load((ROOT / "config.yaml").read_text())["more_seeds"]
    assert flagged <= set(more["rows"]), flagged - set(more["rows"])
    # A hypothesis's variant whose own sd exceeds the band, on a row that gets no more seeds.
    effects = pd.read_csv(TABLES / "ablations.csv")
    band = yaml.safe_load((ROOT / "config.yaml").read_text())["reproduction"]["accuracy_band"]
    unstable = effects[(effects["with_hypothesis_sd"] > band) & ~effects["row"].isin(more["rows"])]
    assert set(unstable["variant"]) <= set(more.get("variants", [])), set(unstable["variant"]) - set(more["variants"])
