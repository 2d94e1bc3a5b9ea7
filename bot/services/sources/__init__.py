"""Sources: keep a guild's data in step with a published sheet or feed (see `pipeline`)."""
