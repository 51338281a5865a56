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
    N_("Too many failed sign-in attempts"),
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
VISIT_STATUSES = [N_("planned"), N_("in_progress"), N_("done"), N_("cancelled")]
VISIT_FLAGS = [
    N_("outside_geofence"),
    N_("too_short"),
    N_("caregiver_overlap"),
    N_("impossible_travel"),
    N_("person_inpatient"),
    N_("person_deceased"),
    N_("item_not_in_plan"),
    N_("clinical_item_without_nurse"),
]
VISIT_ALERTS = [N_("late"), N_("missed"), N_("missing_checkout")]
EXCEPTION_STATUSES = [N_("open"), N_("explained"), N_("resolved"), N_("withdrawn")]
EXPLANATION_REASONS = [
    N_("weak_gps_signal"),
    N_("device_clock_wrong"),
    N_("person_asked_to_shorten"),
    N_("person_not_at_home"),
    N_("caregiver_substituted"),
    N_("discharged_same_day"),
    N_("record_error"),
    N_("other"),
]
# "accepted" already means an accepted application; a resolution gets words of its own.
RESOLUTIONS = {"accepted": N_("Explanation accepted"), "rejected": N_("Explanation rejected")}
# The settlement's workflow steps as the printed statement names them.
WORKFLOW_STEP_NAMES = {
    "submit": N_("Submitted"),
    "reject": N_("Rejected"),
    "approve": N_("Approved"),
    "pay": N_("Paid"),
}
# The fund's early warning (GET /api/v1/fund "warning").
FUND_WARNINGS = {
    "yellow": N_("Early warning: the fund pays fewer months than the policy's threshold"),
    "red": N_("Alarm: the fund is below the policy's minimum"),
}

# What a refusal says to a person, by its stable code (the API keeps the code itself).
ERROR_MESSAGES: dict[str, str] = {
    "invalid_cursor": N_("This page of the list no longer exists; start again from the first page."),
    "validation_failed": N_("Some of the values are not valid."),
    "version_conflict": N_("Someone else changed this record meanwhile; reload it and try again."),
    "invalid_transition": N_("This step is not possible in the record's current state."),
    "role_not_allowed": N_("Your role may not do this."),
}

# What a form says beside a field the model refused, by pydantic's error type; {…} are the
# rule's own figures.
VALIDATION_MESSAGES: dict[str, str] = {
    "missing": N_("Please fill this in."),
    "string_too_short": N_("Please fill this in."),
    "string_too_long": N_("At most {max_length} characters."),
    "string_pattern_mismatch": N_("This is not in the expected form."),
    "int_parsing": N_("Please enter a whole number."),
    "int_type": N_("Please enter a whole number."),
    "float_parsing": N_("Please enter a number."),
    "decimal_parsing": N_("Please enter a number."),
    "decimal_max_places": N_("At most {decimal_places} decimal places."),
    "greater_than": N_("Must be more than {gt}."),
    "greater_than_equal": N_("Must be at least {ge}."),
    "less_than": N_("Must be less than {lt}."),
    "less_than_equal": N_("Must be at most {le}."),
    "date_parsing": N_("Please enter a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": N_("Please enter a date (YYYY-MM-DD)."),
    "datetime_parsing": N_("Please enter a date and time."),
    "bool_parsing": N_("Please choose yes or no."),
    "enum": N_("Please choose one of the options."),
    "literal_error": N_("Please choose one of the options."),
    "value_error": N_("This value is not valid."),
}

# Why an uploaded row of stays or deaths was refused (ltc.domain.record_rows), and its columns.
ROW_REFUSALS = {
    "invalid_id_number": N_("The id number is not valid (its check character does not match)."),
    "invalid_date": N_("The day is not a date (YYYY-MM-DD)."),
    "missing_value": N_("A required value is empty."),
    "discharge_before_admission": N_("The discharge is before the admission."),
    "date_in_future": N_("The day is after today."),
    "duplicate_row": N_("The same record is in the file twice."),
    "unknown_person": N_("No registered person has this id number."),
}
RECORD_COLUMNS = {
    "id_number": N_("Id number"),
    "admitted_on": N_("Admitted on"),
    "discharged_on": N_("Discharged on"),
    "died_on": N_("Died on"),
}
# What a form says for the refusals of the fund's inputs, by code.
ERROR_MESSAGES.update(
    {
        "unknown_person": N_("No registered person has this id number."),
        "invalid_dates": N_("The days are not in order, or after today."),
        "invalid_amount": N_("Enter an amount in yuan with at most two decimals (whole fen), e.g. 1234.50."),
        "invalid_id_number": N_("The id number is not valid (its check character does not match)."),
        "correction_zero": N_("A correction of nothing: enter an amount other than 0."),
        "correction_exceeds_paid": N_("The correction takes back more than the month paid for this person."),
        "correction_exceeds_ceiling": N_("The correction adds more than the month could have paid for this person."),
        "correction_fund_share": N_("The fund's part does not fit the amount and the fund's share."),
        "person_not_of_provider": N_("This person had no care of this provider in that month."),
        "person_required": N_("Please choose the person."),
        "reason_required": N_("Please give the reason."),
        "period_not_approved": N_("Only an approved month can be corrected."),
        "period_not_ended": N_("The month has not ended yet."),
        "correction_already_applied": N_("This correction was already applied by another settlement."),
        "file_empty": N_("The file holds no rows."),
        "file_unreadable": N_("The file is not a CSV file in UTF-8 or GBK."),
        "missing_column": N_("The file lacks a required column (see the columns above)."),
        "too_many_rows": N_("The file has more than 5,000 rows; split it."),
    }
)
