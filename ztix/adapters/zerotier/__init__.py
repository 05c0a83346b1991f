"""ZeroTier providers: the self-hosted controller and ZeroTier Central."""
