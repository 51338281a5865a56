"""Visits, one module a job:

- ``reads``: a visit, a day's visits, the slots no caregiver could take, the open alerts;
- ``generation``: the rolling window's visits from the care plans (a job), and ``storage``,
  how it writes them;
- ``adhoc``: a visit the agency adds by hand;
- ``events``: check-in and check-out, one at a time or in a batch;
- ``verification``: the rules' flags kept as exceptions, visits verified again;
- ``alerts``: the sweep for late, missed and unfinished visits (a job);
- ``exceptions``: explained by the agency, resolved by the bureau;
- ``records``: hospital stays and deaths; ``reverification``: many persons' visits verified
  again (a job in parts);
- ``values``: the typed values they take and give.
"""

from ltc.services.visits import alerts, generation, reverification  # noqa: F401  (they register their job kinds)
