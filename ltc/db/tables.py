"""Piccolo tables. Money is integer fen (BigInt); times are aware UTC; every foreign key
says ``on_delete=restrict`` because Piccolo's default CASCADE would delete history."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Bytea,
    Column,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.table import Table


def _fk(references: type[Table] | str, **kwargs) -> ForeignKey:
    return ForeignKey(
        references=references,
        on_delete=OnDelete.restrict,
        on_update=OnUpdate.restrict,
        **kwargs,
    )


class Town(Table, tablename="town"):
    """A town or subdistrict of the district (the administrative unit of the demo data)."""

    id: Serial  # the primary key Piccolo adds

    code = Varchar(length=12, unique=True)
    name = Varchar(length=64)
    name_en = Varchar(length=64)
    kind = Varchar(length=16)
    terrain = Varchar(length=16)
    lat = DoublePrecision()
    lon = DoublePrecision()
    share_60plus = DoublePrecision()


class Provider(Table, tablename="provider"):
    """A designated care provider (定点护理服务机构)."""

    id: Serial  # the primary key Piccolo adds

    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    name_en = Varchar(length=200, default="")
    kind = Varchar(length=16)  # home | institutional | both
    status = Varchar(length=16, default="active", index=True)
    town = _fk(Town, null=True)
    address = Varchar(length=300, default="")
    lat = DoublePrecision()
    lon = DoublePrecision()
    service_radius_km = DoublePrecision(default=0.0)
    capacity = Integer(default=0)
    hourly_price_fen = BigInt(default=0)
    daily_price_fen = BigInt(default=0)
    created_at = Timestamptz()
    # The service agreement (服务协议): applied → designated → active → suspended → terminated.
    designation_batch = Varchar(length=32, default="")
    designated_on = Date(null=True, default=None)
    terminated_on = Date(null=True, default=None)
    # Unified social credit code of the organisation: a terminated one may not be re-designated for years.
    credit_code = Varchar(length=18, default="", index=True)


class Caregiver(Table, tablename="caregiver"):
    """A caregiver (护理人员) employed by a provider."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    name = Varchar(length=64)
    qualification = Varchar(length=32)  # elderly_carer | medical_carer | nurse
    lat = DoublePrecision()
    lon = DoublePrecision()
    weekly_hours = Integer(default=40)
    active = Boolean(default=True)
    created_at = Timestamptz()
    skills = JSON(default="[]")  # service item codes the caregiver may perform
    # Personal data sealed like a person's (migration 0021): the id number findable by blind index.
    id_number_enc = Text(default="")
    id_number_index = Varchar(length=64, default="", index=True)
    phone_enc = Text(default="")
    data_key_id = Varchar(length=32, default="")
    certificate_no = Varchar(length=64, default="")
    certificate_expires_on = Date(null=True, default=None)
    working_days = JSON(default="[0, 1, 2, 3, 4, 5, 6]")  # weekday indexes, 0 = Monday; home care runs all week
    work_start = Varchar(length=5, default="08:00")  # local "HH:MM"
    work_end = Varchar(length=5, default="18:00")
    deactivated_reason = Text(default="")


class Person(Table, tablename="person"):
    """A resident who applies for (or receives) long-term care."""

    id: Serial  # the primary key Piccolo adds

    # Blanked: the id number, phone and address are stored encrypted below (migration 0013).
    # ``id_number`` keeps its UNIQUE NOT NULL constraint (SQLite cannot drop it) and holds a
    # placeholder derived from the blind index; phone and address stay empty.
    id_number = Varchar(length=18, unique=True)
    name = Varchar(length=64)
    sex = Varchar(length=8)
    birth_date = Date()
    phone = Varchar(length=20, default="")
    address = Varchar(length=300, default="")
    town = _fk(Town, null=True, index=True)
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    geocoded_by = Varchar(length=32, default="")
    insured = Boolean(default=True)
    insured_since = Date(null=True, default=None)
    created_at = Timestamptz()
    # The agency that registered the person on their behalf (it may see them).
    registered_by_provider = _fk(Provider, null=True, default=None)
    deceased_on = Date(null=True, default=None)
    # The provider the person (or family) asked for, honoured when it has room.
    preferred_provider = _fk(Provider, null=True, default=None)
    # Personal data at rest (ltc.domain.personal_data): envelopes bound to this row and column.
    id_number_enc = Text(default="")
    phone_enc = Text(default="")
    address_enc = Text(default="")
    # The keyed hash of the id number: lookups and uniqueness (a UNIQUE index of migration 0013:
    # SQLite cannot add a UNIQUE column to a table that exists).
    id_number_index = Varchar(length=64, null=True, default=None)
    # The keyed hash of the phone number: the person search's exact lookup (migration 0016).
    phone_index = Varchar(length=64, null=True, default=None, index=True)
    # The key every envelope of the row is sealed under; key rotation re-seals the others.
    data_key_id = Varchar(length=32, default="", index=True)


