"""Render (pure): models -> BIRD configs, the SLURM sentinel, the IX-F export, a new repository."""
