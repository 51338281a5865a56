"""Words that reach pages as data (codes, statuses, error titles), marked here with N_ so
Babel extracts them; templates translate them with _(value). A test checks that every
error title and HTTP title in the code has a Chinese translation."""


def N_(message: str) -> str:
    return message


TERRAINS = [N_("urban"), N_("plain"), N_("hill"), N_("coastal"), N_("mountain")]
QUALIFICATIONS = [N_("elderly_carer"), N_("medical_carer"), N_("nurse")]
JOB_STATUSES = [N_("queued"), N_("running"), N_("done"), N_("failed")]
ERROR_TITLES = [
    N_("The request cannot be carried out"),
    N_("The input is not valid"),
    N_("Not found"),
    N_("Not allowed"),
    N_("Sign-in required"),
    N_("Conflict with the current state"),
    N_("The request is malformed"),
    N_("Method not allowed"),
    N_("The request is too large"),
    N_("Unsupported media type"),
    N_("Too many requests"),
    N_("Something went wrong on our side"),
    N_("The service is unavailable"),
]
WORKFLOW_STATUSES = [
    N_("submitted"),
    N_("accepted"),
    N_("assessed"),
    N_("publicised"),
    N_("objected"),
    N_("reassessing"),
    N_("final"),
    N_("superseded"),
    N_("active"),
    N_("expired"),
    N_("unassigned"),
    N_("ended"),
]
AGREEMENT = [
    N_("applied"),
    N_("designated"),
    N_("suspended"),
    N_("terminated"),
    N_("designate"),
    N_("activate"),
    N_("suspend"),
    N_("reinstate"),
    N_("terminate"),
]
CARE_MODES = [N_("home"), N_("institutional"), N_("both")]
ROLES = [N_("assessor"), N_("expert")]
ASSIGNMENT_REASONS = [
    N_("chosen_provider"),
    N_("nearest_with_room"),
    N_("optimised"),
    N_("no_provider_in_range"),
    N_("providers_full"),
    N_("no_active_provider_of_mode"),
    N_("person_without_position"),
]
SETTLEMENT_STATUSES = [N_("draft"), N_("approved"), N_("rejected"), N_("paid")]
SETTLEMENT_LINE_KINDS = [N_("adjustment"), N_("deduction")]
SETTLEMENT_UNITS = [N_("minute"), N_("day"), N_("score")]
