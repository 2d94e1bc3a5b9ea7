"""The members' read side, by what each file holds.

`snapshot` (the cached per-version snapshot), `names` (name resolution), `views` (view building),
`model` (the read model the services and cogs use).
"""
