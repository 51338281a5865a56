"""What a refusal about towns, the rollout, remote benefits, relief and families' own view
says to a person, by its stable code (see ltc.web.refusal_words, which takes these in)."""

from ltc.web.i18n import N_

TOWN_ERROR_MESSAGES: dict[str, str] = {
    "scheme_not_open_in_town": N_("The scheme is not open yet in this person's town."),
    "town_agent_needs_town": N_("A town agent's account needs the town they work for."),
    "town_not_allowed": N_("Only a town agent's account names a town."),
    "relief_already_reimbursed": N_("The relief fund's reimbursement of this month is already recorded."),
    "relief_nothing_due": N_("No relief is due for this month: no approved settlement carries any."),
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
