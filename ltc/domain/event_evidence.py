"""What a check-in or check-out may carry as evidence: a photo taken at the door (JPEG) and
the family's signature drawn on the phone (PNG), each sent as a ``data:`` URL and kept with
the event's time and position. Limits keep one event's body small enough for one bar of
signal and the server's request limit."""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from ltc.domain.errors import InvalidInput

MAX_PHOTO_BYTES = 400_000  # a phone photo scaled to ~1280 px at JPEG quality 0.7 fits well under
MAX_SIGNATURE_BYTES = 100_000  # a PNG of strokes on a plain canvas


@dataclass(frozen=True, slots=True)
class EvidenceKind:
    name: str  # photo | signature
    content_type: str
    magic: bytes  # what a file of the type starts with
    max_bytes: int


PHOTO = EvidenceKind("photo", "image/jpeg", b"\xff\xd8\xff", MAX_PHOTO_BYTES)
SIGNATURE = EvidenceKind("signature", "image/png", b"\x89PNG\r\n\x1a\n", MAX_SIGNATURE_BYTES)
EVIDENCE_KINDS: tuple[EvidenceKind, ...] = (PHOTO, SIGNATURE)


def _max_url_length(kind: EvidenceKind) -> int:
    return len(f"data:{kind.content_type};base64,") + -(-kind.max_bytes // 3) * 4


MAX_PHOTO_URL = _max_url_length(PHOTO)
MAX_SIGNATURE_URL = _max_url_length(SIGNATURE)


@dataclass(frozen=True, slots=True)
class EventEvidence:
    """A decoded photo or signature, with its digest."""

    kind: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size_bytes(self) -> int:
        return len(self.content)


def decode_data_url(text: str, kind: EvidenceKind) -> EventEvidence:
    """The bytes of a ``data:<type>;base64,<…>`` URL of the kind's type, within its size limit,
    that really are such a file (refused otherwise: ``invalid_<kind>``, ``<kind>_too_large``)."""
    prefix = f"data:{kind.content_type};base64,"
    if not text.startswith(prefix):
        raise InvalidInput(f"{kind.name} must be a {kind.content_type} data URL", code=f"invalid_{kind.name}")
    encoded = text[len(prefix) :]
    if len(encoded) > -(-kind.max_bytes // 3) * 4:
        raise InvalidInput(f"{kind.name} is larger than {kind.max_bytes} bytes", code=f"{kind.name}_too_large")
    try:
        content = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{kind.name} is not valid base64", code=f"invalid_{kind.name}") from None
    if len(content) > kind.max_bytes:
        raise InvalidInput(f"{kind.name} is larger than {kind.max_bytes} bytes", code=f"{kind.name}_too_large")
    if not content.startswith(kind.magic):
        raise InvalidInput(f"{kind.name} is not a {kind.content_type} file", code=f"invalid_{kind.name}")
    return EventEvidence(kind.name, kind.content_type, content)
