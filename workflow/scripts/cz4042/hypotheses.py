"""Registered hypotheses and the variants derived from them.

A hypothesis (config `hypotheses.<name>`) says what the 2019 code likely did: a
`switch` (variant keys it changes) or a `reading` (another column of the same runs),
and the report rows it touches. It is declared once: its ablation variant for each
touched row is derived here, named `<row>_<name>`, the row's own entry plus the switch.
A world (config `worlds.<name>`) applies several hypotheses together; its variant for a
row applies every one of them that touches the row, named `<row>_<name1>_<name2>...`
in the world's order, so that a world variant equal to an ablation reuses its runs. A
world's reading hypothesis trains nothing: the rows it touches read their accuracy from
its column of the runs made after its registration.

No torch and no Snakemake here: the Snakefile and the verdict scripts both use it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from .errors import PipelineError
from .registration import registered_on


@dataclass(frozen=True)
class Ablation:
    name: str  # the derived variant
    part: str  # partA or partB
    row: str  # the report row (a variant of that part) it is judged against
    hypotheses: tuple[str, ...]


def switched_rows(config: dict, name: str) -> list[str]:
    """The rows a hypothesis trains a variant for: those it touches that this config
    has (a shortened grid may lack some cells), if it switches."""
    from .config import row_entries

    entry, present = config["hypotheses"][name], row_entries(config)
    if "switch" not in entry:
        return []
    kept = entry["stopped"]["runs"] if "stopped" in entry else entry["touches"]  # a stopped plan: its runs only
    return [row for row in entry["touches"] if row in present and row in kept]


def stopped_seeds(config: dict, ablation: Ablation) -> list[int] | None:
    """The seeds a single hypothesis's variant keeps once its registered plan stopped it
    (config `hypotheses.<name>.stopped.runs`), else None (the row's seeds)."""
    if len(ablation.hypotheses) != 1:
        return None
    stopped = config["hypotheses"][ablation.hypotheses[0]].get("stopped")
    return list(stopped["runs"][ablation.row]) if stopped else None


def part_of(config: dict, row: str) -> str:
    return "partB" if row in config["partB"]["variants"] else "partA"


def ablations(config: dict) -> dict[str, Ablation]:
    """Every derived ablation variant, by name."""
    derived = {}
    for name in config["hypotheses"]:
        for row in switched_rows(config, name):
            variant = f"{row}_{name}"
            derived[variant] = Ablation(variant, part_of(config, row), row, (name,))
    return derived


def world_variants(config: dict, world: str) -> dict[str, Ablation | None]:
    """Each report row's variant in `world`: the row's own (None) when none of the
    world's switches touch it, else the variant applying all that do."""
    names = config["worlds"][world]["hypotheses"]
    rows = {}
    for name in names:
        for row in switched_rows(config, name):
            rows.setdefault(row, []).append(name)
    return {row: Ablation(f"{row}_{'_'.join(found)}", part_of(config, row), row, tuple(found))
            for row, found in rows.items()}


def world_readings(config: dict, world: str) -> dict[str, tuple[str, str]]:
    """{row: (column, hypothesis)} for each reading of `world`: the rows it touches read
    their accuracy from that column of the same runs (no variant is trained for it)."""
    found = {}
    for name in config["worlds"][world]["hypotheses"]:
        entry = config["hypotheses"][name]
        if "reading" in entry:
            found.update({row: (entry["reading"], name) for row in entry["touches"]})
    return found


def world_rows(config: dict, world: str) -> dict[str, list]:
    """{row: [variant, its entry's switches, registered, reading, composed]} for every row
    `world` changes: its variant (the row's own where only a reading touches it), the
    time after which its runs count (the latest registration of what it applies), and
    when the world itself was composed (runs before it are what it was chosen after).
    A plain list, as a rule's params; reproduction_tables.WorldRow names its fields."""
    variants, readings = world_variants(config, world), world_readings(config, world)
    rows = {}
    for row in dict.fromkeys([*variants, *readings]):
        ablation, (column, name) = variants.get(row), readings.get(row, (None, None))
        times = [registered(config, world, ablation)] if ablation else []
        times += [registered_on(config["hypotheses"][name], row)] if name else []
        switch = derived_entry(config, ablation, {}) if ablation else {}
        composed = composed_for(config["worlds"][world], [*(ablation.hypotheses if ablation else ()), name])
        rows[row] = [ablation.name if ablation else row, switch, max(times), column, composed]
    return rows


def composed_for(world: dict, names: list[str | None]) -> str:
    """When a world took its present form for a row: its `registered` time, or later
    where a hypothesis applied to the row joined it later (`joined`)."""
    joined = world.get("joined", {})
    return max([world["registered"], *(joined[n] for n in names if n in joined)])


def derived_variants(config: dict) -> dict[str, Ablation]:
    """Every variant derived from hypotheses and worlds, by name (one entry per name)."""
    derived = dict(ablations(config))
    for world in config["worlds"]:
        derived.update({v.name: v for v in world_variants(config, world).values()})
    return derived


def registered(config: dict, world: str, ablation: Ablation) -> str:
    """When a world's variant of a row was fixed: its hypothesis's registration for a
    single one (its runs are that ablation's), for a combination the latest of the
    world's time, a member's `joined` time and a member's time for this row (`added`)."""
    members = [registered_on(config["hypotheses"][h], ablation.row) for h in ablation.hypotheses]
    if len(ablation.hypotheses) == 1:
        return members[0]
    return max(composed_for(config["worlds"][world], list(ablation.hypotheses)), *members)


def derived_entry(config: dict, ablation: Ablation, row_entry: dict) -> dict:
    """The variant entry of a derived ablation: the row's entry plus each switch."""
    entry = copy.deepcopy(row_entry)
    for name in ablation.hypotheses:
        entry.update(copy.deepcopy(config["hypotheses"][name]["switch"]))
    return entry


def check(config: dict, row_entries: dict[str, dict], report_rows: set[str]) -> None:
    """Each hypothesis touches rows of the report (workflow/reference/report_2019.csv),
    changes every row it switches, and has either a switch or a reading; a world names
    registered hypotheses; no derived name is also a configured variant."""
    fixed_later = {"grid_best", *config["partA"]["on_best"]}
    for name, entry in config["hypotheses"].items():
        key = f"hypotheses.{name}"
        if ("switch" in entry) == ("reading" in entry):
            raise PipelineError(f"config key {key}: give exactly one of switch (variant keys) or reading (a column)")
        for index, row in enumerate(entry["touches"]):
            if row not in report_rows:
                raise PipelineError(f"config key {key}.touches.{index}: {row!r} is not a row of the report "
                                    f"(workflow/reference/report_2019.csv)")
            if "switch" in entry and row in fixed_later:
                raise PipelineError(f"config key {key}.touches.{index}: row {row!r} has no fixed variant to switch "
                                    "(an on-best variant's cell is chosen at run time)")
            if "switch" in entry and row in row_entries and all(row_entries[row].get(k) == v for k, v in entry["switch"].items()):
                raise PipelineError(f"config key {key}.switch: changes nothing on row {row!r}")
        for row in entry.get("stopped", {}).get("runs", {}):
            if row not in entry["touches"]:
                raise PipelineError(f"config key {key}.stopped.runs.{row}: {row!r} is not in {key}.touches")
        for row, when in entry.get("added", {}).items():
            if row not in entry["touches"]:
                raise PipelineError(f"config key {key}.added.{row}: {row!r} is not in {key}.touches")
            if when < entry["registered"]:
                raise PipelineError(f"config key {key}.added.{row}: {when} is before {key}.registered")
    for world, entry in config["worlds"].items():
        for index, name in enumerate(entry["hypotheses"]):
            if name not in config["hypotheses"]:
                raise PipelineError(f"config key worlds.{world}.hypotheses.{index}: no hypothesis {name!r}")
        for name, when in entry.get("joined", {}).items():
            if name not in entry["hypotheses"]:
                raise PipelineError(f"config key worlds.{world}.joined.{name}: {name!r} is not in "
                                    f"worlds.{world}.hypotheses")
            if when < entry["registered"]:
                raise PipelineError(f"config key worlds.{world}.joined.{name}: {when} is before "
                                    f"worlds.{world}.registered")
        for index, name in enumerate(entry["hypotheses"]):
            if "stopped" in config["hypotheses"].get(name, {}):
                raise PipelineError(f"config key worlds.{world}.hypotheses.{index}: {name!r} was stopped by its plan "
                                    f"(hypotheses.{name}.stopped)")
    for variant in derived_variants(config):
        if variant in row_entries:
            raise PipelineError(f"a derived variant {variant!r} (<row>_<hypothesis>) is also a configured variant")
