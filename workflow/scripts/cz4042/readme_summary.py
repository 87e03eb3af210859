"""The README's reproduction summary, generated from the committed tables so that it
cannot drift from them (tests/test_readme_summary.py checks it).

    python -m cz4042.readme_summary docs/results/report-protocol/tables README.md [config.yaml]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

from .claims import claim_counts, counted_claims
from .verdict_markdown import summary_lines

START, END = "<!-- summary:start -->", "<!-- summary:end -->"


def summary(tables: Path, shown: str | None = None, min_seeds: int = 3) -> str:
    """The block between the markers: verdict counts per world and claim counts
    (`shown`: how the tables' folder is named in it, by default as given)."""
    reproduction = pd.read_csv(tables / "reproduction.csv", keep_default_na=False)
    reproduction["counted"] = reproduction["counted"].astype(str).eq("True")
    worlds = [c.removesuffix("_verdict") for c in reproduction.columns if c.endswith("_verdict")]
    claims = pd.read_csv(tables / "claims.csv")
    counts = claim_counts(claims)
    runs = reproduction.loc[(reproduction["metric"] == "test_accuracy") & reproduction["counted"], "seeds"]
    return "\n".join([
        f"From `{shown or tables.as_posix()}` ({len(reproduction[reproduction['counted']])} report numbers, each counted "
        f"once; {int((runs > 0).sum())} accuracy rows with runs of the report's protocol):",
        "",
        *summary_lines(reproduction, worlds, min_seeds),
        f"- **the report's claims** ({counted_claims(claims)} counted of {len(claims)}): {counts}.",
    ])


def replace_block(text: str, block: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"no {START} ... {END} block to replace")
    return pattern.sub(lambda _: f"{START}\n{block}\n{END}", text)


def current_block(text: str) -> str:
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    return found.group(1) if found else ""


def min_seeds_of(config_path: Path) -> int:
    import yaml

    return int(yaml.safe_load(config_path.read_text(encoding="utf-8"))["reproduction"]["min_seeds"])


def main(tables: str, readme: str, config: str = "config.yaml") -> None:
    path = Path(readme)
    block = summary(Path(tables), min_seeds=min_seeds_of(Path(config)))
    path.write_text(replace_block(path.read_text(encoding="utf-8"), block), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:4])
