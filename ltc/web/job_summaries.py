"""A background job told in words: its title by kind, how far it is, and once it ends what
it did (counts in sentences, not its stored JSON) or why it failed, with the link to go on.
Each job kind has a summary renderer that reads the kind's own result model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ltc.domain.money import format_yuan
from ltc.services.assignments import AssignResult, ReassignResult
from ltc.services.geocoding import GeocodeResult
from ltc.services.intake.values import RegistryImportResult
from ltc.services.jobs import JobView
from ltc.services.key_rotation import RotateKeysResult
from ltc.services.reoptimisation import ApplyResult, PreviewResult
from ltc.services.replan_values import ReplanResult
from ltc.services.settlements.values import BuildResult, PaymentResult
from ltc.services.supervision.what_if import WhatIfResult
from ltc.services.visits.values import GenerateVisitsResult, SweepResult
from ltc.web import refusal_words, vocabulary
from ltc.web.formatting import day, error_message, join_list, month, number, words
from ltc.web.i18n import gettext as _
from ltc.web.i18n import ngettext


@dataclass(frozen=True, slots=True)
class NextStep:
    href: str
    label: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a finished job did, in sentences of the page's language."""

    sentences: tuple[str, ...]
    next_step: NextStep | None = None


@dataclass(frozen=True, slots=True)
class JobPage:
    """Everything the job page shows, already in words."""

    title: str
    status: str
    status_words: str
    percent: int
    outcome: Outcome | None
    failure: str  # why a failed job failed, in words
    failure_code: str  # the stored reason, kept small for support


R = TypeVar("R", bound=BaseModel)
Renderer = Callable[[Any, JobView], Outcome]
_RENDERERS: dict[str, tuple[type[BaseModel], Renderer]] = {}


def summary_of(
    kind: str, result: type[R]
) -> Callable[[Callable[[R, JobView], Outcome]], Callable[[R, JobView], Outcome]]:
    """Register the renderer of a job kind's result (typed by the kind's result model)."""

    def register(render: Callable[[R, JobView], Outcome]) -> Callable[[R, JobView], Outcome]:
        _RENDERERS[kind] = (result, render)
        return render

    return register


def has_summary(kind: str) -> bool:
    return kind in _RENDERERS


def job_title(kind: str) -> str:
    title = vocabulary.JOB_TITLES.get(kind)
    return _(title) if title else _("Background job")


def outcome_of(job: JobView) -> Outcome | None:
    if job.status != "done":
        return None
    registered = _RENDERERS.get(job.kind)
    if registered is None or job.result is None:
        return Outcome((_("The job has finished."),))
    model, render = registered
    try:
        return render(model.model_validate(job.result), job)
    except ValidationError:  # a result stored by an older version of the job
        return Outcome((_("The job has finished."),))


def failure_of(job: JobView) -> str:
    """A refusal stores "code: detail"; anything else was an unexpected error."""
    if job.status != "failed":
        return ""
    code = job.error.split(":", 1)[0].strip()
    if code in refusal_words.ERROR_MESSAGES:
        return error_message(code)
    return _("The job stopped because of an unexpected error. Please try again; if it fails again, tell support.")


def describe(job: JobView) -> JobPage:
    return JobPage(
        title=job_title(job.kind),
        status=job.status,
        status_words=words(job.status),
        percent=round(job.progress * 100),
        outcome=outcome_of(job),
        failure=failure_of(job),
        failure_code=job.error.split(":", 1)[0].strip() if job.status == "failed" else "",
    )


def _count(text: str, n: int, **values: object) -> str:
    """``text`` is ngettext's choice for ``n``; %(num)s is ``n`` in the language's digits."""
    return text % {"num": number(n), **values}


def _km(value: float) -> str:
    return number(value, 1)


