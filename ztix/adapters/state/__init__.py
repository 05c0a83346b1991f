"""State stores: SQLite on one host, PostgreSQL for replicas (ztix.ports.state)."""
