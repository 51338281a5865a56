"""Generated data for demonstrations, benchmarks and property tests: the demo district
(providers, caregivers and residents drawn over the real towns) and the synthetic city
(a city-sized assignment problem). Not rules: nothing in production reads them.

Pure like ``ltc.domain``: seeded, no I/O, no clock; the caller passes the towns and the day."""
