"""The one error of the schedule rules: something the organiser (or member) can fix."""

from __future__ import annotations


class ScheduleError(ValueError):
    """A schedule, repeat rule, offset or message the organiser (or member) can fix."""
