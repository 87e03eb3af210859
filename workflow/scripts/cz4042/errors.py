"""The one exception type the pipeline raises for bad input.

Its message is a single line naming the file, config key or row at fault, so that a
user reading Snakemake's log sees what to fix without reading a traceback.
"""


class PipelineError(Exception):
    """Bad input, a failed download, or a result that cannot be trusted."""
