"""Plain SQL the services run: set-based aggregates and read views."""
