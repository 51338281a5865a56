"""Words that reach pages as data (codes, statuses, roles, reasons, units, towns, audit
actions, job kinds, error codes), marked here with N_ so Babel extracts them; templates
translate them with _(value). Both catalogs (locale/zh_CN and locale/en) translate every code
into words: tests/web/test_vocabulary.py fails when one is missing, or when the English words
are the code itself."""


def N_(message: str) -> str:
    return message


# Packed several to a line: the lists are long and the codes short.
# fmt: off
TERRAINS = [N_("urban"), N_("plain"), N_("hill"), N_("coastal"), N_("mountain")]
QUALIFICATIONS = [N_("elderly_carer"), N_("medical_carer"), N_("nurse")]
JOB_STATUSES = [N_("queued"), N_("running"), N_("done"), N_("failed")]
ERROR_TITLES = [
    N_("The request cannot be carried out"), N_("The input is not valid"), N_("Not found"), N_("Not allowed"),
    N_("Sign-in required"), N_("Conflict with the current state"), N_("The request is malformed"),
    N_("Method not allowed"), N_("The request is too large"), N_("Unsupported media type"), N_("Too many requests"),
    N_("Too many failed sign-in attempts"), N_("Something went wrong on our side"), N_("The service is unavailable"),
]
WORKFLOW_STATUSES = [
    N_("submitted"), N_("accepted"), N_("assessed"), N_("publicised"), N_("objected"), N_("reassessing"), N_("final"),
    N_("superseded"), N_("active"), N_("expired"), N_("unassigned"), N_("ended"),
]
AGREEMENT = [
    N_("applied"), N_("designated"), N_("suspended"), N_("terminated"), N_("designate"), N_("activate"),
    N_("suspend"), N_("reinstate"), N_("terminate"),
]
CARE_MODES = [N_("home"), N_("institutional"), N_("both")]
ROLES = [N_("sysadmin"), N_("secadmin"), N_("auditor"), N_("bureau"), N_("assessor"), N_("expert"), N_("agency")]
ASSIGNMENT_REASONS = [
    N_("chosen_provider"), N_("nearest_with_room"), N_("optimised"), N_("no_provider_in_range"), N_("providers_full"),
    N_("no_active_provider_of_mode"), N_("person_without_position"),
]
SETTLEMENT_STATUSES = [N_("draft"), N_("approved"), N_("rejected"), N_("paid")]
SETTLEMENT_LINE_KINDS = [N_("adjustment"), N_("deduction")]
SETTLEMENT_UNITS = [N_("minute"), N_("day"), N_("score")]
VISIT_STATUSES = [N_("planned"), N_("in_progress"), N_("done"), N_("cancelled")]
VISIT_FLAGS = [
    N_("outside_geofence"), N_("too_short"), N_("caregiver_overlap"), N_("impossible_travel"), N_("person_inpatient"),
    N_("person_deceased"), N_("item_not_in_plan"), N_("clinical_item_without_nurse"),
]
VISIT_ALERTS = [N_("late"), N_("missed"), N_("missing_checkout")]
EXCEPTION_STATUSES = [N_("open"), N_("explained"), N_("resolved"), N_("withdrawn")]
EXPLANATION_REASONS = [
    N_("weak_gps_signal"), N_("device_clock_wrong"), N_("person_asked_to_shorten"), N_("person_not_at_home"),
    N_("caregiver_substituted"), N_("discharged_same_day"), N_("record_error"), N_("other"),
]
# "accepted" already means an accepted application; a resolution gets words of its own.
RESOLUTIONS = {"accepted": N_("Explanation accepted"), "rejected": N_("Explanation rejected")}
SESSION_END_REASONS = [N_("logout"), N_("idle"), N_("expired"), N_("user_disabled"), N_("ended_by_admin"), N_("password_changed")]
SESSION_KINDS = [N_("page"), N_("api")]
# What an audit entry records (its action) and on what kind of record (its entity).
# The actor of an entry the system wrote by itself (a sign-in failure, a job).
AUDIT_ACTORS = [N_("system")]
# Where the audit trail's hash chain is broken (ltc.domain.audit_chain.BREAK_CODES).
AUDIT_BREAKS = [
    N_("entry_missing"), N_("entry_altered"), N_("entry_reordered"), N_("link_broken"), N_("entry_before_checkpoint"),
    N_("entry_unchained"), N_("tail_truncated"), N_("anchor_behind"), N_("anchor_mismatch"), N_("anchor_missing"),
    N_("anchor_altered"), N_("checkpoint_altered"), N_("archive_mismatch"),
]
# fmt: on
# A background job's title, by its kind.
JOB_TITLES = {
    "build_settlements": N_("Building the month's settlements"),
    "pay_settlements": N_("Paying the month's approved settlements"),
    "geocode_persons": N_("Placing persons' homes on the map"),
    "reassign_provider_people": N_("Moving the people of a provider that no longer takes them"),
    "assign_beneficiaries": N_("Placing the people waiting for a provider"),
    "rotate_data_keys": N_("Re-sealing personal data under the active key"),
    "reoptimise_preview": N_("Preview of an optimised placement"),
    "reoptimise_apply": N_("Applying the optimised placement"),
    "generate_visits": N_("Scheduling visits from the care plans"),
    "sweep_visit_alerts": N_("Checking for late, missed and unfinished visits"),
    "import_registry": N_("Importing the enrolment registry"),
}
# The district's towns by their Chinese name; the msgid is the English (pinyin) name.
TOWNS = {
    "锦屏街道": N_("Jinping"),
    "岳林街道": N_("Yuelin"),
    "江口街道": N_("Jiangkou"),
    "西坞街道": N_("Xiwu"),
    "萧王庙街道": N_("Xiaowangmiao"),
    "方桥街道": N_("Fangqiao"),
    "溪口镇": N_("Xikou"),
    "尚田街道": N_("Shangtian"),
    "莼湖街道": N_("Chunhu"),
    "裘村镇": N_("Qiucun"),
    "松岙镇": N_("Song'ao"),
    "大堰镇": N_("Dayan"),
}

