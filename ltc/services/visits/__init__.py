"""Visits, one module a job: ``reads`` (a visit, a day's visits, unscheduled slots, alerts),
``generation`` (the rolling window's visits from the care plans, a job), ``adhoc`` (a visit
the agency adds), ``events`` (check-in and check-out, one or a batch), ``verification`` (the
rules' flags kept as exceptions, visits verified again), ``alerts`` (the sweep, a job),
``exceptions`` (explained and resolved), ``records`` (hospital stays and deaths) and
``values`` (the typed values they take and give)."""

from ltc.services.visits import alerts, generation  # noqa: F401  (they register their job kinds)
