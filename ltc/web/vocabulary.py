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
CENSUS_STATUSES = [N_("present"), N_("leave"), N_("admitted"), N_("discharged")]
# Why a visit of a care plan could not be given to a caregiver.
UNSCHEDULED_REASONS = [N_("no_caregiver_free"), N_("weekly_hours_exceeded")]
SESSION_END_REASONS = [N_("logout"), N_("idle"), N_("expired"), N_("user_disabled"), N_("ended_by_admin"), N_("password_changed")]
SESSION_KINDS = [N_("page"), N_("api")]
# What an audit entry records (its action) and on what kind of record (its entity).
AUDIT_ACTIONS = [
    N_("application.accept"), N_("application.renewal"), N_("application.submit"), N_("assessment.finalize"),
    N_("assessment.object"), N_("assessment.publish"), N_("assessment.submit"), N_("audit.archive"),
    N_("audit.verify"), N_("bench.insert"), N_("care_plan.adjust"), N_("care_plan.confirm"), N_("care_plan.create"),
    N_("caregiver.create"), N_("census.record"), N_("demo.seed"), N_("evidence.add"), N_("export.personal_data"),
    N_("fund.contribution"), N_("hospital_stays.import"), N_("person.anonymise"), N_("person.choose_provider"),
    N_("person.data_report"), N_("person.death"), N_("person.register"), N_("person.view_identity"),
    N_("provider.create"), N_("provider.evaluation"), N_("provider.update"), N_("provider.designate"),
    N_("provider.activate"), N_("provider.suspend"), N_("provider.reinstate"), N_("provider.terminate"),
    N_("session.end"), N_("session.sign_out"), N_("settlement.build"), N_("settlement.correction"),
    N_("settlement.submit"), N_("settlement.approve"), N_("settlement.reject"), N_("settlement.pay"),
    N_("sign_in.failure"), N_("sign_in.lock"), N_("sign_in.success"), N_("user.assign_role"), N_("user.create"),
    N_("user.enable"), N_("user.disable"), N_("user.password_change"), N_("visit.add"), N_("visit_exception.explain"),
    N_("visit_exception.resolve"),
]
AUDIT_ENTITIES = [
    N_("application"), N_("assessment"), N_("audit"), N_("bench"), N_("care_plan"), N_("caregiver"), N_("census"),
    N_("district"), N_("evidence"), N_("hospital_stay"), N_("ledger_entry"), N_("person"), N_("provider"),
    N_("session"), N_("settlement"), N_("settlement_correction"), N_("sign_in"), N_("user"), N_("visit"),
    N_("visit_exception"),
]
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
