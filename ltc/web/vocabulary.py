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

# Intake. Why a registry row (or a registration form's field) was refused, in words.
REGISTRY_REFUSALS = {
    "id_number_missing": N_("No id number"),
    "id_number_malformed": N_("Not an id number: 18 characters, 17 digits then a digit or X"),
    "id_number_check_digit": N_("The id number's check character does not match (a digit mistyped?)"),
    "id_number_birth_date": N_("The birth date within the id number is impossible"),
    "id_number_stored_as_number": N_(
        "The id number was stored as a number and the spreadsheet rounded it: format the column as text"
    ),
    "duplicate_in_file": N_("The same id number is on an earlier row of this file"),
    "name_missing": N_("No name"),
    "name_too_long": N_("The name is longer than 64 characters"),
    "sex_invalid": N_("Sex not understood (男/女 or M/F)"),
    "sex_mismatch": N_("The sex does not agree with the id number"),
    "birth_date_invalid": N_("Birth date not understood (write it as 1950-03-04)"),
    "birth_date_mismatch": N_("The birth date does not agree with the id number"),
    "invalid_phone": N_("Not a phone number (7 to 15 digits)"),
    "address_too_long": N_("The address is longer than 300 characters"),
    "town_missing": N_("No town"),
    "unknown_town": N_("No such town in the district"),
    "insured_invalid": N_("Insurance status not understood (参保/停保 or yes/no)"),
    "insured_since_invalid": N_("Date insured since not understood (write it as 2020-01-01)"),
    "insured_since_in_future": N_("The date insured since is in the future"),
}
REGISTRY_FIELDS = {
    "id_number": N_("Id number"),
    "name": N_("Name"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "town": N_("Town"),
    "insured": N_("Insurance status"),
    "insured_since": N_("Insured since"),
}
# What refuses a whole registry file, a registration or an application, in words.
INTAKE_ERRORS = {
    "registry_file_missing": N_("Choose the registry file to import"),
    "registry_empty": N_("The file is empty or has no header row"),
    "registry_columns_missing": N_("The header lacks a required column: id number, name and town are required"),
    "registry_column_repeated": N_("The header names the same column twice"),
    "registry_file_kind": N_("Only CSV and XLSX files can be imported (save an old .xls as .xlsx)"),
    "registry_file_unreadable": N_("The file cannot be read as a CSV or XLSX file"),
    "registry_encoding": N_("The file's text encoding is not recognised: save it as UTF-8 CSV"),
    "registry_too_large": N_("The file is larger than 64 MB"),
    "duplicate_id_number": N_("A person with this id number is already registered"),
    "invalid_id_number": N_("Not a valid id number"),
    "insured_since_in_future": N_("The date insured since is in the future"),
    "not_insured": N_("The person is not insured"),
    "age_below_minimum": N_("The person is younger than the policy's minimum age"),
    "disability_too_recent": N_("The disability has not lasted the policy's minimum number of months"),
    "self_eval_grade_too_low": N_("The self-assessment grade is too low to apply for an assessment"),
    "application_in_progress": N_("The person already has an application in progress"),
    "applied_on_in_future": N_("The application date is in the future"),
    "missing_items": N_("Answer every item of the self-assessment"),
}
# The steps of an application, as its status page names them.
APPLICATION_STEPS = {
    "submitted": N_("Application submitted"),
    "accepted": N_("Accepted, assessors assigned"),
    "assessed": N_("Assessed on site"),
    "publicised": N_("Result on public notice"),
    "objected": N_("Objection raised"),
    "reassessing": N_("Re-assessment accepted"),
    "reassessed": N_("Re-assessed"),
    "final": N_("Final conclusion"),
}
SEXES = {"M": N_("Male"), "F": N_("Female")}
ERROR_MESSAGES.update(INTAKE_ERRORS)
