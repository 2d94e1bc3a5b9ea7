"""The members' read side, by what each file holds.

`snapshot` (the cached per-version snapshot), `names` (name resolution), `views` (view building),
`view_models` (the plain data views carry), `model` (the read model the services and cogs use),
`share` (Share buttons' reply keys and their rate limit).
"""
