"""The typed values of settlements: what the API and the pages show, what they send, and the
parameters and results of the build and payment jobs. The web uses these same models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from ltc.domain.access import Role
from ltc.services.jobs import JobParams

PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"  # YYYY-MM

# The workflow steps a caller asks for by name; "rebuild" is done by building the month again.
WorkflowAction = Literal["submit", "approve", "reject", "pay"]
SettlementStatus = Literal["draft", "submitted", "approved", "rejected", "paid"]
WORKFLOW_ACTIONS: tuple[WorkflowAction, ...] = get_args(WorkflowAction)


class Request(BaseModel):
    """A request body: unknown fields refused, text stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --------------------------------------------------------------------------- reading


class SettlementSummary(BaseModel):
    id: int
    provider_id: int
    provider_name: str | None = None
    provider_code: str | None = None
    period: str
    status: str
    version: int
    gross_fen: int
    fund_fen: int
    personal_fen: int
    relief_fen: int = Field(0, description="of personal_fen, paid by the relief fund (一站式)")
    content_hash: str
    built_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    rejection_reason: str
    paid_at: datetime | None


class SettlementLineDetail(BaseModel):
    id: int
    line_no: int
    kind: str  # home | institutional | adjustment | deduction
    person_id: int | None
    person_name: str | None
    level: int | None
    quantity: int
    unit: str
    unit_price_fen: int | None
    gross_fen: int
    fund_fen: int
    personal_fen: int
    visit_ids: list[int]
    excluded_visit_ids: list[int]
    days: list[date]
    leave_days: list[date]
    verified_minutes: int
    policy_version: str
    adjusts_period: str | None
    note: str
    correction_id: int | None = None  # adjustment: the correction it carries
    outcome_id: int | None = None  # recovery: the inspection outcome it nets
    relief_fen: int = Field(0, description="of personal_fen, paid by the relief fund (一站式)")


class SettlementDetail(SettlementSummary):
    lines: list[SettlementLineDetail]


# --------------------------------------------------------------------------- the workflow


class ActionRequest(Request):
    reason: str = Field(default="", max_length=2000)


class PaymentRequest(Request):
    period: str = Field(pattern=PERIOD_PATTERN)


class CorrectionRequest(Request):
    provider_id: int = Field(ge=1)
    corrects_period: str = Field(pattern=PERIOD_PATTERN)
    person_id: int | None = None
    amount_fen: int = Field(ge=-(10**12), le=10**12, description="change to the gross amount, in fen")
    fund_fen: int | None = Field(default=None, ge=-(10**12), le=10**12)
    reason: str = Field(min_length=1, max_length=2000)


class CorrectionRecorded(BaseModel):
    id: int
    provider_id: int
    corrects_period: str
    amount_fen: int


# --------------------------------------------------------------------------- the jobs


class BuildSettlementsParams(JobParams):
    """The month to build, for one provider or (none given) for every provider; also the body
    of ``POST /settlements/build``."""

    model_config = ConfigDict(str_strip_whitespace=True)

    period: str = Field(pattern=PERIOD_PATTERN)
    provider_id: int | None = None
    # The whole month in this many parts for any number of workers (default the setting).
    parts: int | None = Field(default=None, ge=1, le=256)


class BuildResult(BaseModel):
    period: str
    providers: int
    rebuilt: int
    settlement_ids: list[int]  # by provider id


class BuildSettlementsPartParams(JobParams):
    """A part of the month's build: the providers whose id is ``share`` modulo ``shares``."""

    period: str = Field(pattern=PERIOD_PATTERN)
    share: int = Field(ge=0)
    shares: int = Field(ge=1, le=256)


class BuiltDraft(BaseModel):
    provider_id: int
    settlement_id: int
    rebuilt: bool


class BuildPartResult(BaseModel):
    period: str
    drafts: list[BuiltDraft]


class PaySettlementsParams(JobParams):
    """The month to pay, and the officer on whose word it is paid."""

    period: str = Field(pattern=PERIOD_PATTERN)
    actor_id: int
    actor_role: Role = Role.BUREAU


class PaymentResult(BaseModel):
    period: str
    paid: int
    settlement_ids: list[int]
