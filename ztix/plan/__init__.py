"""Plan: the diff of two revisions, the ZeroTier desired state, drift (live), the reports."""
