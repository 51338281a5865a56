"""Persistence: Piccolo tables, engine set-up, migrations and queries."""
