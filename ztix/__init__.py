"""ZT-IX: an internet exchange on ZeroTier, run from a git repository."""

__version__ = "0.3.0"
