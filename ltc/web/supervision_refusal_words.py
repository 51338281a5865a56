"""What a refusal of fund supervision says to a person, by its stable code (see
ltc.web.refusal_words, which takes these in)."""

from ltc.web.i18n import N_

SUPERVISION_ERROR_MESSAGES: dict[str, str] = {
    # Inspection cases, review samples, tip-offs, credit, the fund's planning.
    "period_span_reversed": N_("The last month must not come before the first."),
    "inspection_not_found": N_("This inspection case does not exist."),
    # The fund's planning.
    "advance_already_paid": N_("This provider was already paid its advance this month."),
    "advance_still_open": N_(
        "What was paid ahead to this provider already reaches the policy's months; nothing more is due."
    ),
    "advance_already_netted": N_(
        "The advance this settlement nets was netted by another settlement; return it and build it again."
    ),
    "no_settled_months": N_("The provider has no approved month yet to reckon an advance from."),
    "invalid_history": N_("There is no month of figures to go by."),
    "invalid_days": N_("A number of days of at least one is needed."),
    "invalid_draft": N_("The draft policy has a figure out of range."),
    "draft_changes_nothing": N_("Change at least one figure of the policy in force."),
    "what_if_not_found": N_("This what-if draft does not exist."),
    "invalid_span": N_("Give a month (YYYY-MM) or a quarter (YYYY-Qn)."),
    "review_sample_not_found": N_("This sampled line does not exist."),
    "review_pending": N_("Lines of this settlement drawn for review are not decided yet: approval waits for them."),
    "review_closed": N_("The settlement is approved: its review can no longer change it."),
    "amount_required": N_("Enter the amount."),
    "amount_above_line": N_("The adjusted amount cannot be more than the line paid."),
    "note_required": N_("Please say why the line is adjusted or refused."),
    "tip_off_not_found": N_("This tip-off does not exist."),
    "too_many_tip_offs": N_("Too many tip-offs from this connection; please try again later."),
    "tip_off_triaged": N_("This tip-off has already been dealt with."),
    "case_scope_required": N_("Choose the provider and the months the case covers."),
    "inspection_required": N_("Choose the case to join."),
    "tip_off_without_case": N_("A reward is recorded only for a tip-off that became or joined a case."),
    "invalid_status": N_("Please choose one of the states offered."),
    "invalid_category": N_("This finding category is not in the policy's credit table."),
    "inspection_closed": N_("This inspection case is closed: nothing more can be recorded on it."),
    "finding_not_found": N_("This finding does not exist."),
    "file_required": N_("Choose a file to upload."),
    "file_too_large": N_("The file is too large."),
    "file_type_refused": N_("Only a photo (JPEG or PNG) or a PDF can be kept with a case."),
    "file_not_found": N_("This file does not exist."),
    "outcome_not_found": N_("This outcome does not exist."),
    "invalid_outcome": N_("This is not an outcome of the sanctions ladder."),
    "rectification_pending": N_("A rectification awaits its follow-up check first."),
    "already_taken": N_("This outcome was already taken on this case."),
    "rung_passed": N_("A follow-up failed: only the next step of the ladder or a higher one may be taken."),
    "deadline_required": N_("A rectification needs a deadline."),
    "deadline_not_future": N_("The deadline must be after today."),
    "recovery_exceeds_findings": N_("The recoveries would exceed what the findings found wrongly paid."),
    "referral_required": N_("Say where the case is referred."),
    "bar_years_invalid": N_("A bar lasts 1 to 5 years."),
    "no_follow_up_due": N_("Nothing awaits a follow-up check here."),
    "summary_required": N_("A closing needs a summary."),
    "netting_already_applied": N_(
        "A recovery on this settlement was already netted by another settlement; reject and rebuild it."
    ),
    "provider_barred": N_("This provider is on the blacklist and cannot be designated until its bar ends."),
    "hold_not_found": N_("This hold does not exist."),
    "hold_already_lifted": N_("This hold was already lifted."),
    "caregiver_barred": N_("This caregiver is on the blacklist and cannot work until the bar ends."),
    # The annual evaluation by indicators and the year's final account of the quality reserve.
    "evaluation_by_indicators": N_(
        "This year is evaluated indicator by indicator: use the provider's annual evaluation page."
    ),
    "evaluation_by_single_score": N_("This year is evaluated by a single score, not indicator by indicator."),
    "evaluation_closed": N_("The year's final account is booked: its evaluation no longer changes."),
    "unknown_indicator": N_("This is not an indicator that is scored by hand."),
    "invalid_year": N_("Choose a year from 2000 to this year."),
    "year_not_ended": N_("The year has not ended yet: its final account waits until it has."),
    "invalid_answer": N_("Please choose one of the answers."),
    "invalid_counts": N_("A count is out of range: it cannot be negative, nor more visits flagged than visits."),
    "invalid_split": N_("The released and forfeited shares must add up to the reserve."),
    # Bed-day checks and the settled month's census.
    "census_period_settled": N_("This month's settlement is approved: its census can no longer change."),
    "bed_day_flag_not_found": N_("This flagged bed-day does not exist."),
    "unknown_resolution": N_("Accept or refuse the day."),
    "held_day_billed": N_("A day held back by a bed-day check cannot be billed."),
    # Spot re-assessments.
    "no_independent_team": N_("There are not enough other assessors to form a second team."),
    "spot_check_not_found": N_("This spot re-assessment does not exist."),
    "spot_check_done": N_("This spot re-assessment already has its result."),
}
