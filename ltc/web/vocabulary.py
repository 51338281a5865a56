"""Words that reach pages as data (codes, statuses, roles, reasons, units, towns, audit
actions, job kinds, error codes), marked here with N_ so Babel extracts them; templates
translate them with _(value). Both catalogs (locale/zh_CN and locale/en) translate every code
into words: tests/web/test_vocabulary.py fails when one is missing, or when the English words
are the code itself. What a refusal says to a person is in ltc.web.refusal_words."""

from ltc.web.i18n import N_

__all__ = ["N_"]  # marks words for Babel wherever they are written


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
ROLES = [
    N_("sysadmin"),
    N_("secadmin"),
    N_("auditor"),
    N_("bureau"),
    N_("assessor"),
    N_("expert"),
    N_("agency"),
    N_("caregiver"),
    N_("supervisor"),
]
ASSIGNMENT_REASONS = [
    N_("chosen_provider"), N_("nearest_with_room"), N_("optimised"), N_("no_provider_in_range"), N_("providers_full"),
    N_("no_active_provider_of_mode"), N_("person_without_position"),
]
SETTLEMENT_STATUSES = [N_("draft"), N_("approved"), N_("rejected"), N_("paid")]
SETTLEMENT_LINE_KINDS = [N_("adjustment"), N_("deduction"), N_("advance")]
SETTLEMENT_UNITS = [N_("minute"), N_("day"), N_("score")]
VISIT_STATUSES = [N_("planned"), N_("in_progress"), N_("done"), N_("cancelled")]
VISIT_FLAGS = [
    N_("outside_geofence"), N_("too_short"), N_("caregiver_overlap"), N_("impossible_travel"), N_("person_inpatient"),
    N_("person_deceased"), N_("item_not_in_plan"), N_("clinical_item_without_nurse"),
    N_("presence_code_invalid"), N_("presence_code_missing"), N_("start_far_from_plan"), N_("no_items_recorded"),
    N_("caregiver_substituted"), N_("caregiver_certificate_expired"), N_("photo_missing"), N_("signature_missing"),
]
# What an event's presence code proved (ltc.domain.presence); no code given has no word.
PRESENCE_OUTCOMES = {
    "time_code": N_("Presence card scanned"),
    "household_code": N_("Household code typed"),
    "invalid": N_("Presence code did not match"),
}
VISIT_ALERTS = [N_("late"), N_("missed"), N_("missing_checkout")]
EXCEPTION_STATUSES = [N_("open"), N_("explained"), N_("resolved"), N_("withdrawn")]
EXPLANATION_REASONS = [
    N_("weak_gps_signal"), N_("device_clock_wrong"), N_("person_asked_to_shorten"), N_("person_not_at_home"),
    N_("caregiver_substituted"), N_("discharged_same_day"), N_("record_error"), N_("card_unreadable"),
    N_("family_declined"), N_("time_agreed_with_family"), N_("certificate_being_renewed"), N_("other"),
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
    "replan_absence": N_("Re-planning an absent caregiver's visits"),
    "what_if": N_("Re-pricing the settled months under a draft policy"),
    "siting": N_("Weighing sites for new providers"),
    "generate_visits_part": N_("Scheduling a share of the city's visits"),
    "build_settlements_part": N_("Building a share of the month's settlements"),
    "reverify_persons": N_("Verifying visits again after hospital stays or deaths"),
    "reverify_persons_part": N_("Verifying a share of those visits again"),
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
# Why a caregiver is away, and what a caregiver's day is on the roster.
ABSENCE_REASONS = [N_("sick"), N_("leave"), N_("training"), N_("other")]
CAREGIVER_DAY_STATES = [N_("working"), N_("absent"), N_("day_off")]
CAREGIVER_STATUSES = {"active": N_("Active"), "inactive": N_("Deactivated")}
AUDIT_ACTIONS_AGENCY = [
    N_("care_plan.create"),
    N_("care_plan.adjust"),
    N_("care_plan.confirm"),
    N_("caregiver.create"),
    N_("caregiver.update"),
    N_("caregiver.deactivate"),
    N_("caregiver.reactivate"),
    N_("caregiver.absence"),
    N_("caregiver.absence_cancel"),
    N_("visit.reassign"),
    N_("visit.unschedule"),
    N_("census.record"),
]
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
    N_("fund.advance"),
    N_("fund.budget"),
    N_("what_if.create"),
    N_("what_if.run"),
    N_("hospital_stays.import"),
    N_("person.anonymise"),
    N_("person.choose_provider"),
    N_("person.data_report"),
    N_("person.death"),
    N_("person.register"),
    N_("registry.upload"),
    N_("registry.import"),
    N_("person.view_identity"),
    N_("presence_card.issue"),
    N_("presence_card.rotate"),
    N_("partitions.detach"),
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
    N_("visit.reassign"),
    N_("visit.unschedule"),
    N_("caregiver.absence"),
    N_("caregiver.absence_cancel"),
    N_("visit_exception.explain"),
    N_("visit_exception.resolve"),
    N_("inspection.open"),
    N_("review_sample.draw"),
    N_("review_sample.decide"),
    N_("tip_off.file"),
    N_("tip_off.open_case"),
    N_("tip_off.join"),
    N_("tip_off.close"),
    N_("tip_off.reward"),
    N_("inspection.finding"),
    N_("inspection.file"),
    N_("inspection.interview"),
    N_("inspection.rectify"),
    N_("inspection.suspend"),
    N_("inspection.terminate"),
    N_("inspection.recover"),
    N_("inspection.penalty"),
    N_("inspection.refer"),
    N_("inspection.bar"),
    N_("inspection.follow_up"),
    N_("inspection.respond"),
    N_("inspection.close"),
    N_("inspection.lift_hold"),
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
    N_("inspection"),
    N_("fund_budget"),
    N_("what_if_draft"),
    N_("ledger_entry"),
    N_("review_sample"),
    N_("tip_off"),
    N_("person"),
    N_("provider"),
    N_("session"),
    N_("settlement"),
    N_("service_month"),
    N_("settlement_correction"),
    N_("sign_in"),
    N_("user"),
    N_("visit"),
    N_("visit_exception"),
]
RECORD_COLUMNS = {
    "id_number": N_("Id number"),
    "admitted_on": N_("Admitted on"),
    "discharged_on": N_("Discharged on"),
    "died_on": N_("Died on"),
}
# The standing of an approved settlement against its payment deadline.
PAYMENT_STANDINGS = {"due_soon": N_("Due soon"), "overdue": N_("Overdue")}

