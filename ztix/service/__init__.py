"""What the long-running services (portal, webhook receiver, exporter) share: HTTP metrics,
health, and logs one JSON object per line."""
