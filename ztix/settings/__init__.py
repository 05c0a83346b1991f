"""Settings from the environment (secrets only ever come from here), read by entry points."""
