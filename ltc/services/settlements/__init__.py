"""Monthly settlements against the fund, one module a job:

* ``build`` — the month's drafts, as a job: ``gathering`` the month from the database
  (verified visits, the census, open corrections, the annual evaluation), ``pricing`` it
  with ``ltc.domain.settlement``, ``storing`` the drafts;
* ``workflow`` — reading settlements, submit / approve / reject / pay, the payment run;
* ``corrections`` — corrections to approved months;
* ``values`` — the typed values the API, the pages and the jobs exchange.

The fund's ledger is ``ltc.services.ledger``. Importing this package registers the build and
payment job kinds.
"""

from ltc.services.settlements import build, workflow  # noqa: F401  (they register their job kinds)
