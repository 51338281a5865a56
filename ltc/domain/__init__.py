"""The pure core: rules and calculations with no I/O, no clock and no framework.

Time, policy and data come in as arguments; results and errors go out as values."""
