"""What a refusal about towns, the rollout, remote benefits, relief and families' own view
says to a person, by its stable code (see ltc.web.refusal_words, which takes these in)."""

from ltc.web.i18n import N_

TOWN_ERROR_MESSAGES: dict[str, str] = {
    "scheme_not_open_in_town": N_("The scheme is not open yet in this person's town."),
    "town_agent_needs_town": N_("A town agent's account needs the town they work for."),
    "town_not_allowed": N_("Only a town agent's account names a town."),
}
TOWN_ERROR_MESSAGES |= {
    "too_many_filings": N_("Too many applications from this connection; please try again later."),
    "too_many_follow_attempts": N_("Too many tries from this connection; please try again later."),
    "no_provider_to_rate": N_("No care provider looks after this person yet, so there is nothing to rate."),
    "satisfaction_already_answered": N_("You have already answered this month. Thank you."),
}
