"""The typed values of intake: the registry import job's parameters and result."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from ltc.services.inputs import RecordId
from ltc.services.jobs import JobParams


class ImportRegistryParams(JobParams):
    upload_id: RecordId


class RowRefusal(BaseModel):
    """A row the import left out: its number in the file (the header is row 1), the field at
    fault and why, as a code the pages name in words."""

    row: int
    field: str
    code: str


class RegistryImportResult(BaseModel):
    upload_id: int
    filename: str
    rows: int = Field(description="data rows read (blank rows not counted)")
    created: int
    updated: int
    unchanged: int
    refused: list[RowRefusal]

    @property
    def refused_rows(self) -> int:
        return len({r.row for r in self.refused})


class RegistryUploaded(BaseModel):
    job_id: UUID
    upload_id: int
