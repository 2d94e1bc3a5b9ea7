"""SQLite access: one connection owner (`Database`) and repositories that return domain objects."""
