"""Discord adapters: what the services need from Discord, through discord.py (built by `bot.composition`)."""
