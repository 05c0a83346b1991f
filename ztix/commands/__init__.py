"""The subcommands of `ztix`, one module per group, imported only when run."""