# The care agency's desk.
WEEKDAYS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")]
CARE_PLAN_STATUSES = [N_("draft"), N_("confirmed"), N_("superseded")]
ROSTER_STATES = {
    "needs_plan": N_("Needs a care plan"),
    "awaiting_confirmation": N_("Awaiting the family's confirmation"),
    "confirmed": N_("Plan confirmed"),
}
PLAN_FIELDS = {
    "level": N_("Level"),
    "care_mode": N_("Care mode"),
    "monthly_hours": N_("Hours a month"),
    "visits_per_month": N_("Visits a month"),
    "slots": N_("Weekly visits"),
    "items": N_("Service items"),
    "needs_nurse": N_("Needs a nurse"),
    "bed_day_cap_fen": N_("Bed-day cap"),
    "policy_version": N_("Policy version"),
}
CENSUS_STATUSES = [N_("present"), N_("leave"), N_("hospital"), N_("admitted"), N_("discharged")]
# Why a visit of a care plan could not be given to a caregiver.
UNSCHEDULED_REASONS = [N_("no_qualified_caregiver"), N_("no_caregiver_free"), N_("weekly_hours_exceeded")]
CAREGIVER_STATUSES = {"active": N_("Active"), "inactive": N_("Deactivated")}
AUDIT_ACTIONS_AGENCY = [
    N_("care_plan.create"),
    N_("care_plan.adjust"),
    N_("care_plan.confirm"),
    N_("caregiver.create"),
    N_("caregiver.update"),
    N_("caregiver.deactivate"),
    N_("caregiver.reactivate"),
    N_("census.record"),
]
# A rule's refusal beside its field; {…} are the rule's own figures.
AGENCY_ERROR_MESSAGES: dict[str, str] = {
    "hours_above_policy": N_("More than the policy allows for this level: at most {limit} hours a month."),
    "invalid_hours": N_("Hours a month must be a whole number, enough for at least one visit."),
    "no_service_items": N_("Choose at least one service item."),
    "unknown_service_item": N_("This service item is not in the catalogue."),
    "no_visit_slots": N_("A home-care plan needs at least one weekly visit."),
    "invalid_slot": N_("Each visit needs a weekday and a time (HH:MM)."),
    "slot_outside_working_hours": N_("Visits must lie within the working day."),
    "overlapping_slots": N_("Two visits on the same day overlap."),
    "slots_exceed_monthly_hours": N_(
        "These weekly visits add up to {max_visits_in_a_month} visits in the longest month: more than the hours allow."
    ),
    "reason_required": N_("Please give a reason."),
    "confirmed_by_required": N_("Name the person or family member who confirmed."),
    "care_plan_exists": N_("This person already has a care plan: adjust it instead."),
    "not_assigned": N_("This person is not assigned to a care provider yet."),
    "no_severe_conclusion": N_("This person has no valid conclusion of severe disability."),
    "level_not_entitled": N_("This level is not entitled to care in this mode."),
    "stale_version": N_("Someone else adjusted the plan meanwhile; reload it and try again."),
    "not_the_current_version": N_("Only the current version can be adjusted."),
    "invalid_state": N_("This step is not possible in the record's current state."),
    "unknown_qualification": N_("Please choose one of the qualifications."),
    "incomplete_position": N_("Give both the latitude and the longitude."),
    "no_changes": N_("Nothing was changed."),
    "position_outside_china": N_("This position is not in China."),
    "coordinates_out_of_range": N_("This is not a position on Earth."),
    "not_a_resident": N_("This person is not one of the institution's residents."),
    "day_in_future": N_("The census cannot be recorded for a day still to come."),
    "unknown_census_status": N_("Please tick one of the choices."),
}
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

