"""The jobs a whole is fanned out into, and the re-verification of many persons' visits, in
words (the parts of the city's visit generation read as the whole's: ``job_summaries``)."""

from __future__ import annotations

from ltc.services.jobs import JobView
from ltc.services.settlements.values import BuildPartResult
from ltc.services.visits.values import ReverifyResult
from ltc.web.formatting import month, number
from ltc.web.i18n import gettext as _
from ltc.web.i18n import ngettext
from ltc.web.job_summaries import NextStep, Outcome, summary_of


@summary_of("build_settlements_part", BuildPartResult)
def _built_part(result: BuildPartResult, job: JobView) -> Outcome:
    drafts = len(result.drafts)
    if not drafts:
        sentence = _("There was no care to settle in %(period)s.") % {"period": month(result.period)}
    else:
        sentence = ngettext(
            "%(num)s settlement built for %(period)s.", "%(num)s settlements built for %(period)s.", drafts
        ) % {"num": number(drafts), "period": month(result.period)}
    return Outcome((sentence,), NextStep(f"/settlements?period={result.period}", _("See the month's settlements")))


@summary_of("reverify_persons", ReverifyResult)
@summary_of("reverify_persons_part", ReverifyResult)
def _reverified(result: ReverifyResult, job: JobView) -> Outcome:
    sentence = ngettext(
        "%(num)s visit of %(persons)s persons verified again.",
        "%(num)s visits of %(persons)s persons verified again.",
        result.visits_verified_again,
    ) % {"num": number(result.visits_verified_again), "persons": number(result.persons)}
    return Outcome((sentence,))
