"""Benchmarks for Hustings, run through the local Discord simulator with the real discord.py client.

`python -m bench --help` lists the tables; BENCHMARKS.md holds the latest figures and how to
reproduce each one. Nothing here is imported by the bot itself.
"""
