"""Announcement and reminder rules (plain: no discord, no SQL), one module per kind of rule."""
