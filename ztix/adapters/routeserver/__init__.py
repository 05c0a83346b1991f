"""Route servers over SSH: the deploy key (safe reload) and the read-only key (`birdc -r`)."""
