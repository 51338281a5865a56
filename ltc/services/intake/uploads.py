"""Keeping an uploaded list before its import job reads it (the insured registry, the
civil-affairs list of hardship groups): the size limit, the file's kind and its header checked
at once (a file that is no such list is refused beside the upload field, not by a failed job),
and the bytes kept with their digest, audited."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from ltc.db.engine import write_transaction
from ltc.db.tables import RegistryUpload
from ltc.domain.access import Actor
from ltc.domain.errors import InvalidInput
from ltc.domain.registry import Cell, RegistryColumns
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.intake.registry_file import file_kind, open_registry, read_header

REGISTRY_MAX_BYTES = 64 * 1024 * 1024  # a district's 140,000 rows take about 15 MB as CSV


async def keep_upload(
    ctx: ServiceContext,
    actor: Actor,
    filename: str,
    content: bytes,
    *,
    action: str,
    stem: str,
    header: Callable[[list[Cell]], RegistryColumns] = read_header,
) -> int:
    """The kept upload's id. ``action``: the audit's word for it; ``stem``: the name given to a
    file sent without one; ``header``: how the list's columns are read."""
    if len(content) > REGISTRY_MAX_BYTES:
        raise InvalidInput(
            f"文件过大（上限 {REGISTRY_MAX_BYTES // (1024 * 1024)} MB）",
            code="registry_too_large",
            errors=[{"field": "file", "code": "registry_too_large"}],
        )
    kind = file_kind(filename, content)
    open_registry(filename, content, header).done()
    now = ctx.clock.now()
    name = (filename or f"{stem}.{kind}").replace("\x00", "")[-200:]
    sha256 = hashlib.sha256(content).hexdigest()
    async with write_transaction():
        upload = RegistryUpload(
            filename=name,
            kind=kind,
            size_bytes=len(content),
            sha256=sha256,
            content=content,
            uploaded_by=actor.user_id,
            uploaded_at=now,
        )
        await upload.save()
        await record_change(
            actor=actor,
            at=now,
            action=action,
            entity="registry_upload",
            entity_id=upload.id,
            after={"filename": name, "size_bytes": len(content), "sha256": sha256},
        )
    return int(upload.id)
