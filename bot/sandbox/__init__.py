"""`hustings sandbox`: the real bot against the local simulator, driven from a terminal prompt."""
