"""Opening changes: a git branch with the peer file, and a pull/merge request on the forge."""