@summary_of("geocode_persons", GeocodeResult)
def _geocoded(result: GeocodeResult, job: JobView) -> Outcome:
    sentences = [
        _count(
            ngettext(
                "%(placed)s of %(num)s person without a position placed on the map.",
                "%(placed)s of %(num)s persons without a position placed on the map.",
                result.candidates,
            ),
            result.candidates,
            placed=number(result.geocoded),
        )
    ]
    if result.by_source.get("online"):
        sentences.append(
            _count(
                ngettext(
                    "%(num)s by the online geocoder.", "%(num)s by the online geocoder.", result.by_source["online"]
                ),
                result.by_source["online"],
            )
        )
    if result.unresolved_person_ids:
        n = len(result.unresolved_person_ids)
        sentences.append(
            _count(ngettext("%(num)s address could not be found.", "%(num)s addresses could not be found.", n), n)
        )
    if result.failed_person_ids:
        n = len(result.failed_person_ids)
        sentences.append(
            _count(
                ngettext(
                    "%(num)s look-up failed; run the job again later.",
                    "%(num)s look-ups failed; run the job again later.",
                    n,
                ),
                n,
            )
        )
    return Outcome(tuple(sentences), NextStep("/map", _("See the care network map")))


@summary_of("build_settlements", BuildResult)
def _built(result: BuildResult, job: JobView) -> Outcome:
    if not result.providers:
        sentences = [_("There was no care to settle in %(period)s.") % {"period": month(result.period)}]
    else:
        sentences = [
            _count(
                ngettext(
                    "%(num)s settlement built for %(period)s.",
                    "%(num)s settlements built for %(period)s.",
                    result.providers,
                ),
                result.providers,
                period=month(result.period),
            )
        ]
    if result.rebuilt:
        sentences.append(
            _count(
                ngettext(
                    "%(num)s of them replaced an earlier draft.",
                    "%(num)s of them replaced earlier drafts.",
                    result.rebuilt,
                ),
                result.rebuilt,
            )
        )
    return Outcome(tuple(sentences), NextStep(f"/settlements?period={result.period}", _("See the month's settlements")))


@summary_of("pay_settlements", PaymentResult)
def _paid(result: PaymentResult, job: JobView) -> Outcome:
    sentence = _count(
        ngettext("%(num)s settlement of %(period)s paid.", "%(num)s settlements of %(period)s paid.", result.paid),
        result.paid,
        period=month(result.period),
    )
    return Outcome((sentence,), NextStep(f"/settlements?period={result.period}", _("See the month's settlements")))


def _waiting(n: int) -> str:
    return _count(
        ngettext(
            "%(num)s person could not be placed and waits for a provider.",
            "%(num)s people could not be placed and wait for a provider.",
            n,
        ),
        n,
    )


@summary_of("reassign_provider_people", ReassignResult)
def _reassigned(result: ReassignResult, job: JobView) -> Outcome:
    if result.skipped:
        sentences = [_("Nobody was moved: the provider takes people again.")]
    else:
        sentences = [
            _count(
                ngettext(
                    "%(num)s person moved to another provider.",
                    "%(num)s people moved to other providers.",
                    result.moved,
                ),
                result.moved,
            )
        ]
        if result.unassigned:
            sentences.append(_waiting(result.unassigned))
    return Outcome(tuple(sentences), NextStep(f"/providers/{result.provider_id}", _("Back to the provider")))


@summary_of("assign_beneficiaries", AssignResult)
def _assigned(result: AssignResult, job: JobView) -> Outcome:
    sentences = [
        _count(
            ngettext(
                "%(placed)s of %(num)s waiting person placed with a provider.",
                "%(placed)s of %(num)s waiting people placed with a provider.",
                result.considered,
            ),
            result.considered,
            placed=number(result.placed),
        )
    ]
    if result.unassigned:
        sentences.append(_waiting(result.unassigned))
    return Outcome(tuple(sentences), NextStep("/assignment", _("See the assignment")))


