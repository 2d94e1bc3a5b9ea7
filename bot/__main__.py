"""`python -m bot` is an alias of the `hustings` command."""

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
