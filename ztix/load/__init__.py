"""Load: YAML with positions, the repository tree and git revisions, the loader, the checks."""
