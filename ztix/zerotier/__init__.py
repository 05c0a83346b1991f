"""ZeroTier provisioning: desired members and network from the files, two API providers."""
