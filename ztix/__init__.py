"""ZT-IX: an internet exchange on ZeroTier, run from a git repository."""
