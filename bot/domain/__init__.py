"""Plain dataclasses and election rules: no discord, no SQL."""
