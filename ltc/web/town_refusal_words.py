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
}
