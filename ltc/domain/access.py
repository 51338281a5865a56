"""Who may do and see what (DOMAIN.md §7): one table of actions and the roles allowed each,
and one scope rule. Guards, pages, services and jobs all read this table, so a button is
shown exactly when the service behind it would accept the click."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ltc.domain.errors import Forbidden, NotFound


class Role(StrEnum):
    # The administrator's powers, split in three separated duties (三员分立): no account
    # holds two of them, and none sees the business records.
    SYSADMIN = "sysadmin"  # 系统管理员: users and configuration
    SECADMIN = "secadmin"  # 安全管理员: roles, keys, password and session policy
    AUDITOR = "auditor"  # 安全审计员: reads and verifies the audit trail, and nothing else
    BUREAU = "bureau"
    ASSESSOR = "assessor"
    EXPERT = "expert"
    AGENCY = "agency"
    CAREGIVER = "caregiver"  # 护理人员: their own visits on their own phone, in their own name
    SUPERVISOR = "supervisor"  # 基金监管: reviews, inspects and sanctions; reads settlements, never approves them
    TOWN_AGENT = "town_agent"  # 镇街经办: files applications for the town's people, checks remote benefits monthly


ADMINISTRATOR_DUTIES = frozenset({Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR})
REGION_WIDE_ROLES = frozenset({Role.BUREAU, Role.SUPERVISOR})


class Action(StrEnum):
    """Every act a signed-in user may be allowed or refused."""

    MANAGE_USERS = "users.manage"  # create, disable and enable accounts
    READ_USERS = "users.read"
    ASSIGN_ROLES = "users.assign_role"
    MANAGE_SESSIONS = "sessions.manage"  # list and end other users' sessions
    READ_AUDIT = "audit.read"
    VERIFY_AUDIT = "audit.verify"
    READ_PERSONS = "person.read"  # find persons and read their record, as far as the scope reaches
    REGISTER_PERSON = "person.register"
    GEOCODE_PERSONS = "person.geocode"
    FILE_APPLICATION = "application.file"
    ACCEPT_APPLICATION = "application.accept"
    ASSESS = "assessment.record"
    DECIDE_ASSESSMENT = "assessment.decide"
    READ_CONCLUSIONS = "conclusion.read"
    MANAGE_PROVIDERS = "provider.manage"
    MANAGE_CAREGIVERS = "caregiver.manage"
    ASSIGN = "assignment.run"
    READ_CARE_PLAN = "care_plan.read"
    WRITE_CARE_PLAN = "care_plan.write"
    GENERATE_VISITS = "visits.generate"
    READ_CARE_RECORDS = "care_records.read"  # visits, their alerts and exceptions, the census
    RECORD_VISIT = "visit.record"  # add a visit, watch the provider's alerts and unscheduled slots
    CHECK_IN_OUT = "visit.check"  # record a visit's check-in and check-out
    READ_OWN_VISITS = "visit.read_own"  # a caregiver's own visits and nothing else
    MANAGE_PRESENCE_CARDS = "presence_card.manage"  # print a home's presence card, rotate it
    EXPLAIN_EXCEPTION = "exception.explain"
    RESOLVE_EXCEPTION = "exception.resolve"
    SWEEP_ALERTS = "alerts.sweep"
    IMPORT_RECORDS = "records.import"
    RECORD_CENSUS = "census.record"
    READ_SETTLEMENTS = "settlement.read"
    BUILD_SETTLEMENTS = "settlement.build"
    REBUILD_SETTLEMENT = "settlement.rebuild"
    SUBMIT_SETTLEMENT = "settlement.submit"
    APPROVE_SETTLEMENT = "settlement.approve"
    REJECT_SETTLEMENT = "settlement.reject"
    PAY_SETTLEMENTS = "settlement.pay"
    CORRECT_SETTLEMENT = "settlement.correct"
    READ_FUND = "fund.read"
    RECORD_CONTRIBUTION = "fund.contribute"
    ROTATE_DATA_KEYS = "keys.rotate"
    REPORT_PERSONAL_DATA = "person.data_report"
    ANONYMISE_PERSON = "person.anonymise"
    READ_POLICY = "policy.read"  # the city's dated policy versions, read-only
    # Fund supervision (DOMAIN §8)
    READ_SUPERVISION = "supervision.read"  # risk scores, the dashboard, review samples, tip-offs
    REVIEW_SAMPLES = "review.decide"  # confirm, adjust or refuse a sampled settlement line
    RUN_INSPECTIONS = "inspection.run"  # open cases, record findings and outcomes
    READ_INSPECTIONS = "inspection.read"  # cases, findings and outcomes (an agency: those about itself)
    RESPOND_TO_INSPECTION = "inspection.respond"  # the provider reports its rectification
    RECORD_TIP_OFF = "tip_off.record"  # a tip-off taken on the bureau's hotline; its reward
    READ_CREDIT = "credit.read"  # credit points, levels and bars (an agency: its own and its caregivers')
    SELF_EVALUATE = "evaluation.self"  # the provider's own annual self-evaluation (自查自评)
    SCORE_EVALUATION = "evaluation.score"  # the bureau's annual scoring and grade
    MANAGE_BUDGET = "fund.budget"  # the year's budget, advance payments
    RUN_WHAT_IF = "fund.what_if"  # re-price settled months under a draft policy
    # Rolling out and remote villages (DOMAIN §9)
    READ_TOWNS = "towns.read"  # the towns, when the scheme opens in each, figures by town and phase
    GRANT_REMOTE_BENEFIT = "remote_benefit.grant"  # a family-care allowance or grouped visits where no provider reaches
    RECORD_REMOTE_CHECK = "remote_check.record"  # the month's visit or call to a family-care household
    READ_REMOTE_BENEFITS = "remote_benefit.read"
    MANAGE_RELIEF = "relief.manage"  # the civil-affairs registry of hardship groups, the relief fund's reimbursement
    READ_RELIEF = "relief.read"  # the relief fund's monthly statement
    RUN_SITING = "siting.run"  # where new providers (or a larger radius) would serve the uncovered


_BUREAU = frozenset({Role.BUREAU})
_BUREAU_OR_AGENCY = frozenset({Role.BUREAU, Role.AGENCY})
_ASSESSORS = frozenset({Role.ASSESSOR, Role.EXPERT})
_AGENCY = frozenset({Role.AGENCY})
_BUREAU_ONLY = frozenset({Role.BUREAU})  # the fund's money moves on an officer's word alone
_SUPERVISOR = frozenset({Role.SUPERVISOR})
_BUREAU_OR_SUPERVISOR = frozenset({Role.BUREAU, Role.SUPERVISOR})

ALLOWED: Mapping[Action, frozenset[Role]] = {
    Action.MANAGE_USERS: frozenset({Role.SYSADMIN}),
    Action.READ_USERS: frozenset({Role.SYSADMIN, Role.SECADMIN}),
    Action.ASSIGN_ROLES: frozenset({Role.SECADMIN}),
    Action.MANAGE_SESSIONS: frozenset({Role.SECADMIN}),  # session policy is the security administrator's
    # The bureau reads the trail of its business; the audit administrator reads and
    # verifies all of it. The system and security administrators, whose acts it records, do not.
    Action.READ_AUDIT: frozenset({Role.BUREAU, Role.AUDITOR}),
    Action.VERIFY_AUDIT: frozenset({Role.AUDITOR}),
    # Each reads only the persons that concern them (services.persons.visible_person_filter).
    Action.READ_PERSONS: frozenset(
        {Role.BUREAU, Role.ASSESSOR, Role.EXPERT, Role.AGENCY, Role.SUPERVISOR, Role.TOWN_AGENT}
    ),
    Action.REGISTER_PERSON: frozenset({Role.BUREAU, Role.AGENCY, Role.TOWN_AGENT}),
    Action.GEOCODE_PERSONS: _BUREAU,
    Action.FILE_APPLICATION: frozenset({Role.BUREAU, Role.AGENCY, Role.TOWN_AGENT}),
    Action.ACCEPT_APPLICATION: _BUREAU,
    Action.ASSESS: _ASSESSORS,
    Action.DECIDE_ASSESSMENT: _BUREAU,
    Action.READ_CONCLUSIONS: frozenset({Role.BUREAU, Role.EXPERT, Role.SUPERVISOR}),
    Action.MANAGE_PROVIDERS: _BUREAU,
    Action.MANAGE_CAREGIVERS: _BUREAU_OR_AGENCY,
    Action.ASSIGN: _BUREAU,
    Action.READ_CARE_PLAN: frozenset({Role.BUREAU, Role.AGENCY, Role.EXPERT, Role.SUPERVISOR}),
    Action.WRITE_CARE_PLAN: _BUREAU_OR_AGENCY,
    Action.GENERATE_VISITS: _BUREAU_OR_AGENCY,
    Action.READ_CARE_RECORDS: frozenset({Role.BUREAU, Role.AGENCY, Role.SUPERVISOR}),
    Action.RECORD_VISIT: _AGENCY,
    Action.CHECK_IN_OUT: frozenset({Role.AGENCY, Role.CAREGIVER}),
    Action.READ_OWN_VISITS: frozenset({Role.CAREGIVER}),
    Action.MANAGE_PRESENCE_CARDS: _BUREAU_OR_AGENCY,
    Action.EXPLAIN_EXCEPTION: _AGENCY,
    Action.RESOLVE_EXCEPTION: _BUREAU,
    Action.SWEEP_ALERTS: _BUREAU,
    Action.IMPORT_RECORDS: _BUREAU,
    Action.RECORD_CENSUS: _AGENCY,
    Action.READ_SETTLEMENTS: frozenset(
        {Role.BUREAU, Role.AGENCY, Role.SUPERVISOR}
    ),  # the supervisor reads, never approves
    Action.BUILD_SETTLEMENTS: _BUREAU_ONLY,  # a draft is the bureau's reckoning of the month
    Action.REBUILD_SETTLEMENT: _BUREAU_ONLY,  # rebuilding is building the month again
    Action.SUBMIT_SETTLEMENT: frozenset({Role.BUREAU, Role.AGENCY}),
    Action.APPROVE_SETTLEMENT: _BUREAU_ONLY,
    Action.REJECT_SETTLEMENT: _BUREAU_ONLY,
    Action.PAY_SETTLEMENTS: _BUREAU_ONLY,
    Action.CORRECT_SETTLEMENT: _BUREAU,
    Action.READ_FUND: _BUREAU_OR_SUPERVISOR,
    Action.RECORD_CONTRIBUTION: _BUREAU,
    Action.ROTATE_DATA_KEYS: frozenset({Role.SECADMIN}),
    # What is held about a person, and erasing it, are the bureau's answer to the person.
    Action.REPORT_PERSONAL_DATA: _BUREAU_ONLY,
    Action.ANONYMISE_PERSON: _BUREAU_ONLY,
    # The administrator keeps the policy versions in view (DOMAIN.md §7); the bureau works under them.
    Action.READ_POLICY: frozenset({Role.SYSADMIN, Role.BUREAU, Role.SUPERVISOR}),
    Action.READ_SUPERVISION: _BUREAU_OR_SUPERVISOR,
    # The officer who approves a settlement does not also re-review its sample (separated duties).
    Action.REVIEW_SAMPLES: _SUPERVISOR,
    Action.RUN_INSPECTIONS: _SUPERVISOR,
    Action.READ_INSPECTIONS: frozenset({Role.BUREAU, Role.SUPERVISOR, Role.AGENCY}),
    Action.RESPOND_TO_INSPECTION: _AGENCY,
    Action.RECORD_TIP_OFF: _BUREAU_OR_SUPERVISOR,
    Action.READ_CREDIT: frozenset({Role.BUREAU, Role.SUPERVISOR, Role.AGENCY}),
    Action.SELF_EVALUATE: _AGENCY,
    Action.SCORE_EVALUATION: _BUREAU_ONLY,  # the grade releases money: the bureau's word, as approval is
    Action.MANAGE_BUDGET: _BUREAU_ONLY,
    Action.RUN_WHAT_IF: _BUREAU_OR_SUPERVISOR,
    Action.READ_TOWNS: frozenset({Role.BUREAU, Role.SUPERVISOR, Role.TOWN_AGENT}),
    Action.GRANT_REMOTE_BENEFIT: _BUREAU_ONLY,
    Action.RECORD_REMOTE_CHECK: frozenset({Role.TOWN_AGENT}),
    Action.READ_REMOTE_BENEFITS: frozenset({Role.BUREAU, Role.SUPERVISOR, Role.TOWN_AGENT}),
    Action.MANAGE_RELIEF: _BUREAU_ONLY,
    Action.READ_RELIEF: _BUREAU_OR_SUPERVISOR,
    Action.RUN_SITING: _BUREAU_OR_SUPERVISOR,
}


def roles_allowed(action: Action) -> frozenset[Role]:
    return ALLOWED[action]


@dataclass(frozen=True)
class Actor:
    """The signed-in user on whose behalf a service acts."""

    user_id: int
    username: str
    role: Role
    provider_id: int | None = None
    display_name: str = ""
    caregiver_id: int | None = None  # the caregiver a caregiver's account is
    town_id: int | None = None  # the town a town agent's account works for

    @property
    def sees_whole_region(self) -> bool:
        return self.role in REGION_WIDE_ROLES

    @property
    def sees_full_id_numbers(self) -> bool:
        # Identity numbers are shown unmasked to the bureau only (DOMAIN.md §7).
        return self.role == Role.BUREAU

    def may(self, action: Action) -> bool:
        return self.role in ALLOWED[action]

    @property
    def provider_scope(self) -> int | None:
        """The one provider whose records this actor may see, or None for no such limit.
        An agency user whose account names no provider sees none (scope 0 matches no row), nor
        does an administrator: their duties need no provider's records."""
        if self.role in (Role.AGENCY, Role.CAREGIVER):
            return self.provider_id or 0
        if self.role in ADMINISTRATOR_DUTIES or self.role == Role.TOWN_AGENT:
            return 0
        return None

    @property
    def town_scope(self) -> int | None:
        """The one town whose people this actor may see, or None for no such limit: a town
        agent sees the people of their own town (an account naming none sees none)."""
        if self.role == Role.TOWN_AGENT:
            return self.town_id or 0
        return None

    @property
    def caregiver_scope(self) -> int | None:
        """The one caregiver whose visits this actor may see, or None for no such limit: a
        caregiver sees only their own (an account naming none sees none)."""
        if self.role == Role.CAREGIVER:
            return self.caregiver_id or 0
        return None