@summary_of("rotate_data_keys", RotateKeysResult)
def _rotated(result: RotateKeysResult, job: JobView) -> Outcome:
    sentences = [
        _count(
            ngettext(
                "%(num)s person's data re-sealed under the active key.",
                "%(num)s persons' data re-sealed under the active key.",
                result.rotated,
            ),
            result.rotated,
        )
    ]
    if result.remaining:
        sentences.append(
            _count(
                ngettext(
                    "%(num)s person is still under an older key; run the job again.",
                    "%(num)s persons are still under an older key; run the job again.",
                    result.remaining,
                ),
                result.remaining,
            )
        )
    else:
        sentences.append(_("Every person's data is now sealed under the active key."))
    return Outcome(tuple(sentences), NextStep("/", _("Back to the home page")))


@summary_of("reoptimise_preview", PreviewResult)
def _previewed(result: PreviewResult, job: JobView) -> Outcome:
    change = result.total_km_after - result.total_km_before
    if not result.moves:
        sentences = [
            _("Nobody would move: the %(people)s people placed are already where the optimisation puts them.")
            % {"people": number(result.people)}
        ]
        return Outcome(tuple(sentences), NextStep("/assignment", _("See the assignment")))
    sentences = [
        _count(
            ngettext(
                "%(num)s person would move (of %(people)s placed); total distance %(change)s km, from %(before)s km to %(after)s km.",
                "%(num)s people would move (of %(people)s placed); total distance %(change)s km, from %(before)s km to %(after)s km.",
                result.moves,
            ),
            result.moves,
            people=number(result.people),
            change=("−" if change < 0 else "+") + _km(abs(change)),
            before=_km(result.total_km_before),
            after=_km(result.total_km_after),
        )
    ]
    if result.assigned_after != result.assigned_before:
        sentences.append(
            _("People placed with a provider: %(before)s now, %(after)s after the change.")
            % {"before": number(result.assigned_before), "after": number(result.assigned_after)}
        )
    sentences.append(_("Nothing changes until the preview is applied."))
    return Outcome(tuple(sentences), NextStep(f"/assignment?preview={job.id}", _("Review and apply the preview")))


@summary_of("reoptimise_apply", ApplyResult)
def _applied(result: ApplyResult, job: JobView) -> Outcome:
    sentence = _count(
        ngettext(
            "%(num)s person moved to the optimised provider.",
            "%(num)s people moved to their optimised providers.",
            result.moved,
        ),
        result.moved,
    )
    return Outcome((sentence,), NextStep("/assignment", _("See the assignment")))


@summary_of("generate_visits", GenerateVisitsResult)
@summary_of("generate_visits_part", GenerateVisitsResult)
def _generated(result: GenerateVisitsResult, job: JobView) -> Outcome:
    start, end = result.window
    sentences = [
        _count(
            ngettext(
                "%(num)s visit scheduled from %(plans)s care plans, %(start)s to %(end)s.",
                "%(num)s visits scheduled from %(plans)s care plans, %(start)s to %(end)s.",
                result.visits,
            ),
            result.visits,
            plans=number(result.plans),
            start=day(start),
            end=day(end),
        )
    ]
    if result.skipped_existing:
        sentences.append(
            _count(
                ngettext(
                    "%(num)s visit already existed and was kept.",
                    "%(num)s visits already existed and were kept.",
                    result.skipped_existing,
                ),
                result.skipped_existing,
            )
        )
    if result.unscheduled:
        reasons = join_list(f"{words(reason)} ({number(n)})" for reason, n in sorted(result.by_reason.items()))
        sentences.append(
            _count(
                ngettext(
                    "%(num)s visit could not be given to a caregiver: %(reasons)s.",
                    "%(num)s visits could not be given to a caregiver: %(reasons)s.",
                    result.unscheduled,
                ),
                result.unscheduled,
                reasons=reasons,
            )
        )
    return Outcome(tuple(sentences), NextStep("/visits", _("See the visits")))


@summary_of("sweep_visit_alerts", SweepResult)
def _swept(result: SweepResult, job: JobView) -> Outcome:
    sentence = _count(
        ngettext(
            "%(num)s visit checked: %(raised)s alerts raised, %(cleared)s cleared.",
            "%(num)s visits checked: %(raised)s alerts raised, %(cleared)s cleared.",
            result.visits,
        ),
        result.visits,
        raised=number(result.raised),
        cleared=number(result.cleared),
    )
    return Outcome((sentence,), NextStep("/visit-alerts", _("See the alerts")))