# Fund supervision: risk indicators, why a line was drawn for review, the review's outcomes,
# tip-offs' channels and states.
RISK_INDICATORS = {
    "rules_hit": N_("Rules hit per visit"),
    "hours_at_cap": N_("Persons at the hours cap month after month"),
    "short_visits": N_("Short visits"),
    "exception_rate": N_("Visits with an exception"),
    "new_provider": N_("New provider"),
    "peer_outlier": N_("Outlier against peers (robust z-score)"),
    "random": N_("Drawn at random"),
}
REVIEW_DRAWN_FOR = {"risk": N_("Drawn for its risk"), "random": N_("Drawn at random")}
REVIEW_STATUSES = {
    "pending": N_("Awaiting review"),
    "confirmed": N_("Confirmed"),
    "adjusted": N_("Adjusted"),
    "refused": N_("Refused"),
}
TIP_OFF_CHANNELS = {
    "public": N_("Public form"),
    "hotline": N_("Bureau hotline"),
    "social_supervisor": N_("Social supervisor"),
    "family": N_("A family's follow page"),
}
TIP_OFF_STATUSES = {
    "new": N_("Awaiting triage"),
    "case_opened": N_("Case opened"),
    "joined": N_("Joined to a case"),
    "closed": N_("Closed"),
}
# Inspection cases (稽核): kinds, statuses, finding categories (the policy's credit table),
# the outcomes of the sanctions ladder, their states and where a case is referred.
INSPECTION_KINDS = {
    "routine": N_("Routine inspection"),
    "special": N_("Special inspection"),
    "unannounced": N_("Unannounced inspection"),
}
INSPECTION_STATUSES = {"open": N_("Case open"), "closed": N_("Case closed")}
FINDING_CATEGORIES = {
    "false_claim": N_("False claim"),
    "overbilling": N_("Overbilling"),
    "record_forgery": N_("Forged care records"),
    "service_shortfall": N_("Care short of the plan"),
    "unqualified_staff": N_("Unqualified staff"),
    "other": N_("Other irregularity"),
}
OUTCOME_ACTIONS = {
    "interview": N_("Interview"),
    "rectify": N_("Rectification by a deadline"),
    "suspend": N_("Suspend the agreement"),
    "terminate": N_("Terminate the agreement"),
    "recover": N_("Recovery"),
    "penalty": N_("Penalty"),
    "refer": N_("Referral"),
    "bar": N_("Blacklist"),
}
OUTCOME_STATUSES = {
    "done": N_("Done"),
    "awaiting": N_("Awaiting the follow-up"),
    "passed": N_("Follow-up passed"),
    "failed": N_("Follow-up failed"),
}
REFERRALS = {"police": N_("Police"), "discipline": N_("Discipline inspection commission")}
SETTLEMENT_NETTING_KINDS = [N_("recovery"), N_("held")]
# The annual evaluation (年度考核): indicators, grades, follow-up answers, final account states.
EVALUATION_INDICATORS = {
    "exception_rate": N_("Visits without exceptions"),
    "satisfaction": N_("Satisfaction in follow-up calls"),
    "complaints": N_("Complaints"),
    "inspection_findings": N_("Inspection findings"),
    "staffing": N_("Staffing"),
    "care_records": N_("Care records"),
    "safety": N_("Safety"),
    "training": N_("Training"),
}
EVALUATION_GRADES = {
    "excellent": N_("Excellent"), "good": N_("Good"), "pass": N_("Pass"), "fail": N_("Fail"),
}  # fmt: skip
FOLLOW_UP_ANSWERS = {
    "satisfied": N_("Satisfied"), "neutral": N_("Neither satisfied nor dissatisfied"),
    "dissatisfied": N_("Dissatisfied"),
}  # fmt: skip
FINAL_ACCOUNT_STATES = {
    "booked": N_("Booked"),
    "ready": N_("Ready to book"),
    "settlements_pending": N_("Waiting for the year's settlements to be approved"),
    "not_scored": N_("Waiting for the bureau's scoring"),
}
QUALITY_LINE_KINDS = [N_("reserve")]
AUDIT_ACTIONS += [
    N_("evaluation.self"), N_("evaluation.score"), N_("evaluation.follow_up"), N_("evaluation.final_account"),
]  # fmt: skip
# Bed-day checks (census days against hospital stays and deaths).
BED_DAY_FLAGS = [N_("bed_day_while_inpatient"), N_("bed_day_after_death")]
BED_DAY_RESOLUTIONS = [N_("refused")]
AUDIT_ACTIONS += [N_("bed_day_flag.explain"), N_("bed_day_flag.resolve")]
AUDIT_ENTITIES += [N_("bed_day_flag")]
# Assessment quality: an assessment's flags and a spot re-assessment's result.
ASSESSMENT_FLAG_WORDS = {
    "assessed_away_from_home": N_("Assessed away from the home"),
    "assessment_too_short": N_("Assessment too short"),
}
SPOT_OUTCOME_WORDS = {
    "agrees": N_("Agrees with the conclusion"), "higher": N_("Higher level found"), "lower": N_("Lower level found"),
}  # fmt: skip
AUDIT_ACTIONS += [N_("spot_check.draw"), N_("spot_check.result")]
AUDIT_ENTITIES += [N_("spot_check")]

