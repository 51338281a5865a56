"""The tamper-evident audit trail: each entry carries a sequence number and a keyed hash
(HMAC) over its canonical content and the previous entry's hash, so editing, deleting,
reordering or cutting off entries breaks the chain where it happened.

Pure: the key, the entries and the anchor are arguments. The canonical form is fixed for
ever (version 1): a stored chain must verify years later, so change it only by adding a
new version beside it."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

CANONICAL_VERSION = 1
GENESIS = ""  # the previous hash of the very first entry
ALGORITHMS = ("sha256", "sm3")
DEV_KEY = b"ltc-development-audit-chain-key-not-for-production"

# Why a chain does not verify, at its first broken link (stable codes).
BREAK_CODES = {
    "entry_missing": "an entry is missing: the sequence has a gap (a deleted row)",
    "entry_altered": "an entry's content no longer matches its hash (an edited row)",
    "entry_reordered": "an entry sits at another place in the sequence than where it was written",
    "link_broken": "an entry does not follow the hash of the entry before it",
    "entry_before_checkpoint": "an entry lies before the archived boundary yet is still online",
    "entry_unchained": "an entry carries no sequence number: it was written outside the chain",
    "tail_truncated": "the last entries are missing: the chain ends before its anchor",
    "anchor_behind": "the chain goes on past its anchor: entries appended outside the app",
    "anchor_mismatch": "the anchor names another last hash than the chain's",
    "anchor_missing": "the anchor of the chain is missing",
    "anchor_altered": "the anchor's seal does not match its content",
    "checkpoint_altered": "an archive checkpoint's seal does not match its content",
    "archive_mismatch": "the archived entries do not end at the archive checkpoint",
}


@dataclass(frozen=True)
class ChainKey:
    """The secret the chain is keyed with (from the settings, never the database) and the
    algorithm new entries are hashed with."""

    secret: bytes
    algorithm: str = "sha256"

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the audit chain key is empty")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown audit hash algorithm {self.algorithm!r}")

    def seal(self, data: bytes, algorithm: str | None = None) -> str:
        """``algorithm:hex``: the algorithm travels with the hash, so a chain written under
        SHA-256 still verifies after the setting moves to SM3."""
        algorithm = algorithm or self.algorithm
        return f"{algorithm}:{_hmac(self.secret, data, algorithm)}"

    def matches(self, data: bytes, sealed: str) -> bool:
        algorithm, _, _ = sealed.partition(":")
        if algorithm not in ALGORITHMS:
            return False
        return hmac.compare_digest(self.seal(data, algorithm), sealed)


def _hmac(secret: bytes, data: bytes, algorithm: str) -> str:
    if algorithm == "sm3" and "sm3" not in hashlib.algorithms_available:  # pragma: no cover (OpenSSL without SM3)
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as crypto_hmac

        mac = crypto_hmac.HMAC(secret, hashes.SM3())
        mac.update(data)
        return mac.finalize().hex()
    return hmac.new(secret, data, algorithm).hexdigest()


@dataclass(frozen=True)
class EntryContent:
    """What an audit entry says: who did what, when, to which record, before → after."""

    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    entity: str
    entity_id: str
    before: Any = None
    after: Any = None
    reason: str = ""


@dataclass(frozen=True)
class ChainPoint:
    """A place in the chain: the sequence number and hash of an entry (0 and GENESIS before
    the first)."""

    seq: int
    hash: str


START = ChainPoint(0, GENESIS)


@dataclass(frozen=True)
class ChainedEntry:
    seq: int
    prev_hash: str
    hash: str
    content: EntryContent

    @property
    def point(self) -> ChainPoint:
        return ChainPoint(self.seq, self.hash)


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link: its code (``BREAK_CODES``) and the sequence number it is at."""

    code: str
    seq: int | None
    detail: str


def utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times must be aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_bytes(seq: int, prev_hash: str, content: EntryContent) -> bytes:
    """The bytes an entry's hash covers: compact JSON with sorted keys, UTF-8, the time in
    UTC to the microsecond. Everything of the entry but its database id is in it."""
    document = {
        "v": CANONICAL_VERSION,
        "seq": seq,
        "prev": prev_hash,
        "at": utc_text(content.at),
        "actor": content.actor_id,
        "actor_name": content.actor_name,
        "action": content.action,
        "entity": content.entity,
        "entity_id": content.entity_id,
        "before": content.before,
        "after": content.after,
        "reason": content.reason,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(key: ChainKey, seq: int, prev_hash: str, content: EntryContent, algorithm: str | None = None) -> str:
    return key.seal(canonical_bytes(seq, prev_hash, content), algorithm)


def extend(key: ChainKey, head: ChainPoint, contents: Sequence[EntryContent]) -> list[ChainedEntry]:
    """The entries for ``contents`` appended after ``head``, in order."""
    entries: list[ChainedEntry] = []
    point = head
    for content in contents:
        seq = point.seq + 1
        entry = ChainedEntry(seq, point.hash, entry_hash(key, seq, point.hash, content), content)
        entries.append(entry)
        point = entry.point
    return entries


def anchor_seal(key: ChainKey, point: ChainPoint) -> str:
    """The anchor's own seal (domain-separated from entry hashes, so no entry's hash can
    stand for an anchor's)."""
    return key.seal(_anchor_bytes(point))


def _anchor_bytes(point: ChainPoint) -> bytes:
    return f"ltc-audit-anchor|{point.seq}|{point.hash}".encode()


def _checkpoint_bytes(point: ChainPoint) -> bytes:
    return f"ltc-audit-checkpoint|{point.seq}|{point.hash}".encode()


def checkpoint_seal(key: ChainKey, point: ChainPoint) -> str:
    return key.seal(_checkpoint_bytes(point))


def _algorithm_of(sealed: str) -> str | None:
    algorithm = sealed.partition(":")[0]
    return algorithm if algorithm in ALGORITHMS else None


def hash_matches(key: ChainKey, entry: ChainedEntry) -> bool:
    algorithm = _algorithm_of(entry.hash)
    if algorithm is None:
        return False
    return hmac.compare_digest(entry_hash(key, entry.seq, entry.prev_hash, entry.content, algorithm), entry.hash)


REORDER_WINDOW = 64  # how far from its place a moved entry is looked for


def written_at(key: ChainKey, entry: ChainedEntry, window: int = REORDER_WINDOW) -> int | None:
    """The place an entry was written at when it now sits elsewhere (its hash matches
    there), looked for up to ``window`` places either side; None when it matches nowhere."""
    for distance in range(1, window + 1):
        for seq in (entry.seq + distance, entry.seq - distance):
            if seq > 0 and hash_matches(key, replace(entry, seq=seq)):
                return seq
    return None


def explain_mismatch(key: ChainKey, entry: ChainedEntry, predecessor_present: bool) -> ChainBreak:
    """An entry whose hash does not match its place: written elsewhere in the sequence and
    moved (reordered: the entry it followed is still there, ``predecessor_present``), moved
    up after a deletion (the entry it followed is gone and the rest renumbered), or edited."""
    origin = written_at(key, entry)
    if origin is None:
        return ChainBreak("entry_altered", entry.seq, f"entry {entry.seq} does not match its hash")
    if predecessor_present:
        return ChainBreak("entry_reordered", entry.seq, f"entry {entry.seq} was written as entry {origin}")
    return ChainBreak("entry_missing", entry.seq, f"an entry before {entry.seq} was deleted and the rest renumbered")


class ChainVerifier:
    """Walks entries in sequence order from a known point (the start, or the last archive
    checkpoint) and stops at the first broken link."""

    def __init__(self, key: ChainKey, start: ChainPoint = START) -> None:
        self.key = key
        self.start = start
        self.last = start
        self.checked = 0

    def check(self, entry: ChainedEntry) -> ChainBreak | None:
        """None when ``entry`` follows on; else the break (an ``entry_altered`` may be an
        ``entry_reordered``: see :func:`explain_mismatch`)."""
        expected = self.last.seq + 1
        if entry.seq <= self.start.seq:
            return ChainBreak(
                "entry_before_checkpoint", entry.seq, f"entry {entry.seq} is at or before checkpoint {self.start.seq}"
            )
        if entry.seq != expected:
            return ChainBreak("entry_missing", expected, f"entry {expected} is missing (next is {entry.seq})")
        if not hash_matches(self.key, entry):
            return ChainBreak("entry_altered", entry.seq, f"entry {entry.seq} does not match its hash")
        if entry.prev_hash != self.last.hash:
            return ChainBreak("link_broken", entry.seq, f"entry {entry.seq} does not follow entry {self.last.seq}")
        self.last = entry.point
        self.checked += 1
        return None

    def finish(self, anchor: ChainPoint | None, seal: str) -> ChainBreak | None:
        """The chain's end compared with its anchor (kept apart and sealed at each write)."""
        if anchor is None:
            return ChainBreak("anchor_missing", None, "the anchor of the chain is missing")
        if not self.key.matches(_anchor_bytes(anchor), seal):
            return ChainBreak("anchor_altered", anchor.seq, "the anchor's seal does not match")
        if anchor.seq > self.last.seq:
            return ChainBreak(
                "tail_truncated", self.last.seq + 1, f"entries {self.last.seq + 1}…{anchor.seq} are missing"
            )
        if anchor.seq < self.last.seq:
            return ChainBreak("anchor_behind", anchor.seq + 1, f"entries after {anchor.seq} are not in the anchor")
        if anchor.hash != self.last.hash:
            return ChainBreak("anchor_mismatch", anchor.seq, "the anchor names another last hash")
        return None


def checkpoint_break(key: ChainKey, point: ChainPoint, seal: str) -> ChainBreak | None:
    if key.matches(_checkpoint_bytes(point), seal):
        return None
    return ChainBreak("checkpoint_altered", point.seq, f"checkpoint {point.seq}'s seal does not match")


def archive_upto(checkpoint_seq: int, first_recent_seq: int | None, last_seq: int | None) -> int | None:
    """The last sequence number to archive: every entry before the first one still within
    retention (``first_recent_seq``; None when none is), so the online chain stays one
    piece. None when there is nothing past the checkpoint to archive."""
    if last_seq is None:
        return None
    upto = last_seq if first_recent_seq is None else first_recent_seq - 1
    return upto if upto > checkpoint_seq else None
