"""When a hypothesis was registered for each row it touches (config `hypotheses`): the
verdicts count only runs started after it. No imports: hypotheses.py (which the
Snakefile loads), explain.py and outstanding.py share it."""


def registered_on(entry: dict, row: str) -> str:
    """When a hypothesis was registered for a row: `registered`, or the time given in
    `added` for a row joined to its touch list later (runs before it do not count)."""
    return entry.get("added", {}).get(row, entry["registered"])
