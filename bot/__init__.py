"""Hustings: a Discord bot for committee elections."""

__version__ = "0.1.0"
