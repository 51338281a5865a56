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

# The audit trail in words: each recorded action as what happened, each kind of record by
# its name. An action missing here is shown as a change to its record (see audit_action_words).
AUDIT_ACTIONS = {
    "application.accept": N_("Application accepted and assessors assigned"),
    "application.renewal": N_("Re-assessment opened ahead of expiry"),
    "application.submit": N_("Application submitted"),
    "assessment.finalize": N_("Conclusion made final"),
    "assessment.object": N_("Objection raised"),
    "assessment.publish": N_("Conclusion published for notice"),
    "assessment.submit": N_("Assessment submitted"),
    "assignment.assign": N_("Beneficiary placed with a provider"),
    "assignment.reoptimise": N_("Assignment re-optimised"),
    "audit.archive": N_("Audit trail archived"),
    "audit.verify": N_("Audit trail verified"),
    "bench.insert": N_("Benchmark data inserted"),
    "care_plan.adjust": N_("Care plan adjusted"),
    "care_plan.confirm": N_("Care plan confirmed"),
    "care_plan.create": N_("Care plan created"),
    "caregiver.create": N_("Caregiver added"),
    "census.record": N_("Daily census recorded"),
    "demo.seed": N_("Demo data loaded"),
    "evidence.add": N_("Evidence attached"),
    "export.personal_data": N_("Personal data exported"),
    "fund.contribution": N_("Fund contribution recorded"),
    "hospital_stays.import": N_("Hospital stays imported"),
    "password_change.failure": N_("Password change refused (wrong current password)"),
    "person.anonymise": N_("Person anonymised"),
    "person.choose_provider": N_("Provider chosen by the person"),
    "person.data_report": N_("Personal data report made"),
    "person.death": N_("Death recorded"),
    "person.register": N_("Person registered"),
    "person.view_identity": N_("Full identity number viewed"),
    "provider.activate": N_("Provider's agreement activated"),
    "provider.create": N_("Provider registered"),
    "provider.designate": N_("Provider designated"),
    "provider.evaluation": N_("Annual evaluation recorded"),
    "provider.reinstate": N_("Provider reinstated"),
    "provider.suspend": N_("Provider's agreement suspended"),
    "provider.terminate": N_("Provider's agreement terminated"),
    "provider.update": N_("Provider's details changed"),
    "session.end": N_("Session ended by the security administrator"),
    "session.sign_out": N_("Signed out"),
    "settlement.approve": N_("Settlement approved"),
    "settlement.build": N_("Settlement drafted"),
    "settlement.correction": N_("Settlement correction recorded"),
    "settlement.pay": N_("Settlement paid"),
    "settlement.rebuild": N_("Settlement rebuilt"),
    "settlement.reject": N_("Settlement rejected"),
    "settlement.submit": N_("Settlement submitted"),
    "sign_in.failure": N_("Sign-in failed"),
    "sign_in.lock": N_("Sign-in locked after repeated failures"),
    "sign_in.success": N_("Signed in"),
    "user.assign_role": N_("Role given to a user"),
    "user.create": N_("User account opened"),
    "user.disable": N_("User account disabled"),
    "user.enable": N_("User account enabled"),
    "user.password_change": N_("Password changed"),
    "user.reset_password": N_("Password reset by the administrator"),
    "visit.add": N_("Unscheduled visit added"),
    "visit_exception.explain": N_("Visit exception explained"),
    "visit_exception.resolve": N_("Visit exception decided"),
}
AUDIT_RECORDS = {
    "application": N_("Application"),
    "assessment": N_("Assessment"),
    "audit": N_("Audit trail"),
    "bench": N_("Benchmark"),
    "care_plan": N_("Care plan"),
    "caregiver": N_("Caregiver"),
    "census": N_("Census"),
    "district": N_("District"),
    "evidence": N_("Evidence"),
    "hospital_stay": N_("Hospital stay"),
    "ledger_entry": N_("Fund ledger entry"),
    "person": N_("Person"),
    "provider": N_("Provider"),
    "session": N_("Session"),
    "settlement": N_("Settlement"),
    "settlement_correction": N_("Settlement correction"),
    "sign_in": N_("Sign-in"),
    "user": N_("User"),
    "visit": N_("Visit"),
    "visit_exception": N_("Visit exception"),
}
OTHER_CHANGE = N_("Change to a record")


def audit_action_words(action: str) -> str:
    """The untranslated words for an audit action (templates pass them through _())."""
    return AUDIT_ACTIONS.get(action, OTHER_CHANGE)


def audit_record_words(entity: str) -> str:
    return AUDIT_RECORDS.get(entity, OTHER_RECORD)


OTHER_RECORD = N_("Record")