def require(actor: Actor, action: Action) -> None:
    if not actor.may(action):
        raise Forbidden(f"role {actor.role} may not do this", code="role_not_allowed")


def require_provider_visible(actor: Actor, provider_id: int) -> None:
    """An agency sees only its own provider; another's records answer 'not found' so their
    existence is not revealed."""
    scope = actor.provider_scope
    if scope is not None and scope != provider_id:
        raise NotFound("no such provider", code="provider_not_found")


def validate_role_assignment(role: Role, provider_id: int | None) -> None:
    """Agency users and caregivers belong to exactly one provider. Assessors and experts may name the provider
    that employs them, which only serves the conflict-of-interest rule and grants no access."""
    if role in (Role.AGENCY, Role.CAREGIVER) and provider_id is None:
        raise Forbidden(
            "an agency user needs a provider", code="agency_needs_provider", errors=[{"field": "provider_id"}]
        )
    if role not in (Role.AGENCY, Role.CAREGIVER, Role.ASSESSOR, Role.EXPERT) and provider_id is not None:
        raise Forbidden(
            "only agency users, assessors and experts belong to a provider",
            code="provider_not_allowed",
            errors=[{"field": "provider_id"}],
        )


def validate_town_assignment(role: Role, town_id: int | None) -> None:
    """A town agent works for exactly one town; no other account names a town."""
    if role == Role.TOWN_AGENT and town_id is None:
        raise Forbidden("a town agent needs a town", code="town_agent_needs_town", errors=[{"field": "town_id"}])
    if role != Role.TOWN_AGENT and town_id is not None:
        raise Forbidden("only town agents belong to a town", code="town_not_allowed", errors=[{"field": "town_id"}])


