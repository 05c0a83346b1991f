"""Defaults shared by several settings and adapters; each knob's default lives here or in its
one settings class, never in two places."""

# Seconds an HTTP call (ZeroTier, PeeringDB, a forge) may take before it counts as failed and
# is retried (ZTIX_HTTP_TIMEOUT for the CLI).
HTTP_TIMEOUT = 10.0
