"""Data files shipped with Hustings (the demo pack); read through `bot.resources`."""
