"""What a refusal about towns, the rollout, remote benefits, relief and families' own view
says to a person, by its stable code (see ltc.web.refusal_words, which takes these in)."""

from ltc.web.i18n import N_

TOWN_ERROR_MESSAGES: dict[str, str] = {
    "scheme_not_open_in_town": N_("The scheme is not open yet in this person's town."),
    "town_agent_needs_town": N_("A town agent's account needs the town they work for."),
    "town_not_allowed": N_("Only a town agent's account names a town."),
    "invalid_siting_radius": N_(
        "Enter a radius above 0 and up to 100 km; a provider's larger radius must exceed its present one."
    ),
    "invalid_siting_capacity": N_("Enter whole places from 1 to 5000."),
    "invalid_siting_count": N_("Choose one or two sites."),
    "duplicate_site": N_("A candidate site appears twice."),
    "siting_not_found": N_("This siting analysis does not exist."),
    "siting_not_ready": N_("The siting analysis has not finished yet."),
    "benefit_not_offered_in_town": N_("The person's town does not offer care in this mode."),
    "slots_off_town_pattern": N_("The person's town has visits only on its own weekdays and so many a week."),
}
TOWN_ERROR_MESSAGES |= {
    "too_many_filings": N_("Too many applications from this connection; please try again later."),
    "too_many_follow_attempts": N_("Too many tries from this connection; please try again later."),
    "no_provider_to_rate": N_("No care provider looks after this person yet, so there is nothing to rate."),
    "satisfaction_already_answered": N_("You have already answered this month. Thank you."),
    # Town agents and remote benefits
    "town_not_found": N_("There is no such town."),
    "town_outside_scope": N_("A town agent registers and files only for the people of their own town."),
    "unknown_benefit": N_("This is not a benefit the bureau grants where no provider reaches."),
    "not_a_beneficiary": N_("Only a beneficiary (a final, severe conclusion) gets a remote benefit."),
    "person_not_uncovered": N_(
        "A designated provider reaches this person: they get care at home or in an institution."
    ),
    "benefit_not_offered": N_("The policy does not offer this benefit in the person's town."),
    "provider_required": N_("Name the provider: the one who visits, or the one supervising the family caregiver."),
    "remote_benefit_open": N_("The person already has an open remote benefit."),
    "remote_benefit_not_found": N_("There is no such remote benefit."),
    "remote_benefit_ended": N_("This benefit has already ended."),
    "end_before_start": N_("A benefit cannot end before it began."),
    "check_outside_period": N_("The day of the check is not in its month."),
    "check_in_future": N_("A check cannot be recorded for a day still to come."),
    "benefit_not_running": N_("The benefit did not run on that day."),
    "check_not_needed": N_("Only a family-care allowance is checked monthly."),
    "check_recorded": N_("This month's check is already on record."),
    "relief_already_reimbursed": N_("The relief fund's reimbursement of this month is already recorded."),
    "relief_nothing_due": N_("Nothing is left to settle with the relief fund for this month."),
    "relief_amount_changed": N_(
        "The amount to settle with the relief fund has changed since the page was shown: check it and confirm again."
    ),
}
# Why a row of the civil-affairs list of hardship groups was refused, in words.
RELIEF_ROW_REFUSALS: dict[str, str] = {
    "relief_person_unknown": N_("No registered person has this id number"),
    "relief_name_mismatch": N_("The name differs from the registered person's"),
    "relief_group_unknown": N_("Not a hardship group the policy names"),
    "relief_from_missing": N_("No start date"),
    "relief_from_invalid": N_("The start date cannot be read"),
    "relief_to_invalid": N_("The end date cannot be read"),
    "relief_to_before_from": N_("The end date is before the start date"),
}
TOWN_ERROR_MESSAGES |= {
    "public_filing_needs_desk": N_(
        "This application cannot be filed here. Please file it at the town's service desk,"
        " or wait for the bureau to contact you."
    ),
}
