"""Use cases: load rows, call the pure domain, persist, inside one transaction."""