def validate_account_role(role: Role, *, by_operator: bool) -> None:
    """An administrator's account is opened by the operator at the command line (``ltc
    createuser``), never by another administrator through the app."""
    if role in ADMINISTRATOR_DUTIES and not by_operator:
        raise Forbidden(
            "administrator accounts are created by the operator at the command line",
            code="administrator_created_by_operator",
        )


def validate_caregiver_account(role: Role, *, for_caregiver: bool) -> None:
    """A caregiver's account is opened by their agency from the caregiver's record, so that
    it names the caregiver it is; and only such an account has the caregiver role."""
    if (role == Role.CAREGIVER) != for_caregiver:
        raise Forbidden(
            "a caregiver's account is opened by their agency, from the caregiver's record",
            code="caregiver_account_by_agency",
        )


def validate_role_change(current: Role, new: Role) -> None:
    """An administrator's duty is fixed for the account's life: no account moves into,
    out of or between the three duties, so none ever holds two of them (the database
    refuses it too)."""
    if current != new and (current in ADMINISTRATOR_DUTIES or new in ADMINISTRATOR_DUTIES):
        raise Forbidden("an administrator's duty cannot change", code="administrator_duty_fixed")
    if current != new and Role.CAREGIVER in (current, new):
        raise Forbidden("a caregiver's account stays a caregiver's", code="caregiver_account_by_agency")


def check_own_town(actor: Actor, town_id: int | None) -> None:
    """A town agent registers and files only for the people of their own town."""
    scope = actor.town_scope
    if scope is not None and town_id != scope:
        raise Forbidden(
            "a town agent works only for their own town", code="town_outside_scope", errors=[{"field": "town"}]
        )