class AppUser(Table, tablename="app_user"):
    """A person who signs in: bureau officers, assessors, agency staff, administrators."""

    id: Serial  # the primary key Piccolo adds

    username = Varchar(length=64, unique=True)
    display_name = Varchar(length=100, default="")
    password_hash = Varchar(length=200, secret=True)
    role = Varchar(length=16, index=True)
    provider = _fk(Provider, null=True, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz()
    # When the password was last set; None for users from before the password policy (their
    # password's age then counts from created_at).
    password_changed_at = Timestamptz(null=True, default=None)
    # Set when an administrator resets the password: the one-time password must be changed
    # at the next sign-in.
    must_change_password = Boolean(default=False)
    # A caregiver's own sign-in names the caregiver it is (role ``caregiver``).
    caregiver = _fk(Caregiver, null=True, default=None, index=True)
    # A town agent's account names the town they work for (migration 0032).
    town = _fk(Town, null=True, default=None, index=True)


class UserSession(Table, tablename="user_session"):
    """A signed-in session: a page's cookie or an API bearer token. The client holds a random
    secret; only its SHA-256 is stored, so the table cannot be used to sign in."""

    id: Serial  # the primary key Piccolo adds

    secret_hash = Varchar(length=64, unique=True)  # hex SHA-256 of the secret
    app_user = _fk(AppUser, index=True, null=False)
    kind = Varchar(length=8)  # page | api
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    ended_reason = Varchar(length=32, default="")
    address = Varchar(length=64, default="")
    user_agent = Varchar(length=300, default="")


class PasswordHistory(Table, tablename="password_history"):
    """A user's earlier password hashes (argon2), so that a change cannot reuse them."""

    id: Serial  # the primary key Piccolo adds

    app_user = _fk(AppUser, index=True, null=False)
    password_hash = Varchar(length=200, secret=True)
    set_at = Timestamptz()


class SignInFailure(Table, tablename="sign_in_failure"):
    """One failed sign-in, counted against the account and the client address it came from:
    ``subject`` is ``account:<username>`` or ``address:<ip>``. Kept in the database so that
    every web process counts the same failures."""

    id: Serial  # the primary key Piccolo adds

    subject = Varchar(length=100, index=True)
    at = Timestamptz(index=True)


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what, when, to which record, and its state before and after."""

    id: Serial  # the primary key Piccolo adds

    at = Timestamptz(index=True)
    actor = _fk(AppUser, null=True, index=True)
    actor_name = Varchar(length=64)
    action = Varchar(length=64, index=True)
    entity = Varchar(length=64)
    entity_id = Varchar(length=64, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    reason = Text(default="")
    # The hash chain (ltc.domain.audit_chain): the entry's place, the previous entry's hash
    # and its own keyed hash. A row without a sequence number was written outside the chain.
    seq = BigInt(null=True, default=None)  # unique: an index of migration 0014
    # Searched by action, actor and record newest first: the (…, id) indexes of migration 0018.
    prev_hash = Varchar(length=80, default="")
    entry_hash = Varchar(length=80, default="")


class AuditAnchor(Table, tablename="audit_anchor"):
    """The chain's head (one row, id 1), rewritten and sealed with each write: a chain cut
    short no longer reaches it. On PostgreSQL writers lock it, so the chain never forks."""

    id: Serial  # the primary key Piccolo adds

    seq = BigInt(default=0)
    entry_hash = Varchar(length=80, default="")
    seal = Varchar(length=80, default="")
    updated_at = Timestamptz(null=True, default=None)


class AuditCheckpoint(Table, tablename="audit_checkpoint"):
    """A sealed boundary of the chain: the last archived entry, where the online chain's
    verification starts."""

    id: Serial  # the primary key Piccolo adds

    seq = BigInt(unique=True)
    entry_hash = Varchar(length=80, default="")
    seal = Varchar(length=80, default="")
    archived_before = Timestamptz(null=True, default=None)
    entries = Integer(default=0)
    created_at = Timestamptz()


class AuditArchive(Table, tablename="audit_archive"):
    """Audit entries past the online retention, moved here unchanged with their chain."""

    id: Serial  # the primary key Piccolo adds

    entry_id = BigInt(unique=True)  # the id it had in audit_entry
    seq = BigInt(unique=True)
    prev_hash = Varchar(length=80, default="")
    entry_hash = Varchar(length=80, default="")
    at = Timestamptz()
    actor = Integer(null=True, default=None)
    actor_name = Varchar(length=64)
    action = Varchar(length=64)
    entity = Varchar(length=64)
    entity_id = Varchar(length=64)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    reason = Text(default="")
    archived_at = Timestamptz()


class Job(Table, tablename="job"):
    """A long-running piece of work run by the arq worker; the row is the source of truth
    for its status, so losing the queue loses nothing."""

    id = UUID(primary_key=True)
    kind = Varchar(length=64, index=True)
    status = Varchar(length=16, default="queued", index=True)  # queued|running|done|failed
    progress = DoublePrecision(default=0.0)
    params = JSON(default="{}")
    result = JSON(null=True, default=None)
    error = Text(default="")
    created_by = _fk(AppUser, null=True)
    provider = _fk(Provider, null=True)
    created_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    # Raised each time the job goes back to the queue; a message for an older attempt is void.
    attempt = Integer(default=0)
    # Refreshed by the worker running the job; a stale one means that worker died.
    heartbeat_at = Timestamptz(null=True, default=None)
    # A part of a fanned-out job names its parent and has a key unique among all parts
    # ("<parent>:<n>"; unique: an index of migration 0041); a parent counts its parts.
    parent = UUID(null=True, default=None, index=True)
    part_key = Varchar(length=80, null=True, default=None)
    parts = Integer(default=0)
    parts_done = Integer(default=0)


class RegistryUpload(Table, tablename="registry_upload"):
    """An enrolment registry file as uploaded (CSV or XLSX), kept for the job that imports it:
    the worker may run on another machine than the web process that received it."""

    id: Serial  # the primary key Piccolo adds

    filename = Varchar(length=200)
    kind = Varchar(length=8)  # csv | xlsx
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    uploaded_by = _fk(AppUser, null=True, default=None)
    uploaded_at = Timestamptz()


class ReliefEnrolment(Table, tablename="relief_enrolment"):
    """A person's membership of a hardship group (医疗救助, 低保, 特困) as the civil-affairs
    registry lists it, from one day, to another or open (migration 0034). One row per
    (person, group, from day): importing the same file again changes nothing."""

    id: Serial  # the primary key Piccolo adds

    enrolment_key = Varchar(length=64, unique=True)  # "<person>:<group>:<from day>"
    person = _fk(Person, index=True)
    group = Varchar(length=32)
    from_day = Date()
    to_day = Date(null=True, default=None)
    source = _fk(RegistryUpload, null=True, default=None)  # the civil-affairs file it came from
    imported_at = Timestamptz()
    imported_by = _fk(AppUser, null=True, default=None)


class Application(Table, tablename="application"):
    """An application for a disability assessment (申请), or a renewal when a conclusion expires."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    kind = Varchar(length=16, default="initial")  # initial | renewal
    applied_on = Date()
    disabled_since = Date(null=True, default=None)
    care_mode = Varchar(length=16)  # home | institutional
    self_eval_instrument = Varchar(length=32, default="")
    self_eval_version = Varchar(length=16, default="")
    self_eval_answers = JSON(null=True, default=None)
    self_eval_grade = Varchar(length=2, default="")
    policy_version = Varchar(length=32)
    # submitted → accepted → assessed → publicised → (objected → reassessing → assessed) → final
    status = Varchar(length=16, index=True)
    round = Integer(default=1)
    renews_conclusion_id = Integer(null=True, default=None, unique=True)
    registered_by_provider = _fk(Provider, null=True, default=None)
    created_by = _fk(AppUser, null=True, default=None)
    created_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    # What a family quotes with the person's id number to follow it (migration 0035).
    reference = Varchar(length=20, null=True, default=None)  # unique: an index of migration 0035
    filed_by = Varchar(length=16, default="")  # self | family | village_agent on the public page; "" at a desk
    filer_enc = Text(default="")  # the filer's name and phone, sealed
    data_key_id = Varchar(length=32, default="")
    client_key = Varchar(length=64, default="", index=True)  # a keyed hash of the public page's address


class AssessorAssignment(Table, tablename="assessor_assignment"):
    """An assessor (or expert) on an application's team for one round."""

    id: Serial  # the primary key Piccolo adds

    application = _fk(Application, index=True)
    round = Integer()
    assessor = _fk(AppUser, index=True)
    team_key = Varchar(length=64, unique=True)  # application:round:assessor
    created_at = Timestamptz()


class AssessmentDraft(Table, tablename="assessment_draft"):
    """Answers saved as the assessor goes; one per application and round."""

    id: Serial  # the primary key Piccolo adds

    application = _fk(Application, index=True)
    round = Integer()
    draft_key = Varchar(length=32, unique=True)  # application:round
    instrument_code = Varchar(length=32)
    instrument_version = Varchar(length=16)
    answers = JSON(default="{}")
    client_saved_at = Timestamptz(null=True, default=None)
    updated_by = _fk(AppUser, null=True, default=None)
    updated_at = Timestamptz()


class Assessment(Table, tablename="assessment"):
    """A submitted on-site assessment: immutable answers and result, plus its notice,
    objection and conclusion dates as the workflow moves on."""

    id: Serial  # the primary key Piccolo adds

    application = _fk(Application, index=True)
    round = Integer()
    round_key = Varchar(length=32, unique=True)  # application:round — one submission per round
    idempotency_key = Varchar(length=64, unique=True)
    request_hash = Varchar(length=64)
    instrument_code = Varchar(length=32)
    instrument_version = Varchar(length=16)
    answers = JSON()
    result = JSON()
    level = Integer()
    severe = Boolean()
    assessor_ids = JSON()
    started_at = Timestamptz()
    finished_at = Timestamptz()
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    status = Varchar(length=16, index=True)  # submitted|publicised|objected|superseded|final
    submitted_by = _fk(AppUser, null=True, default=None)
    submitted_at = Timestamptz()
    published_on = Date(null=True, default=None)
    notice_until = Date(null=True, default=None)
    objection_reason = Text(default="")
    objected_at = Timestamptz(null=True, default=None)
    finalized_at = Timestamptz(null=True, default=None)
    valid_until = Date(null=True, default=None)
    superseded_by_id = Integer(null=True, default=None)


class Evidence(Table, tablename="evidence"):
    """A photo, video reference or document taken during an on-site assessment."""

    id: Serial  # the primary key Piccolo adds

    application = _fk(Application, index=True)
    round = Integer()
    kind = Varchar(length=16)  # photo | video | document
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    taken_at = Timestamptz(null=True, default=None)
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    uploaded_by = _fk(AppUser, null=True, default=None)
    uploaded_at = Timestamptz()
    # A video kept elsewhere (e.g. the assessment agency's archive) is recorded by reference.
    reference = Varchar(length=300, default="")


class Conclusion(Table, tablename="conclusion"):
    """A final conclusion (结论): the level a person holds until it expires or a later
    conclusion supersedes it. Severe conclusions make the person a beneficiary."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    application = _fk(Application, index=True)
    assessment = _fk(Assessment)
    level = Integer()
    severe = Boolean(index=True)
    care_mode = Varchar(length=16)
    valid_from = Date()
    valid_until = Date(index=True)
    status = Varchar(length=16, default="active", index=True)  # active | superseded | expired
    superseded_by_id = Integer(null=True, default=None)
    created_at = Timestamptz()


class AgreementEvent(Table, tablename="agreement_event"):
    """One step of a provider's service agreement, with its reason (the agreement history)."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    from_status = Varchar(length=16)
    to_status = Varchar(length=16)
    batch = Varchar(length=32, default="")
    effective_on = Date()
    reason = Text(default="")
    actor = _fk(AppUser, null=True, default=None)
    at = Timestamptz()


class ProviderEvaluation(Table, tablename="provider_evaluation"):
    """The annual evaluation (年度考核) score of a provider."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    year = Integer()
    evaluation_key = Varchar(length=32, unique=True)  # provider:year
    score = Integer()
    note = Text(default="")
    recorded_by = _fk(AppUser, null=True, default=None)
    recorded_at = Timestamptz()


class Assignment(Table, tablename="assignment"):
    """Who cares for a beneficiary: one active row per person; ended rows are the history.
    A person no provider can take has an `unassigned` row naming the nearest provider."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    conclusion = _fk(Conclusion, null=True, default=None)
    provider = _fk(Provider, null=True, default=None, index=True)
    care_mode = Varchar(length=16)
    status = Varchar(length=16, index=True)  # active | unassigned | ended
    distance_km = DoublePrecision(null=True, default=None)
    rank = Integer(null=True, default=None)
    reason = Varchar(length=32)
    nearest_provider = _fk(Provider, null=True, default=None)
    nearest_distance_km = DoublePrecision(null=True, default=None)
    # Unique while current ("person:<id>"), cleared when the row ends: one current row per person.
    current_key = Varchar(length=32, null=True, default=None, unique=True)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    ended_reason = Varchar(length=64, default="")


class GeocodeCache(Table, tablename="geocode_cache"):
    """Answers of the online geocoder, shared by every worker; a miss is remembered too."""

    id: Serial  # the primary key Piccolo adds

    query_key = Varchar(length=64, unique=True)  # sha256 of the normalised query and the service
    query = Text()
    service = Varchar(length=200)
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    display_name = Text(default="")
    fetched_at = Timestamptz()


class CarePlan(Table, tablename="care_plan"):
    """A beneficiary's care plan; every version is kept. One current row per person."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    provider = _fk(Provider, index=True)
    conclusion = _fk(Conclusion, null=True, default=None)
    version = Integer()
    version_key = Varchar(length=40, unique=True)  # "<person>:<version>"
    current_key = Varchar(length=32, null=True, default=None, unique=True)  # "person:<id>" while current
    level = Integer()
    care_mode = Varchar(length=16)
    items = JSON(default="[]")
    needs_nurse = Boolean(default=False)
    monthly_hours = Integer(default=0)
    visit_minutes = Integer(default=0)
    visits_per_month = Integer(default=0)
    slots = JSON(default="[]")  # [{"weekday": 0, "start": "09:00"}]
    bed_day_cap_fen = Integer(default=0)
    policy_version = Varchar(length=32)
    status = Varchar(length=16, index=True)  # draft | confirmed | superseded
    reason = Text(default="")
    confirmed_by = Varchar(length=64, default="")  # the person or family member who confirmed
    confirmed_at = Timestamptz(null=True, default=None)
    created_by = _fk(AppUser, null=True, default=None)
    created_at = Timestamptz()


class Visit(Table, tablename="visit"):
    """A home visit: planned by the scheduler (or added by the agency), then verified."""

    id: Serial  # the primary key Piccolo adds

    care_plan = _fk(CarePlan, null=True, default=None, index=True)
    person = _fk(Person, index=True)
    # provider, caregiver and status: indexed first in the list indexes (migrations 0020, 0045)
    provider = _fk(Provider)
    caregiver = _fk(Caregiver, null=True, default=None)
    # "<plan>:<slot start, UTC ISO>" for scheduled visits, "agency:<uuid>" for added ones.
    # On PostgreSQL unique with service_month (migration 0043: a partitioned table's keys hold
    # its partition key); as strict, the month being a function of the key.
    slot_key = Varchar(length=80, unique=True)
    planned_start = Timestamptz(index=True)
    planned_end = Timestamptz()
    # The slot's time window: planned_start lies from window_opens (the slot's start, in the
    # key) to window_closes (the last start allowed); null for agency-added visits.
    window_opens = Timestamptz(null=True, default=None)
    window_closes = Timestamptz(null=True, default=None)
    items = JSON(default="[]")
    source = Varchar(length=16, default="schedule")  # schedule | agency
    status = Varchar(length=16, default="planned")  # planned | in_progress | done | cancelled
    checked_in_at = Timestamptz(null=True, default=None)
    checked_out_at = Timestamptz(null=True, default=None)
    done_items = JSON(default="[]")
    flags = JSON(default="[]")
    alerts = JSON(default="[]")
    created_at = Timestamptz()
    updated_at = Timestamptz()
    person_confirmation = Varchar(length=100, default="")
    # The first day of the month (Asia/Shanghai) its visit is kept under: the partition key on
    # PostgreSQL. NOT NULL there (migration 0040); every insert gives it.
    service_month = Date(null=True, default=None)


class VisitEventRecord(Table, tablename="visit_event"):
    """Every check-in and check-out received (the visit's state is folded from these)."""

    id: Serial  # the primary key Piccolo adds

    visit = _fk(Visit, index=True)
    event_id = UUID(unique=True)  # with service_month on PostgreSQL (0043; see the check-in's duplicate_event)
    kind = Varchar(length=16)
    at = Timestamptz()
    server_received_at = Timestamptz()
    lat = DoublePrecision()
    lon = DoublePrecision()
    accuracy_m = DoublePrecision(default=0)
    items = JSON(default="[]")
    recorded_by = _fk(AppUser, null=True, default=None)
    outcome = Varchar(length=32)
    # How the person or family confirmed the service at check-out (e.g. 本人签字, 家属短信确认).
    person_confirmation = Varchar(length=100, default="")
    # What the presence code proved at the event's time (never the code itself): "" (none
    # given) | time_code | household_code | invalid (ltc.domain.presence).
    presence = Varchar(length=16, default="")
    performed_by = _fk(Caregiver, null=True, default=None)  # None: the visit's planned caregiver
    evidence = JSON(default="[]")  # the kinds kept in visit_evidence: photo | signature
    # The first day of the month (Asia/Shanghai) its visit is kept under: the partition key on
    # PostgreSQL. NOT NULL there (migration 0040); every insert gives it.
    service_month = Date(null=True, default=None)


class VisitEvidence(Table, tablename="visit_evidence"):
    """A photo taken at check-in or the family's signature at check-out, kept with the event's
    time and position; one per event and kind (a replayed event keeps the first)."""

    id: Serial  # the primary key Piccolo adds

    visit = _fk(Visit, index=True)
    event_id = UUID()
    evidence_key = Varchar(length=60, unique=True)  # "<event_id>:<kind>"; with service_month on PostgreSQL (0043)
    kind = Varchar(length=16)  # photo | signature
    content_type = Varchar(length=32)
    size_bytes = Integer()
    sha256 = Varchar(length=64)  # of the clear content
    content = Bytea()  # sealed under ``data_key_id`` (in clear when that is "", from before sealing)
    data_key_id = Varchar(length=32, default="", index=True)
    taken_at = Timestamptz()
    lat = DoublePrecision()
    lon = DoublePrecision()
    accuracy_m = DoublePrecision(default=0)
    uploaded_by = _fk(AppUser, null=True, default=None)
    uploaded_at = Timestamptz()
    # The first day of the month (Asia/Shanghai) its visit is kept under: the partition key on
    # PostgreSQL. NOT NULL there (migration 0040); every insert gives it.
    service_month = Date(null=True, default=None)


class PresenceCard(Table, tablename="presence_card"):
    """One generation of a person's presence card: its TOTP secret, sealed like personal data,
    and when it proves presence ([valid_from, valid_until); None: the card in use)."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    generation = Integer()  # 1, 2, … ; the secret's envelope is bound to (person, generation)
    card_key = Varchar(length=40, unique=True)  # "<person>:<generation>": one issue wins a race
    secret_enc = Text(default="")
    data_key_id = Varchar(length=32, default="")
    valid_from = Timestamptz()
    valid_until = Timestamptz(null=True, default=None)
    issued_by = _fk(AppUser, null=True, default=None)


class VisitException(Table, tablename="visit_exception"):
    """A verification flag on a visit: the agency explains it, the bureau resolves it."""

    id: Serial  # the primary key Piccolo adds

    visit = _fk(Visit, index=True)
    provider = _fk(Provider, index=True)
    code = Varchar(length=40)
    exception_key = Varchar(length=80, unique=True)  # "<visit>:<code>"
    status = Varchar(length=16, index=True)  # open | explained | resolved | withdrawn
    opened_at = Timestamptz()
    reason_code = Varchar(length=40, default="")
    explanation = Text(default="")
    explained_by = _fk(AppUser, null=True, default=None)
    explained_at = Timestamptz(null=True, default=None)
    resolution_code = Varchar(length=40, default="")
    resolution_note = Text(default="")
    resolved_by = _fk(AppUser, null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    # The first day of the month (Asia/Shanghai) its visit is kept under: the partition key on
    # PostgreSQL. NOT NULL there (migration 0040); every insert gives it.
    service_month = Date(null=True, default=None)


class VisitAlert(Table, tablename="visit_alert"):
    """Late, missed or missing check-out, raised by the sweep; clears itself when the event arrives."""

    id: Serial  # the primary key Piccolo adds

    visit = _fk(Visit, index=True)
    provider = _fk(Provider, index=True)
    kind = Varchar(length=24)
    alert_key = Varchar(length=60, unique=True)  # "<visit>:<kind>"
    raised_at = Timestamptz()
    cleared_at = Timestamptz(null=True, default=None, index=True)
    # The first day of the month (Asia/Shanghai) its visit is kept under: the partition key on
    # PostgreSQL. NOT NULL there (migration 0040); every insert gives it.
    service_month = Date(null=True, default=None)


class UnscheduledSlot(Table, tablename="unscheduled_slot"):
    """A visit the scheduler could not give to anyone, reported to the agency."""

    id: Serial  # the primary key Piccolo adds

    care_plan = _fk(CarePlan, index=True)
    provider = _fk(Provider, index=True)
    slot_key = Varchar(length=80, unique=True)
    slot_start = Timestamptz()
    slot_end = Timestamptz()
    reason = Varchar(length=40)
    reported_at = Timestamptz()


class HospitalStay(Table, tablename="hospital_stay"):
    """An inpatient stay imported from the hospitals (no home visits on those days)."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    stay_key = Varchar(length=64, unique=True)  # "<person>:<admitted_on>"
    admitted_on = Date()
    discharged_on = Date(null=True, default=None)
    hospital = Varchar(length=200, default="")
    imported_at = Timestamptz()


class CensusEntry(Table, tablename="census_entry"):
    """An institution's daily census of a resident: present, on leave, admitted or discharged."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    person = _fk(Person, index=True)
    day = Date(index=True)
    census_key = Varchar(length=48, unique=True)  # "<person>:<day>"
    status = Varchar(length=16)  # present | leave | admitted | discharged
    recorded_by = _fk(AppUser, null=True, default=None)
    recorded_at = Timestamptz()


class Settlement(Table, tablename="settlement"):
    """What the fund owes one provider for one month. Approved and paid rows never change
    (database triggers refuse it); ``version`` is the optimistic lock of If-Match."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    period = Varchar(length=7, index=True)  # YYYY-MM
    settlement_key = Varchar(length=32, unique=True)  # "<provider>:<period>"
    status = Varchar(length=16, index=True)  # draft | submitted | approved | rejected | paid
    version = Integer(default=1)
    gross_fen = BigInt(default=0)
    fund_fen = BigInt(default=0)
    personal_fen = BigInt(default=0)
    content_hash = Varchar(length=64, default="")
    built_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = _fk(AppUser, null=True, default=None)
    rejection_reason = Text(default="")
    paid_at = Timestamptz(null=True, default=None)
    relief_fen = BigInt(default=0)  # the relief fund's part of personal_fen (migration 0032)


class SettlementLine(Table, tablename="settlement_line"):
    id: Serial  # the primary key Piccolo adds
    settlement = _fk(Settlement, index=True)
    line_no = Integer()
    kind = Varchar(length=16)  # home | institutional | adjustment | deduction
    person = _fk(Person, null=True, default=None, index=True)
    level = Integer(null=True, default=None)
    quantity = Integer(default=0)
    unit = Varchar(length=16, default="")
    unit_price_fen = BigInt(null=True, default=None)
    gross_fen = BigInt(default=0)
    fund_fen = BigInt(default=0)
    personal_fen = BigInt(default=0)
    visit_ids = JSON(default="[]")
    excluded_visit_ids = JSON(default="[]")
    days = JSON(default="[]")
    leave_days = JSON(default="[]")
    verified_minutes = Integer(default=0)
    policy_version = Varchar(length=32, default="")
    adjusts_period = Varchar(length=7, null=True, default=None)
    note = Text(default="")
    correction_id = Integer(null=True, default=None)  # adjustment: the settlement_correction it carries
    outcome_id = Integer(null=True, default=None)  # recovery: the inspection_outcome it nets (migration 0028)
    relief_fen = BigInt(default=0)  # the relief fund's part of personal_fen (migration 0032)
    # The settlement period's first day: the partition key on PostgreSQL (NOT NULL there, 0040).
    service_month = Date(null=True, default=None)


class SettlementCorrection(Table, tablename="settlement_correction"):
    """A correction to an earlier, approved month, carried as an adjustment line into the
    next settlement built for the provider."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    person = _fk(Person, null=True, default=None)
    corrects_period = Varchar(length=7)
    amount_fen = BigInt()
    fund_fen = BigInt(null=True, default=None)
    reason = Text()
    created_by = _fk(AppUser, null=True, default=None)
    created_at = Timestamptz()
    applied_in = _fk(Settlement, null=True, default=None)  # set when an approved settlement carries it


class LedgerEntry(Table, tablename="ledger_entry"):
    """A balanced journal entry of the fund; never updated or deleted (triggers refuse it)."""

    id: Serial  # the primary key Piccolo adds

    source_id = Varchar(length=80, unique=True)
    kind = Varchar(length=16)  # approval | payment | contribution | reversal
    memo = Text(default="")
    settlement = _fk(Settlement, null=True, default=None)
    posted_at = Timestamptz(index=True)
    posted_by = _fk(AppUser, null=True, default=None)


class LedgerPosting(Table, tablename="ledger_posting"):
    id: Serial  # the primary key Piccolo adds
    entry = _fk(LedgerEntry, index=True)
    account = Varchar(length=40, index=True)
    debit_fen = BigInt(default=0)
    credit_fen = BigInt(default=0)


class CaregiverAbsence(Table, tablename="caregiver_absence"):
    """A caregiver's leave, sickness or training: no visit is planned for them from
    ``starts_at`` to ``ends_at``; recording one starts the job that re-plans their visits."""

    id: Serial  # the primary key Piccolo adds

    caregiver = _fk(Caregiver, index=True)
    provider = _fk(Provider, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    reason = Varchar(length=16)  # sick | leave | training | other
    note = Varchar(length=500, default="")
    created_by = _fk(AppUser, null=True, default=None)
    created_at = Timestamptz()
    cancelled_at = Timestamptz(null=True, default=None)
    cancelled_by = _fk(AppUser, null=True, default=None)
    job = UUID(null=True, default=None)  # the re-planning job it started


class Notice(Table, tablename="notice"):
    """A message in a user's in-app inbox: its words are rendered when read, in the reader's
    language, from ``kind`` and ``params``."""

    id: Serial  # the primary key Piccolo adds

    recipient = _fk(AppUser, index=True)
    kind = Varchar(length=32)
    params = JSON(default="{}")
    link = Varchar(length=300, default="")
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class Inspection(Table, tablename="inspection"):
    """An inspection case (稽核) about one provider over a span of months: routine (日常稽核),
    special (专项检查) or unannounced (飞行检查). Findings and outcomes hang on it."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    kind = Varchar(length=16)  # routine | special | unannounced
    period_from = Varchar(length=7)  # YYYY-MM
    period_to = Varchar(length=7)
    reason = Text(default="")
    status = Varchar(length=16, default="open", index=True)  # open | closed
    opened_by = _fk(AppUser, null=True, default=None)
    opened_at = Timestamptz()
    closed_at = Timestamptz(null=True, default=None)
    closed_by = _fk(AppUser, null=True, default=None)
    summary = Text(default="")  # the closing's (migration 0028)


class InspectionFinding(Table, tablename="inspection_finding"):
    """What an inspection found: a category of the policy's credit table (its points are
    deducted from the provider, and from each caregiver named), an amount wrongly paid, the
    persons and caregivers concerned."""

    id: Serial  # the primary key Piccolo adds

    inspection = _fk(Inspection, index=True)
    category = Varchar(length=32)
    description = Text(default="")
    amount_fen = BigInt(null=True, default=None)
    person_ids = JSON(default="[]")
    caregiver_ids = JSON(default="[]")
    points = Integer(default=0)  # deducted from the provider (and each caregiver named)
    recorded_by = _fk(AppUser, null=True, default=None)
    recorded_at = Timestamptz()


class InspectionOutcome(Table, tablename="inspection_outcome"):
    """A rung of the sanctions ladder taken on a case: interview, rectify (a deadline, the
    agency's answer, a follow-up check), suspend, terminate, recover, penalty (netted once in
    the provider's next approved settlement: ``applied_in``), refer, bar."""

    id: Serial  # the primary key Piccolo adds

    inspection = _fk(Inspection, index=True)
    provider = _fk(Provider, index=True)
    action = Varchar(length=16)
    deadline = Date(null=True, default=None)
    amount_fen = BigInt(null=True, default=None)
    note = Text(default="")
    referred_to = Varchar(length=32, default="")  # refer: police | discipline
    bar_years = Integer(null=True, default=None)  # bar: 1–5 years
    status = Varchar(length=16, default="done", index=True)  # done | awaiting | passed | failed
    response_note = Text(default="")
    responded_at = Timestamptz(null=True, default=None)
    responded_by = _fk(AppUser, null=True, default=None)
    follow_up_note = Text(default="")
    followed_up_at = Timestamptz(null=True, default=None)
    followed_up_by = _fk(AppUser, null=True, default=None)
    overdue_noticed_at = Timestamptz(null=True, default=None)
    recorded_by = _fk(AppUser, null=True, default=None)
    recorded_at = Timestamptz()
    applied_in = _fk(Settlement, null=True, default=None)  # recover, penalty: the approval that netted it


class InspectionFile(Table, tablename="inspection_file"):
    """A file kept with a case: evidence of a finding, or the agency's answer to a rectification."""

    id: Serial  # the primary key Piccolo adds

    inspection = _fk(Inspection, index=True)
    finding = Integer(null=True, default=None)
    outcome = Integer(null=True, default=None)
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size_bytes = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    uploaded_by = _fk(AppUser, null=True, default=None)
    uploaded_at = Timestamptz()


class CreditEvent(Table, tablename="credit_event"):
    """A change of a provider's or a caregiver's credit (信用): points deducted by a finding, or
    a bar (黑名单) until a day, kept with the provider's credit code or the caregiver's id
    number blind index so that it follows them to a new registration."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, null=True, default=None, index=True)
    caregiver = _fk(Caregiver, null=True, default=None, index=True)
    points = Integer(default=0)
    reason = Text(default="")
    inspection = _fk(Inspection, null=True, default=None)
    barred_until = Date(null=True, default=None)
    credit_code = Varchar(length=18, default="", index=True)
    id_number_index = Varchar(length=64, default="", index=True)
    recorded_by = _fk(AppUser, null=True, default=None)
    recorded_at = Timestamptz()


class PaymentHold(Table, tablename="payment_hold"):
    """A beneficiary's direct settlement suspended by a case: their lines are held out of the
    builds until the hold is lifted."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    inspection = _fk(Inspection, null=True, default=None)
    reason = Text(default="")
    held_by = _fk(AppUser, null=True, default=None)
    held_at = Timestamptz()
    lifted_at = Timestamptz(null=True, default=None)
    lifted_by = _fk(AppUser, null=True, default=None)


class FundBudget(Table, tablename="fund_budget"):
    """The year's budget of the fund (预算) for one month and care mode, entered by the bureau;
    set again, it replaces the figure (the audit keeps the earlier one)."""

    id: Serial  # the primary key Piccolo adds

    budget_key = Varchar(length=32, unique=True)  # "<YYYY-MM>:<care mode>"
    year = Integer(index=True)
    period = Varchar(length=7)  # YYYY-MM
    care_mode = Varchar(length=16)  # home | institutional
    amount_fen = BigInt(default=0)
    updated_by = _fk(AppUser, null=True, default=None)
    updated_at = Timestamptz()


class WhatIfDraft(Table, tablename="what_if_draft"):
    """A draft policy version for a what-if (测算): what it changes from the policy in force,
    who drew it and when, and its last run (a job whose result holds the figures)."""

    id: Serial  # the primary key Piccolo adds

    name = Varchar(length=80)
    changes = JSON(default="{}")  # policy field → the draft's value (ltc.domain.what_if.DRAFT_FIELDS)
    base_version = Varchar(length=32)  # the policy version in force when it was drawn
    created_by = _fk(AppUser, null=True, default=None)
    created_at = Timestamptz()
    last_job = UUID(null=True, default=None)
    last_run_at = Timestamptz(null=True, default=None)


class ReviewSample(Table, tablename="review_sample"):
    """A settlement line drawn for human review (复审) after the month's build, with why it was
    drawn and the supervisor's decision. ``line_id`` is no foreign key: a rebuild replaces the
    draft's lines, and the sample is drawn again (decisions on unchanged lines carried over by
    ``line_fingerprint``)."""

    id: Serial  # the primary key Piccolo adds

    settlement = _fk(Settlement, index=True)
    provider = _fk(Provider, index=True)
    period = Varchar(length=7, index=True)  # YYYY-MM
    line_id = Integer()
    line_fingerprint = Varchar(length=64, default="")
    person = _fk(Person, null=True, default=None)
    seed = BigInt(default=0)  # the draw's seed: the same lines and seed give the same sample
    drawn_for = Varchar(length=8)  # risk | random
    reasons = JSON(default="[]")
    score = DoublePrecision(default=0.0)
    status = Varchar(length=16, default="pending", index=True)  # pending | confirmed | adjusted | refused
    fund_fen_drawn = BigInt(default=0)  # the line's fund amount when drawn
    amount_fen = BigInt(null=True, default=None)  # adjusted: the line's fund amount decided
    note = Text(default="")
    drawn_at = Timestamptz()
    decided_by = _fk(AppUser, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)


class TipOff(Table, tablename="tip_off"):
    """A tip-off (举报) from the public form, the bureau's hotline or a social supervisor; the
    contact is personal data, sealed. Triaged into a case (or joined to one) or closed."""

    id: Serial  # the primary key Piccolo adds

    reference = Varchar(length=20, unique=True)  # what the citizen quotes, not the row id
    channel = Varchar(length=24, default="public")  # public | hotline | social_supervisor
    about = Text(default="")
    description = Text(default="")
    contact_enc = Text(default="")
    data_key_id = Varchar(length=32, default="")
    client_key = Varchar(length=64, default="", index=True)  # a keyed hash of the public form's address (the limit)
    status = Varchar(length=16, default="new", index=True)  # new | case_opened | joined | closed
    inspection = _fk(Inspection, null=True, default=None)
    close_reason = Text(default="")
    reward_fen = BigInt(null=True, default=None)
    reward_note = Text(default="")
    received_at = Timestamptz()
    recorded_by = _fk(AppUser, null=True, default=None)
    triaged_by = _fk(AppUser, null=True, default=None)
    triaged_at = Timestamptz(null=True, default=None)


class SpotCheck(Table, tablename="spot_check"):
    """A final conclusion drawn for spot re-assessment (抽查复评) by a team sharing no assessor
    with the first, and what it found (``ltc.domain.assessment_quality``)."""

    id: Serial  # the primary key Piccolo adds

    conclusion = _fk(Conclusion, index=True)
    spot_key = Varchar(length=32, unique=True)  # "conclusion:<id>": a conclusion is drawn once
    seed = BigInt()  # of the draw it came from (the same seed, the same draw)
    team = JSON(default="[]")  # the assessors' user ids
    conclusion_level = Integer()
    status = Varchar(length=16, index=True)  # drawn | done
    drawn_by = _fk(AppUser, null=True, default=None)
    drawn_at = Timestamptz()
    spot_level = Integer(null=True, default=None)
    outcome = Varchar(length=16, default="")  # agrees | higher | lower
    note = Text(default="")
    recorded_by = _fk(AppUser, null=True, default=None)
    recorded_at = Timestamptz(null=True, default=None)


class BedDayFlag(Table, tablename="bed_day_flag"):
    """A census day that a hospital stay or a death contradicts (``ltc.domain.bed_days``): it
    is not settled until the agency explains it and the bureau accepts it."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    person = _fk(Person, index=True)
    day = Date(index=True)
    code = Varchar(length=40)  # bed_day_while_inpatient | bed_day_after_death
    flag_key = Varchar(length=80, unique=True)  # "<person>:<day>:<code>"
    status = Varchar(length=16, index=True)  # open | explained | resolved | withdrawn
    opened_at = Timestamptz()
    explanation = Text(default="")
    explained_by = _fk(AppUser, null=True, default=None)
    explained_at = Timestamptz(null=True, default=None)
    resolution = Varchar(length=16, default="")  # accepted | refused
    resolution_note = Text(default="")
    resolved_by = _fk(AppUser, null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)


class EvaluationScore(Table, tablename="evaluation_score"):
    """One scored indicator of a provider's annual evaluation (年度考核): the provider's own
    score and note (自查自评) and the bureau's score, which is the one that counts."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    year = Integer()
    indicator = Varchar(length=32)
    score_key = Varchar(length=64, unique=True)  # provider:year:indicator
    self_score = Integer(null=True, default=None)
    self_note = Text(default="")
    self_by = _fk(AppUser, null=True, default=None)
    self_at = Timestamptz(null=True, default=None)
    bureau_score = Integer(null=True, default=None)
    bureau_note = Text(default="")
    scored_by = _fk(AppUser, null=True, default=None)
    scored_at = Timestamptz(null=True, default=None)


class FollowUpCall(Table, tablename="follow_up_call"):
    """A follow-up call (回访) to a beneficiary about a provider's care, with the answer."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    person = _fk(Person, null=True, default=None)
    year = Integer(index=True)  # of the call's day in the city's zone
    called_at = Timestamptz()
    answer = Varchar(length=16)  # satisfied | neutral | dissatisfied
    note = Text(default="")
    recorded_by = _fk(AppUser, null=True, default=None)
    channel = Varchar(length=16, default="call")  # call | family (the family's follow page; migration 0035)
    answer_key = Varchar(length=48, null=True, default=None)  # family:<person>:<YYYY-MM>; unique: migration 0035


class FinalAccount(Table, tablename="final_account"):
    """The year's final account (决算) of a provider's quality reserve, booked once."""

    id: Serial  # the primary key Piccolo adds

    provider = _fk(Provider, index=True)
    year = Integer(index=True)
    account_key = Varchar(length=32, unique=True)  # year:provider
    score = Integer(null=True, default=None)
    grade = Varchar(length=16)
    reserve_fen = BigInt(default=0)
    released_fen = BigInt(default=0)
    forfeited_fen = BigInt(default=0)
    posted_by = _fk(AppUser, null=True, default=None)
    posted_at = Timestamptz()


class RemoteBenefit(Table, tablename="remote_benefit"):
    """A remote benefit (远郊模式, DOMAIN §9) the bureau granted a beneficiary no designated
    provider reaches: a family-care allowance or grouped visits, from a day until ended (migration 0033)."""

    id: Serial  # the primary key Piccolo adds

    person = _fk(Person, index=True)
    kind = Varchar(length=32)  # family_care_allowance | grouped_visits
    # grouped visits: the provider who visits; family care: the provider that registers and
    # supervises the family caregiver and settles the allowance
    provider = _fk(Provider, null=True, default=None, index=True)
    from_day = Date()
    to_day = Date(null=True, default=None)  # None: open; one open per person (an index of migration 0038)
    granted_by = _fk(AppUser, null=True, default=None)
    note = Text(default="")
    created_at = Timestamptz()


class RemoteCheck(Table, tablename="remote_check"):
    """The month's check (核查) of a family-care household by the town's agent (migration 0033)."""

    id: Serial  # the primary key Piccolo adds

    benefit = _fk(RemoteBenefit, index=True)
    person = _fk(Person, index=True)
    period = Varchar(length=7, index=True)  # YYYY-MM
    check_key = Varchar(length=32, unique=True)  # "<benefit>:<period>": one check a month
    kind = Varchar(length=8)  # visit | call
    checked_on = Date()
    checked_by = _fk(AppUser, null=True, default=None)
    finding = Varchar(length=16)  # ok | not_at_home | care_lacking | died | moved
    note = Text(default="")
    created_at = Timestamptz()


ALL_TABLES: list[type[Table]] = [
    Town,
    Provider,
    Caregiver,
    Person,
    AppUser,
    UserSession,
    PasswordHistory,
    SignInFailure,
    AuditEntry,
    AuditAnchor,
    AuditCheckpoint,
    AuditArchive,
    Job,
    RegistryUpload,
    ReliefEnrolment,
    Application,
    AssessorAssignment,
    AssessmentDraft,
    Assessment,
    Evidence,
    Conclusion,
    AgreementEvent,
    ProviderEvaluation,
    Assignment,
    GeocodeCache,
    CarePlan,
    Visit,
    VisitEventRecord,
    VisitEvidence,
    PresenceCard,
    VisitException,
    VisitAlert,
    UnscheduledSlot,
    HospitalStay,
    CensusEntry,
    CaregiverAbsence,
    Notice,
    Settlement,
    SettlementLine,
    SettlementCorrection,
    LedgerEntry,
    LedgerPosting,
    Inspection,
    FundBudget,
    WhatIfDraft,
    ReviewSample,
    TipOff,
    InspectionFinding,
    InspectionOutcome,
    InspectionFile,
    CreditEvent,
    PaymentHold,
    SpotCheck,
    BedDayFlag,
    EvaluationScore,
    FollowUpCall,
    FinalAccount,
    RemoteBenefit,
    RemoteCheck,
]


@dataclass(frozen=True, slots=True)
class ListIndex:
    """An index over several columns, which Piccolo cannot declare on a table: the order (and
    filter) a list is read in pages by, its last column the row's unique tie-breaker, so that
    a deep page starts where the index says instead of counting through the pages before it."""

    table: type[Table]
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return f"{self.table._meta.tablename}_{'_'.join(c._meta.name for c in self.columns)}_list"


# Created by migration 0020 on SQLite and PostgreSQL alike (tests/db proves the database has each).
LIST_INDEXES: tuple[ListIndex, ...] = (
    ListIndex(Application, (Application.status, Application.id)),
    ListIndex(Application, (Application.applied_on, Application.id)),
    ListIndex(Conclusion, (Conclusion.status, Conclusion.valid_until, Conclusion.id)),
    ListIndex(Conclusion, (Conclusion.status, Conclusion.level, Conclusion.valid_until, Conclusion.id)),
    ListIndex(Provider, (Provider.status, Provider.code)),
    ListIndex(Provider, (Provider.kind, Provider.code)),
    ListIndex(Provider, (Provider.town, Provider.code)),
    ListIndex(Visit, (Visit.provider, Visit.planned_start, Visit.id)),
    ListIndex(Visit, (Visit.caregiver, Visit.planned_start, Visit.id)),
    ListIndex(Visit, (Visit.status, Visit.planned_start, Visit.id)),
    ListIndex(VisitException, (VisitException.opened_at, VisitException.id)),
    ListIndex(VisitException, (VisitException.status, VisitException.opened_at, VisitException.id)),
    ListIndex(VisitException, (VisitException.provider, VisitException.opened_at, VisitException.id)),
    ListIndex(VisitException, (VisitException.code, VisitException.opened_at, VisitException.id)),
    ListIndex(VisitAlert, (VisitAlert.raised_at, VisitAlert.id)),
    ListIndex(VisitAlert, (VisitAlert.provider, VisitAlert.raised_at, VisitAlert.id)),
    ListIndex(VisitAlert, (VisitAlert.kind, VisitAlert.raised_at, VisitAlert.id)),
    ListIndex(Settlement, (Settlement.period, Settlement.provider)),
    ListIndex(Settlement, (Settlement.status, Settlement.period)),
)
