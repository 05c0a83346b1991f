"""The Protocols adapters implement, each module with the data its Protocol speaks."""
