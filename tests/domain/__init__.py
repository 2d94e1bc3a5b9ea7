"""Tests for the pure election rules in bot.domain."""
