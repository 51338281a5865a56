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