@summary_of("import_registry", RegistryImportResult)
def _registry_imported(result: RegistryImportResult, job: JobView) -> Outcome:
    sentences = [
        _count(ngettext("%(num)s row read.", "%(num)s rows read.", result.rows), result.rows),
        _("%(created)s persons registered, %(updated)s updated, %(unchanged)s unchanged.")
        % {"created": number(result.created), "updated": number(result.updated), "unchanged": number(result.unchanged)},
    ]
    if result.refused_rows:
        sentences.append(
            _count(
                ngettext(
                    "%(num)s row refused: see why, row by row.",
                    "%(num)s rows refused: see why, row by row.",
                    result.refused_rows,
                ),
                result.refused_rows,
            )
        )
    return Outcome(tuple(sentences), NextStep(f"/intake/import/{job.id}", _("The import's report")))


@summary_of("replan_absence", ReplanResult)
def _replanned(result: ReplanResult, job: JobView) -> Outcome:
    if result.cause == "deactivation":
        opening = _("The visits ahead of %(name)s, who was deactivated, were re-planned.")
    else:
        opening = _("The visits of %(name)s during the absence were re-planned.")
    sentences = [opening % {"name": result.caregiver_name}]
    if result.moved:
        given = join_list(
            _count(ngettext("%(num)s to %(name)s", "%(num)s to %(name)s", m.visits), m.visits, name=m.name)
            for m in result.moved_to
        )
        sentences.append(
            _count(
                ngettext("%(num)s visit moved: %(given)s.", "%(num)s visits moved: %(given)s.", result.moved),
                result.moved,
                given=given,
            )
        )
    elif not result.unscheduled:
        sentences.append(_("There was no planned visit to move."))
    if result.unscheduled:
        reasons = join_list(f"{words(reason)} ({number(n)})" for reason, n in sorted(result.by_reason.items()))
        sentences.append(
            _count(
                ngettext(
                    "%(num)s visit could not be given to a colleague and is listed as unscheduled: %(reasons)s.",
                    "%(num)s visits could not be given to a colleague and are listed as unscheduled: %(reasons)s.",
                    result.unscheduled,
                ),
                result.unscheduled,
                reasons=reasons,
            )
        )
    if result.kept_checked_in:
        sentences.append(
            _count(
                ngettext(
                    "%(num)s visit already begun stays with them.",
                    "%(num)s visits already begun stay with them.",
                    result.kept_checked_in,
                ),
                result.kept_checked_in,
            )
        )
    if result.sms_sent or result.sms_failed:
        sentences.append(
            _("Text messages: %(sent)s sent, %(failed)s could not be sent.")
            % {"sent": number(result.sms_sent), "failed": number(result.sms_failed)}
        )
    if result.unscheduled:
        return Outcome(tuple(sentences), NextStep("/unscheduled", _("See the unscheduled visits")))
    return Outcome(
        tuple(sentences), NextStep(f"/caregivers/{result.caregiver_id}/absences", _("See the caregiver's absences"))
    )


@summary_of("what_if", WhatIfResult)
def _what_if(result: WhatIfResult, job: JobView) -> Outcome:
    sentences = [
        _count(
            ngettext(
                "%(num)s settled month re-priced under the draft.",
                "%(num)s settled months re-priced under the draft.",
                len(result.months),
            ),
            len(result.months),
        )
    ]
    if result.months:
        sentences.append(
            _("The fund would have paid %(draft)s yuan instead of %(in_force)s yuan.")
            % {"draft": format_yuan(result.draft_total_fen), "in_force": format_yuan(result.in_force_total_fen)}
        )
    return Outcome(
        tuple(sentences), NextStep(f"/fund/what-if/{result.draft_id}", _("See the draft beside the policy in force"))
    )