# Rolling out and remote villages (DOMAIN §9)
ROLES.append(N_("town_agent"))
BENEFITS = {
    "home_care": N_("Care at home"),
    "institutional_care": N_("Care in an institution"),
    "family_care_allowance": N_("Family-care allowance"),
    "grouped_visits": N_("Grouped visits on fixed days"),
}
RELIEF_GROUPS = {
    "medical_aid": N_("Medical aid (医疗救助)"),
    "dibao": N_("Minimum living allowance (低保)"),
    "tekun": N_("Extreme poverty support (特困)"),
}
WEEKDAYS = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")]

# The rollout town by town: a placement of a care mode the person's town does not offer.
ASSIGNMENT_REASONS.append(N_("benefit_not_offered_in_town"))
# Families and village agents filing and following an application without an account.
FILERS = {
    "self": N_("The applicant themself"),
    "family": N_("A family member"),
    "village_agent": N_("The village's agent"),
}
FOLLOW_VISIT_OUTCOMES = {"done": N_("Done"), "missed": N_("Missed")}
AUDIT_ACTIONS += [N_("application.file_public"), N_("application.follow"), N_("evaluation.family_answer")]
# Remote benefits: the town agent's monthly check, the settlement's new lines (DOMAIN §9)
CHECK_KINDS = {"visit": N_("Home visit"), "call": N_("Phone call")}
CHECK_FINDINGS = {
    "ok": N_("Cared for"),
    "not_at_home": N_("Not at home"),
    "care_lacking": N_("Care lacking"),
    "died": N_("Died"),
    "moved": N_("Moved away"),
}
# Why a month's family-care allowance is held (the line's note).
FAMILY_CARE_HOLDS = {
    "check_missing": N_("Held: no check this month"),
    "care_lacking": N_("Held: the check found the care lacking"),
    "died": N_("Held: the check found the person died"),
    "moved": N_("Held: the check found the person moved away"),
    "no_conclusion": N_("Held: no valid assessment conclusion gives the level"),
}
SETTLEMENT_LINE_KINDS += [N_("travel"), N_("family_care")]
SETTLEMENT_UNITS += [N_("visit"), N_("month")]
AUDIT_ACTIONS += [N_("remote_benefit.grant"), N_("remote_benefit.end"), N_("remote_check.record")]
AUDIT_ENTITIES += [N_("remote_benefit")]
ASSIGNMENT_REASONS.append(N_("grouped_visits"))  # placed with the provider of a remote village's grouped visits
# Relief of the personal share (一站式): the civil-affairs registry and the relief fund's statement.
JOB_TITLES["import_relief"] = N_("Importing the civil-affairs list of hardship groups")
AUDIT_ACTIONS += [N_("relief.upload"), N_("relief.import"), N_("relief.reimburse")]
AUDIT_ENTITIES += [N_("relief_statement")]
RELIEF_FIELDS = {
    "id_number": N_("Id number"),
    "name": N_("Name"),
    "group": N_("Hardship group"),
    "from": N_("From"),
    "to": N_("To"),
}
