"""Hustings' numbered SQL migrations, installed as the `bot.migrations` package (see pyproject.toml).

Only the `NNNN_description.sql` files matter; this file makes the folder a package so that
`importlib.resources` finds it in a wheel, a zip or an editable checkout alike.
"""
