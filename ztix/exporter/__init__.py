"""`ztix exporter`: the exchange as Prometheus metrics, read on an interval (an entry point)."""
