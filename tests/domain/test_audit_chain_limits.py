"""The audit chain at its exact limits: the keyed hashes against independently computed
HMACs (with and without SM3 in OpenSSL), the place and detail of every break, the tail
against the anchor one either side, and the reorder search's bounds."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from ltc.domain.audit_chain import (
    ChainKey,
    ChainPoint,
    anchor_seal,
    canonical_bytes,
    checkpoint_break,
    checkpoint_seal,
    entry_hash,
    explain_mismatch,
    extend,
    hash_matches,
    utc_text,
    written_at,
)
from tests.domain.test_audit_chain import AT, KEY, chain, content, walk

SECRET = b"a-test-key"  # the key of the chain tests' KEY
SM3_KEY = ChainKey(SECRET, "sm3")


def sm3_by_cryptography(secret: bytes, data: bytes) -> str:
    mac = crypto_hmac.HMAC(secret, hashes.SM3())
    mac.update(data)
    return mac.finalize().hex()


# The keyed hashes, value for value -------------------------------------------------------


def test_a_sha256_seal_is_the_standard_hmac_of_the_canonical_bytes() -> None:
    data = canonical_bytes(1, "", content())
    expected = hmac.new(SECRET, data, hashlib.sha256).hexdigest()
    assert entry_hash(KEY, 1, "", content()) == "sha256:" + expected
    assert KEY.seal(b"message") == "sha256:" + hmac.new(SECRET, b"message", hashlib.sha256).hexdigest()


def test_an_sm3_seal_is_the_standard_hmac_sm3_of_the_canonical_bytes() -> None:
    data = canonical_bytes(1, "", content())
    expected = sm3_by_cryptography(SECRET, data)
    assert entry_hash(SM3_KEY, 1, "", content()) == "sm3:" + expected
    assert KEY.seal(data, "sm3") == "sm3:" + expected


def test_without_sm3_in_openssl_the_seals_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    data = canonical_bytes(2, "sha256:ab", content(2))
    sm3 = "sm3:" + sm3_by_cryptography(SECRET, data)
    sha256 = "sha256:" + hmac.new(SECRET, data, hashlib.sha256).hexdigest()
    openssl_hmac = hmac.new

    def without_sm3(key: bytes, msg: bytes, digestmod: object) -> hmac.HMAC:
        if digestmod == "sm3":
            raise ValueError("unsupported hash type sm3")
        return openssl_hmac(key, msg, digestmod)

    monkeypatch.setattr(hashlib, "algorithms_available", hashlib.algorithms_available - {"sm3"})
    monkeypatch.setattr(hmac, "new", without_sm3)
    assert SM3_KEY.seal(data) == sm3
    assert KEY.seal(data) == sha256  # SHA-256 is untouched by the SM3 fallback
    assert KEY.matches(data, sm3) and SM3_KEY.matches(data, sha256)


def test_a_seal_matches_under_the_algorithm_it_names_not_the_keys_setting() -> None:
    data = b"ltc"
    assert KEY.matches(data, SM3_KEY.seal(data))
    assert SM3_KEY.matches(data, KEY.seal(data))
    assert not KEY.matches(data, SM3_KEY.seal(b"other"))
    assert not KEY.matches(data, ChainKey(b"another-key", "sm3").seal(data))


def test_an_anchor_sealed_under_sm3_still_closes_a_chain_verified_under_sha256() -> None:
    entries = chain(2, key=SM3_KEY)
    verifier, found = walk(entries)
    assert found is None
    point = entries[-1].point
    assert verifier.finish(point, anchor_seal(SM3_KEY, point)) is None
    assert checkpoint_break(KEY, point, checkpoint_seal(SM3_KEY, point)) is None


def test_the_time_is_utc_whatever_the_servers_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(time, "tzset"):  # pragma: no cover (Windows)
        pytest.skip("no tzset")
    before = canonical_bytes(1, "", content())
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert utc_text(AT) == "2026-12-06T19:30:00.123456Z"
        assert canonical_bytes(1, "", content()) == before
    finally:
        monkeypatch.undo()
        time.tzset()


# The place and detail of every break -------------------------------------------------------


def test_each_entry_break_names_its_place_in_its_detail() -> None:
    entries = chain(5)
    _, missing = walk([entries[0], entries[2]])
    assert missing is not None and (missing.code, missing.seq) == ("entry_missing", 2)
    assert "2" in missing.detail and "3" in missing.detail  # the missing one and the next there is

    edited = replace(entries[1], content=replace(entries[1].content, reason="edited"))
    _, altered = walk([entries[0], edited])
    assert altered is not None and (altered.code, altered.seq) == ("entry_altered", 2)
    assert "2" in altered.detail

    other = extend(KEY, ChainPoint(1, "sha256:" + "1" * 64), [content(9)])[0]
    _, broken = walk([entries[0], other])
    assert broken is not None and (broken.code, broken.seq) == ("link_broken", 2)
    assert "2" in broken.detail and "1" in broken.detail

    _, before = walk(entries[2:], start=entries[2].point)
    assert before is not None and (before.code, before.seq) == ("entry_before_checkpoint", 3)
    assert "3" in before.detail


def test_an_explained_mismatch_names_its_place_in_its_detail() -> None:
    entries = chain(4)
    edited = replace(entries[1], content=replace(entries[1].content, actor_name="x"))
    altered = explain_mismatch(KEY, edited, predecessor_present=True)
    assert (altered.code, altered.seq) == ("entry_altered", 2) and "2" in altered.detail
    moved_up = replace(entries[2], seq=2)  # entry 2 deleted, entry 3 renumbered to 2
    missing = explain_mismatch(KEY, moved_up, predecessor_present=False)
    assert (missing.code, missing.seq) == ("entry_missing", 2) and "2" in missing.detail


def test_the_anchor_one_either_side_of_the_chains_end() -> None:
    entries = chain(5)
    verifier, found = walk(entries[:3])  # the chain ends at 3
    assert found is None

    def finish(point: ChainPoint):
        return verifier.finish(point, anchor_seal(KEY, point))

    assert finish(entries[2].point) is None  # N: at the end
    ahead = finish(entries[3].point)  # N+1: one entry cut off
    assert ahead is not None and (ahead.code, ahead.seq) == ("tail_truncated", 4)
    assert "4…4" in ahead.detail
    further = finish(entries[4].point)  # N+2
    assert further is not None and (further.code, further.seq) == ("tail_truncated", 4)
    assert "4…5" in further.detail
    behind = finish(entries[1].point)  # N-1: one entry past the anchor
    assert behind is not None and (behind.code, behind.seq) == ("anchor_behind", 3)
    assert "2" in behind.detail


def test_anchor_breaks_name_the_anchors_place() -> None:
    entries = chain(3)
    verifier, _ = walk(entries)
    other = ChainPoint(3, "sha256:" + "2" * 64)
    mismatch = verifier.finish(other, anchor_seal(KEY, other))
    assert mismatch is not None and (mismatch.code, mismatch.seq) == ("anchor_mismatch", 3)
    assert mismatch.detail
    altered = verifier.finish(entries[2].point, anchor_seal(ChainKey(b"another-key"), entries[2].point))
    assert altered is not None and (altered.code, altered.seq) == ("anchor_altered", 3)
    assert altered.detail
    missing = verifier.finish(None, anchor_seal(KEY, entries[2].point))
    assert missing is not None and (missing.code, missing.seq) == ("anchor_missing", None)
    assert missing.detail


def test_an_altered_checkpoint_names_its_place() -> None:
    point = chain(2)[-1].point
    found = checkpoint_break(KEY, point, checkpoint_seal(ChainKey(b"another-key"), point))
    assert found is not None and (found.code, found.seq) == ("checkpoint_altered", 2)
    assert "2" in found.detail


# The reorder search's bounds -----------------------------------------------------------------


def test_an_entry_moved_from_the_first_place_is_found_there() -> None:
    entries = chain(4)
    assert written_at(KEY, replace(entries[0], seq=2)) == 1
    assert written_at(KEY, replace(entries[0], seq=4)) == 1


def test_place_zero_is_never_where_an_entry_was_written() -> None:
    at_zero = extend(KEY, ChainPoint(-1, ""), [content()])[0]  # hashed as if at place 0
    assert at_zero.seq == 0 and hash_matches(KEY, at_zero)
    assert written_at(KEY, replace(at_zero, seq=1)) is None


def test_an_entry_at_its_own_place_was_not_written_elsewhere() -> None:
    entries = chain(4)
    assert written_at(KEY, entries[2]) is None
    assert written_at(KEY, entries[2], window=0) is None