# What a refusal says to a person, by its stable code (the API keeps the code itself): every
# error code the system raises has its sentence here.
ERROR_MESSAGES: dict[str, str] = {
    "invalid_cursor": N_("This page of the list no longer exists; start again from the first page."),
    # Refusals of the registry, the person forms, the desk and the account pages.
    "birth_date_mismatch": N_("The date of birth does not agree with the id number."),
    "sex_mismatch": N_("The sex does not agree with the id number."),
    "cannot_reset_own_password": N_("Change your own password on the password page."),
    "incomplete_position": N_("Latitude and longitude must be given together."),
    "invalid_phone": N_("The phone number is not valid."),
    "no_changes": N_("Nothing was changed."),
    "provider_required": N_("Choose a care provider."),
    "registry_upload_not_found": N_("This registry file does not exist."),
    "unknown_plan_state": N_("Choose one of the plan states offered."),
    "unknown_reason": N_("Choose one of the reasons offered."),
    "adjustment_not_earlier": N_("An adjustment can only correct an earlier month."),
    "administrator_created_by_operator": N_("Administrator accounts are created by the operator at the command line."),
    "administrator_duty_fixed": N_("An administrator's duty cannot be changed."),
    "age_below_minimum": N_("The applicant is younger than the policy's minimum age."),
    "agency_needs_provider": N_("An agency user must belong to a care provider."),
    "already_final": N_("This assessment's conclusion has already been confirmed."),
    "already_submitted": N_("This round of the assessment has already been submitted."),
    "application_in_progress": N_("This person already has an application in progress."),
    "application_not_found": N_("This application does not exist, or you may not see it."),
    "applied_on_in_future": N_("The application date cannot be later than today."),
    "assessment_not_found": N_("This assessment does not exist, or you may not see it."),
    "assessor_conflict_of_interest": N_("An assessor employed by the applicant's care provider may not assess them."),
    "assessor_not_assigned": N_("You are not an assessor of this application's current round."),
    "assignment_not_found": N_("This person has no placement."),
    "audit_anchor_missing": N_("The audit trail's anchor is missing; the trail must be verified."),
    "audit_chain_broken": N_("The audit trail's chain is broken; nothing was archived."),
    "batch_required": N_("A designation must name its batch."),
    "cannot_disable_self": N_("You cannot disable your own account."),
    "capacity_below_load": N_("The capacity cannot be lower than the number of people the provider serves now."),
    "care_plan_exists": N_("This person already has a care plan; adjust the existing plan instead."),
    "care_plan_not_found": N_("This care plan does not exist, or you may not see it."),
    "caregiver_not_found": N_("This caregiver does not exist, or you may not see them."),
    "checkout_before_checkin": N_("The check-out is earlier than the check-in."),
    "ciphertext_invalid": N_("Stored personal data cannot be opened; please tell the security administrator."),
    "confirmed_by_required": N_("Record who confirmed the plan: the person or a family member."),
    "conflict": N_("This conflicts with the record's current state; please reload the page."),
    "content_type_mismatch": N_("The file's content does not match its declared type."),
    "coordinates_incomplete": N_("Latitude and longitude must be given together."),
    "coordinates_out_of_range": N_("The position is not a valid latitude and longitude."),
    "correction_already_applied": N_(
        "A correction in this settlement was already applied by another; return it and build it again."
    ),
    "correction_exceeds_ceiling": N_("The correction pays more than the month could have paid for the person."),
    "correction_exceeds_paid": N_("The correction takes back more than the month paid for the person."),
    "correction_fund_share": N_("The fund's share would exceed the gross amount of the person's month."),
    "correction_zero": N_("A correction must change an amount."),
    "data_key_invalid": N_("A personal data key is not valid; please tell the security administrator."),
    "database_unavailable": N_("The database cannot be reached at the moment; please try again in a few seconds."),
    "date_out_of_range": N_("The date is outside the range the system accepts."),
    "day_in_future": N_("The census cannot be recorded for a day in the future."),
    "day_outside_period": N_("A day lies outside the month being settled."),
    "disability_too_recent": N_("The disability has not lasted long enough yet."),
    "domain_error": N_("The request cannot be carried out."),
    "duplicate_assessor": N_("The same assessor cannot be assigned twice."),
    "duplicate_caregiver": N_("A caregiver appears twice."),
    "duplicate_day": N_("A person has the same day twice in the census."),
    "duplicate_entry": N_("This ledger entry was already booked."),
    "duplicate_event": N_("This check-in or check-out was already sent with different content."),
    "duplicate_id_number": N_("This id number is already registered."),
    "duplicate_person": N_("A person appears twice in the input."),
    "duplicate_provider": N_("A care provider appears twice."),
    "duplicate_provider_code": N_("This provider code is already in use."),
    "duplicate_visit": N_("A visit appears twice in the settlement."),
    "envelope_version_unknown": N_(
        "Stored personal data is in an unknown format; please tell the security administrator."
    ),
    "evaluation_exists": N_("This year's evaluation is already recorded."),
    "evidence_empty": N_("Upload a file or enter the video archive number."),
    "evidence_not_found": N_("This piece of evidence does not exist, or you may not see it."),
    "evidence_too_large": N_("The file is too large."),
    "exception_not_found": N_("This exception does not exist, or you may not see it."),
    "expert_required": N_("The team needs at least one assessment expert."),
    "explanation_required": N_('Describe the reason when choosing "Other".'),
    "forbidden": N_("Your role may not do this."),
    "group_not_alone": N_("A person has a group of visits and other visits in the same month."),
    "group_spans_versions": N_("A group of visits spans two policy versions."),
    "hours_above_policy": N_("The monthly hours exceed what the policy allows for the level."),
    "http_error": N_("The request cannot be carried out."),
    "if_match_required": N_("Send the version of the settlement you saw."),
    "instrument_not_found": N_("This assessment instrument does not exist."),
    "instrument_version_not_current": N_("Use the assessment instrument's current version."),
    "insured_since_in_future": N_("The insurance start date cannot be later than today."),
    "internal_error": N_("Something went wrong on our side; please try again later."),
    "invalid_accuracy": N_("The position's accuracy cannot be negative."),
    "invalid_amount": N_("The amount must be a positive number."),
    "invalid_answers": N_("The answers are not in the expected form."),
    "invalid_candidates": N_("At least one candidate provider must be considered."),
    "invalid_care_mode": N_("This care mode does not exist."),
    "invalid_catalogue": N_("The service catalogue lists an item twice."),
    "invalid_credentials": N_("Wrong username or password."),
    "invalid_dates": N_("The discharge date is earlier than the admission date."),
    "invalid_encoding": N_("The request is not valid UTF-8 text."),
    "invalid_entry": N_("A ledger entry needs its source."),
    "invalid_event_id": N_("The check-in's event id is not valid."),
    "invalid_event_kind": N_("An event is either a check-in or a check-out."),
    "invalid_group": N_("A group of visits counts no visit."),
    "invalid_hours": N_("The monthly hours must be a whole number enough for at least one visit."),
    "invalid_id_number": N_("The id number is not valid."),
    "invalid_input": N_("The input is not valid."),
    "invalid_level": N_("The level must be from 0 to 5."),
    "invalid_line": N_("A settlement line has an unknown kind."),
    "invalid_minutes": N_("A group of visits has negative minutes."),
    "invalid_months": N_("The number of months must be at least 1."),
    "invalid_order": N_("This order of placement does not exist."),
    "invalid_period": N_("The month is not valid."),
    "invalid_policy": N_("The policy file has fields the system does not know."),
    "invalid_posting": N_("A ledger amount cannot be negative."),
    "invalid_price": N_("A price cannot be negative."),
    "invalid_provider": N_("A provider's radius, capacity and load cannot be negative."),
    "invalid_provider_kind": N_("This kind of provider does not exist."),
    "invalid_qualification": N_("A caregiver has an unknown qualification."),
    "invalid_radius": N_("The service radius must be more than 0 and within the limit."),
    "invalid_rate": N_("A rate must be a finite number."),
    "invalid_score": N_("The evaluation score must be from 0 to 100."),
    "invalid_slot": N_("A visit slot is not valid."),
    "invalid_state": N_("The assessment's status does not allow this."),
    "invalid_times": N_("The start must be before the end, and neither may lie in the future."),
    "invalid_token": N_("The sign-in token is not valid."),
    "invalid_totals": N_("The settlement's totals must be the sums of its lines."),
    "invalid_transition": N_("This step is not possible in the record's current state."),
    "invalid_username": N_("A username has 1 to 64 characters."),
    "invalid_weekly_hours": N_("Weekly hours cannot be negative."),
    "invalid_window": N_("The window ends before it starts."),
    "job_not_found": N_("This background job does not exist, or you may not see it."),
    "leave_day_billed": N_("A person has a day both in care and on leave."),
    "level_not_entitled": N_("This level is not entitled to institutional care."),
    "malformed_body": N_("The request could not be read."),
    "method_not_allowed": N_("This address does not accept this kind of request."),
    "missing_item": N_("This item is not answered yet."),
    "missing_items": N_("Some items of the assessment are not answered yet."),
    "naive_datetime": N_("The time must include its time zone."),
    "naive_time": N_("The device's time must include its time zone."),
    "no_policy_in_force": N_("No policy is in force on that day."),
    "no_service_items": N_("Choose at least one service item."),
    "no_severe_conclusion": N_("There is no valid conclusion of severe disability."),
    "no_visit_slots": N_("A home care plan needs at least one visit slot."),
    "not_a_home_plan": N_("An institutional plan has no hours or visit slots; it is settled by bed-days."),
    "not_a_resident": N_("These people are not residents of this institution."),
    "not_an_assessor": N_("An assigned user is not an assessor on duty."),
    "not_assigned": N_("This person is not placed with a care provider yet."),
    "not_explained": N_("The agency must explain the exception before the bureau decides."),
    "not_found": N_("This record does not exist, or you may not see it."),
    "not_insured": N_("The applicant is not insured, or the insurance has not begun yet."),
    "not_open_for_assessment": N_("The application's status does not allow assessment now."),
    "not_publicised": N_("The assessment has not been publicised yet."),
    "not_the_current_version": N_("Only the current version can be adjusted."),
    "notice_closed": N_("The notice period is over; no objection can be raised any more."),
    "notice_not_over": N_("The conclusion can be confirmed only after the notice period."),
    "nul_character": N_("The input contains a character that is not allowed."),
    "overlapping_slots": N_("Two visit slots on the same day overlap."),
    "password_contains_username": N_("A password may not contain the username."),
    "password_reused": N_("This password was used recently; choose another."),
    "password_too_long": N_("The password is too long."),
    "password_too_short": N_("The password is too short."),
    "password_too_simple": N_(
        "The password must mix more kinds of characters (lower-case, upper-case, digits, others)."
    ),
    "period_in_future": N_("This month has not begun; it cannot be built yet."),
    "period_not_approved": N_("Only approved months can be corrected; build the others again."),
    "period_not_ended": N_("This month has not ended yet."),
    "person_not_found": N_("This person does not exist, or you may not see them."),
    "person_not_of_provider": N_("This person is not settled with this provider in that month."),
    "person_required": N_("A correction must name the person."),
    "position_outside_china": N_("The position lies outside China."),
    "preview_not_found": N_("There is no preview to confirm."),
    "provider_not_active": N_("The provider's agreement is not active; it cannot take people."),
    "provider_not_allowed": N_("Only agency users, assessors and experts belong to a provider."),
    "provider_not_found": N_("This care provider does not exist, or you may not see it."),
    "provider_suspended": N_("The provider's agreement is suspended; it cannot take new people."),
    "published_on_in_future": N_("The publication date cannot be later than today."),
    "reason_required": N_("Please give a reason."),
    "reassessment_pending": N_("An objection was raised; the conclusion waits for the re-assessment."),
    "reassessors_not_different": N_("The re-assessment needs different assessors."),
    "redesignation_blocked": N_("The agreement was terminated recently; the provider cannot be designated again yet."),
    "request_too_large": N_("What was sent is too large."),
    "retention_live_care_plan": N_("The person's data must be kept: a care plan is still in force."),
    "retention_settlement_records": N_("The person's data must be kept while their settlement records are retained."),
    "role_not_allowed": N_("Your role may not do this."),
    "self_eval_grade_too_low": N_("The self-assessment grade is below what the policy requires."),
    "service_unavailable": N_("The service is unavailable at the moment; please try again shortly."),
    "session_not_found": N_("This session does not exist."),
    "settlement_mismatch": N_("Both settlements must be of the same provider and month."),
    "settlement_not_found": N_("This settlement does not exist, or you may not see it."),
    "slot_outside_working_hours": N_("A visit does not fit into the working day."),
    "slots_exceed_monthly_hours": N_("The visit slots add up to more than the monthly hours."),
    "stale_preview": N_("The placements changed after the preview; please preview again."),
    "stale_version": N_("Someone else changed this in the meantime; please reload the page."),
    "taken_in_the_future": N_("The time the photo was taken lies in the future."),
    "time_in_future": N_("The event's time lies in the future."),
    "token_expired": N_("Your session has ended; please sign in again."),
    "too_deeply_nested": N_("The request is nested too deeply."),
    "too_few_assessors": N_("The team has too few assessors."),
    "too_many_attempts": N_("Too many failed sign-in attempts; please wait and try again."),
    "too_many_requests": N_("Too many requests; please wait a moment."),
    "unauthenticated": N_("Please sign in first."),
    "unbalanced_entry": N_("A ledger entry's debits and credits differ."),
    "unknown_account": N_("This ledger account does not exist."),
    "unknown_action": N_("This action does not exist."),
    "unknown_census_status": N_("This census status does not exist."),
    "unknown_change": N_("Some of the fields cannot be adjusted."),
    "unknown_cipher": N_("This cipher is not known."),
    "unknown_coordinate_system": N_("This coordinate system is not known."),
    "unknown_instrument_version": N_("This version of the assessment instrument does not exist."),
    "unknown_item": N_("An answer names an item the instrument does not have."),
    "unknown_job_kind": N_("This kind of background job does not exist."),
    "unknown_key_id": N_("A personal data key is missing from the keyring; please tell the security administrator."),
    "unknown_option": N_("An answer is not one of the item's options."),
    "unknown_person": N_("Some id numbers are not registered."),
    "unknown_policy_version": N_("This policy version does not exist."),
    "unknown_qualification": N_("This qualification does not exist."),
    "unknown_reason_code": N_("Choose one of the reasons offered."),
    "unknown_resolution_code": N_("Choose one of the decisions offered."),
    "unknown_service_item": N_("This service item does not exist."),
    "unknown_town": N_("This town is not in the district."),
    "unsupported_media_type": N_("This kind of file or content is not accepted."),
    "user_not_found": N_("This user does not exist."),
    "username_taken": N_("This username is already taken."),
    "validation_failed": N_("Some of the values are not valid."),
    "version_conflict": N_("Someone else changed this record meanwhile; reload it and try again."),
    "visit_cancelled": N_("This visit was cancelled."),
    "visit_not_found": N_("This visit does not exist, or you may not see it."),
    "wrong_current_password": N_("The current password is wrong."),
    "wrong_instrument": N_("The city assesses with another instrument."),
    # The bureau's decisions on an assessment and its team.
    "invalid_search": N_("A search filter has a value the list does not offer."),
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
ERROR_MESSAGES.update(
    {
        "birth_date_mismatch": N_("The birth date does not agree with the id number."),
        "sex_mismatch": N_("The sex does not agree with the id number."),
        "invalid_phone": N_("Not a phone number (7 to 15 digits)."),
        "cannot_reset_own_password": N_("You cannot reset your own password here; change it on your account page."),
        "incomplete_position": N_("Give both the latitude and the longitude."),
        "no_changes": N_("Nothing was changed."),
        "provider_required": N_("Choose the care provider this account works for."),
        "registry_upload_not_found": N_("This registry file is no longer available; upload it again."),
        "too_short": N_("This is too short."),
        "unknown_plan_state": N_("Please choose one of the plan states."),
        "unknown_reason": N_("Please choose one of the reasons."),
    }
)
# What an audit entry records (its action) and on what kind of record (its entity).
AUDIT_ACTIONS = [
    N_("application.accept"),
    N_("application.renewal"),
    N_("application.submit"),
    N_("assessment.finalize"),
    N_("assessment.object"),
    N_("assessment.publish"),
    N_("assessment.submit"),
    N_("assignment.assign"),
    N_("assignment.reoptimise"),
    N_("audit.archive"),
    N_("audit.verify"),
    N_("bench.insert"),
    N_("care_plan.adjust"),
    N_("care_plan.confirm"),
    N_("care_plan.create"),
    N_("caregiver.create"),
    N_("census.record"),
    N_("demo.seed"),
    N_("evidence.add"),
    N_("export.personal_data"),
    N_("fund.contribution"),
    N_("hospital_stays.import"),
    N_("person.anonymise"),
    N_("person.choose_provider"),
    N_("person.data_report"),
    N_("person.death"),
    N_("person.register"),
    N_("registry.upload"),
    N_("registry.import"),
    N_("person.view_identity"),
    N_("provider.create"),
    N_("provider.evaluation"),
    N_("provider.update"),
    N_("provider.designate"),
    N_("provider.activate"),
    N_("provider.suspend"),
    N_("provider.reinstate"),
    N_("provider.terminate"),
    N_("session.end"),
    N_("session.sign_out"),
    N_("settlement.build"),
    N_("settlement.correction"),
    N_("settlement.submit"),
    N_("settlement.approve"),
    N_("settlement.reject"),
    N_("settlement.pay"),
    N_("settlement.rebuild"),
    N_("sign_in.failure"),
    N_("sign_in.lock"),
    N_("sign_in.success"),
    N_("user.assign_role"),
    N_("user.create"),
    N_("user.enable"),
    N_("user.disable"),
    N_("user.password_change"),
    N_("user.reset_password"),
    N_("password_change.failure"),
    N_("visit.add"),
    N_("visit_exception.explain"),
    N_("visit_exception.resolve"),
]
AUDIT_ENTITIES = [
    N_("registry_upload"),
    N_("application"),
    N_("assessment"),
    N_("audit"),
    N_("bench"),
    N_("care_plan"),
    N_("caregiver"),
    N_("census"),
    N_("district"),
    N_("evidence"),
    N_("hospital_stay"),
    N_("ledger_entry"),
    N_("person"),
    N_("provider"),
    N_("session"),
    N_("settlement"),
    N_("settlement_correction"),
    N_("sign_in"),
    N_("user"),
    N_("visit"),
    N_("visit_exception"),
]
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
