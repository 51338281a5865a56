"""The typed values of relief: the import job's parameters and result, the monthly statement."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from ltc.services.inputs import RecordId
from ltc.services.intake.values import RegistryImportResult, RegistryUploaded
from ltc.services.jobs import JobParams


class ImportReliefParams(JobParams):
    upload_id: RecordId
    actor_id: int | None = None


class ReliefImportResult(RegistryImportResult):
    """What an import of the civil-affairs list did (the same account as the registry's)."""


class ReliefUploaded(RegistryUploaded):
    """The kept civil-affairs file and the job importing it."""


class EnrolmentOut(BaseModel):
    group: str
    from_day: date
    to_day: date | None


class StatementLine(BaseModel):
    settlement_id: int
    line_no: int
    kind: str
    person_id: int | None
    person_name: str
    id_number: str = Field(description="masked unless the reader is the bureau")
    group: str | None = Field(
        description="the hardship group on the last day of the month the line is for (a correction's: the corrected month)"
    )
    provider_id: int
    provider_code: str
    provider_name: str
    personal_fen: int
    relief_fen: int


class MonthSummary(BaseModel):
    period: str
    lines: int
    personal_fen: int
    relief_fen: int
    reimbursed: bool = Field(description="the relief fund has reimbursed all of the month's relief")
    to_reimburse_fen: int = Field(
        0, description="the month's relief less what was reimbursed for it: negative when a correction took relief back"
    )


class Reimbursement(BaseModel):
    period: str
    amount_fen: int = Field(description="all the month's reimbursements together")
    recorded_at: datetime
    recorded_by: str | None = None


class ReliefStatement(BaseModel):
    period: str
    lines: list[StatementLine]
    personal_fen: int
    relief_fen: int
    reimbursed: Reimbursement | None
    to_reimburse_fen: int = Field(0, description="what the next reimbursement of the month would post (either sign)")
    month_ended: bool = Field(True, description="the month has ended: only then is it reimbursed")
