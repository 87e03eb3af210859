"""Reproduction of the NTU CE/CZ4042 2019 Assignment 2 experiments.

Every piece of logic the Snakemake rules need lives here as small functions; the rule
scripts in ``workflow/scripts/*.py`` only pass ``snakemake.input/params/output`` in.
"""
