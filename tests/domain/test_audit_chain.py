"""The audit trail's hash chain: its canonical form, its keyed hashes and the verifier's
stable codes for each kind of break."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from ltc.domain.audit_chain import (
    BREAK_CODES,
    DEV_KEY,
    GENESIS,
    START,
    ChainKey,
    ChainPoint,
    ChainVerifier,
    EntryContent,
    anchor_seal,
    archive_upto,
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

KEY = ChainKey(b"a-test-key")
AT = datetime(2026, 12, 6, 19, 30, 0, 123456, tzinfo=UTC)


def content(n: int = 1, **changes: object) -> EntryContent:
    base = EntryContent(
        at=AT + timedelta(seconds=n),
        actor_id=7,
        actor_name="bureau",
        action="conclusion.publish",
        entity="assessment",
        entity_id=str(n),
        before={"status": "assessed"},
        after={"status": "publicised", "level": 3, "名": "王敏"},
        reason="",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def chain(n: int, key: ChainKey = KEY, head: ChainPoint = START):
    return extend(key, head, [content(i) for i in range(1, n + 1)])


# The canonical form -------------------------------------------------------------------


def test_the_canonical_form_is_sorted_compact_utf8_json_of_every_field() -> None:
    document = json.loads(canonical_bytes(3, "sha256:ab", content()).decode("utf-8"))
    assert document == {
        "v": 1,
        "seq": 3,
        "prev": "sha256:ab",
        "at": "2026-12-06T19:30:01.123456Z",
        "actor": 7,
        "actor_name": "bureau",
        "action": "conclusion.publish",
        "entity": "assessment",
        "entity_id": "1",
        "before": {"status": "assessed"},
        "after": {"status": "publicised", "level": 3, "名": "王敏"},
        "reason": "",
    }
    raw = canonical_bytes(3, "sha256:ab", content())
    assert b" " not in raw and "王敏".encode() in raw  # compact, and not \u-escaped
    assert raw.index(b'"action"') < raw.index(b'"actor"') < raw.index(b'"after"')  # sorted keys


def test_the_canonical_form_does_not_depend_on_key_order_or_zone() -> None:
    shuffled = content(after={"名": "王敏", "level": 3, "status": "publicised"})
    assert canonical_bytes(1, "", shuffled) == canonical_bytes(1, "", content())
    shanghai = content(at=(AT + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=8))))
    assert canonical_bytes(1, "", shanghai) == canonical_bytes(1, "", content())


def test_every_field_changes_the_canonical_form() -> None:
    original = canonical_bytes(1, "", content())
    for field, value in [
        ("at", AT + timedelta(microseconds=1)),
        ("actor_id", None),
        ("actor_name", "system"),
        ("action", "conclusion.final"),
        ("entity", "person"),
        ("entity_id", "2"),
        ("before", None),
        ("after", {"status": "publicised", "level": 4, "名": "王敏"}),
        ("reason", "x"),
    ]:
        assert canonical_bytes(1, "", replace(content(), **{field: value})) != original, field
    assert canonical_bytes(2, "", content()) != original
    assert canonical_bytes(1, "sha256:00", content()) != original


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError):
        utc_text(datetime(2026, 1, 1))
    assert utc_text(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000Z"


# Keys and hashes -----------------------------------------------------------------------


def test_a_key_needs_a_secret_and_a_known_algorithm() -> None:
    with pytest.raises(ValueError):
        ChainKey(b"")
    with pytest.raises(ValueError):
        ChainKey(b"k", "md5")
    assert ChainKey(DEV_KEY).algorithm == "sha256"


def test_the_hash_is_keyed_and_names_its_algorithm() -> None:
    sealed = entry_hash(KEY, 1, GENESIS, content())
    assert sealed.startswith("sha256:") and len(sealed) == len("sha256:") + 64
    assert entry_hash(ChainKey(b"another-key"), 1, GENESIS, content()) != sealed
    sm3 = entry_hash(ChainKey(b"a-test-key", "sm3"), 1, GENESIS, content())
    assert sm3.startswith("sm3:") and len(sm3) == len("sm3:") + 64 and sm3[4:] != sealed[7:]


def test_a_chain_written_under_sm3_verifies_under_a_sha256_setting_and_back() -> None:
    entries = chain(3, key=ChainKey(b"a-test-key", "sm3"))
    verifier = ChainVerifier(KEY)
    assert [verifier.check(e) for e in entries] == [None, None, None]
    assert not KEY.matches(b"x", "md5:00") and not KEY.matches(b"x", "nothing")


def test_extend_numbers_and_links_the_entries() -> None:
    entries = chain(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    more = extend(KEY, entries[-1].point, [content(4)])
    assert more[0].seq == 4 and more[0].prev_hash == entries[-1].hash
    assert extend(KEY, START, []) == []


# The verifier and its codes --------------------------------------------------------------


def walk(entries, start: ChainPoint = START, key: ChainKey = KEY):
    verifier = ChainVerifier(key, start)
    for entry in entries:
        found = verifier.check(entry)
        if found is not None:
            return verifier, found
    return verifier, None


def test_an_intact_chain_verifies_to_its_anchor() -> None:
    entries = chain(4)
    verifier, found = walk(entries)
    assert found is None and verifier.checked == 4 and verifier.last == entries[-1].point
    assert verifier.finish(entries[-1].point, anchor_seal(KEY, entries[-1].point)) is None


def test_an_empty_chain_verifies_against_an_anchor_at_the_start() -> None:
    verifier = ChainVerifier(KEY)
    assert verifier.finish(START, anchor_seal(KEY, START)) is None


def test_an_edited_entry_is_entry_altered() -> None:
    entries = chain(4)
    entries[2] = replace(entries[2], content=replace(entries[2].content, reason="edited"))
    _, found = walk(entries)
    assert found is not None and (found.code, found.seq) == ("entry_altered", 3)


def test_a_forged_hash_is_entry_altered() -> None:
    entries = chain(2)
    entries[1] = replace(entries[1], hash="sha256:" + "0" * 64)
    assert walk(entries)[1].code == "entry_altered"
    entries[1] = replace(entries[1], hash="garbage")
    assert walk(entries)[1].code == "entry_altered"


def test_a_deleted_entry_is_entry_missing_at_its_place() -> None:
    entries = chain(5)
    del entries[1]
    _, found = walk(entries)
    assert found is not None and (found.code, found.seq) == ("entry_missing", 2)
    first = chain(3)[1:]
    assert walk(first)[1].seq == 1  # the very first one gone


def test_a_deleted_entry_with_the_rest_renumbered_is_entry_missing() -> None:
    entries = chain(4)
    renumbered = [entries[0]] + [replace(e, seq=e.seq - 1) for e in entries[2:]]
    _, found = walk(renumbered)
    assert found is not None and (found.code, found.seq) == ("entry_altered", 2)  # the verifier alone
    explained = explain_mismatch(KEY, renumbered[1], predecessor_present=False)  # its predecessor is gone
    assert (explained.code, explained.seq) == ("entry_missing", 2)


def test_swapped_entries_are_entry_reordered() -> None:
    entries = chain(4)
    second, third = entries[1], entries[2]
    swapped = [entries[0], replace(third, seq=2), replace(second, seq=3), entries[3]]
    _, found = walk(swapped)
    assert found is not None and found.code == "entry_altered"
    explained = explain_mismatch(KEY, swapped[1], predecessor_present=True)
    assert (explained.code, explained.seq) == ("entry_reordered", 2)
    assert "written as entry 3" in explained.detail


def test_a_moved_entry_is_found_within_the_window_either_side() -> None:
    entries = chain(70)
    assert written_at(KEY, replace(entries[9], seq=3)) == 10
    assert written_at(KEY, replace(entries[2], seq=9)) == 3
    assert written_at(KEY, replace(entries[65], seq=2)) == 66  # 64 places away: the window's edge
    assert written_at(KEY, replace(entries[66], seq=2)) is None  # 65: beyond it
    assert written_at(KEY, replace(entries[0], seq=2), window=0) is None


def test_a_mismatch_found_nowhere_is_an_edit() -> None:
    entries = chain(2)
    edited = replace(entries[1], content=replace(entries[1].content, actor_name="x"))
    assert explain_mismatch(KEY, edited, predecessor_present=True).code == "entry_altered"
    assert explain_mismatch(KEY, edited, predecessor_present=False).code == "entry_altered"


def test_an_entry_from_elsewhere_is_link_broken() -> None:
    entries = chain(3)
    other = extend(KEY, ChainPoint(1, "sha256:" + "1" * 64), [content(9)])[0]
    _, found = walk([entries[0], other])
    assert found is not None and (found.code, found.seq) == ("link_broken", 2)


def test_an_entry_at_or_before_the_checkpoint_is_entry_before_checkpoint() -> None:
    entries = chain(4)
    _, found = walk(entries[1:], start=entries[1].point)
    assert found is not None and (found.code, found.seq) == ("entry_before_checkpoint", 2)
    verifier, found = walk(entries[2:], start=entries[1].point)
    assert found is None and verifier.checked == 2


def test_the_tail_against_the_anchor() -> None:
    entries = chain(4)
    anchor = entries[-1].point
    verifier, _ = walk(entries[:2])
    truncated = verifier.finish(anchor, anchor_seal(KEY, anchor))
    assert truncated is not None and (truncated.code, truncated.seq) == ("tail_truncated", 3)
    verifier, _ = walk(entries)
    behind = verifier.finish(entries[1].point, anchor_seal(KEY, entries[1].point))
    assert behind is not None and (behind.code, behind.seq) == ("anchor_behind", 3)
    other = ChainPoint(4, "sha256:" + "2" * 64)
    mismatch = verifier.finish(other, anchor_seal(KEY, other))
    assert mismatch is not None and mismatch.code == "anchor_mismatch"
    altered = verifier.finish(entries[1].point, anchor_seal(KEY, anchor))  # an old seal on a moved anchor
    assert altered is not None and altered.code == "anchor_altered"
    missing = verifier.finish(None, "")
    assert missing is not None and missing.code == "anchor_missing"


def test_an_entry_hash_cannot_stand_for_an_anchor_or_checkpoint_seal() -> None:
    entries = chain(1)
    point = entries[0].point
    assert anchor_seal(KEY, point) != checkpoint_seal(KEY, point)
    assert anchor_seal(KEY, point) != entries[0].hash


def test_a_checkpoint_verifies_by_its_seal() -> None:
    point = chain(2)[-1].point
    assert checkpoint_break(KEY, point, checkpoint_seal(KEY, point)) is None
    moved = ChainPoint(point.seq + 1, point.hash)
    found = checkpoint_break(KEY, moved, checkpoint_seal(KEY, point))
    assert found is not None and found.code == "checkpoint_altered"


def test_every_break_code_is_described() -> None:
    assert set(BREAK_CODES) == {
        "entry_missing",
        "entry_altered",
        "entry_reordered",
        "link_broken",
        "entry_before_checkpoint",
        "entry_unchained",
        "tail_truncated",
        "anchor_behind",
        "anchor_mismatch",
        "anchor_missing",
        "anchor_altered",
        "checkpoint_altered",
        "archive_mismatch",
    }


def test_hash_matches_checks_its_own_place() -> None:
    entry = chain(1)[0]
    assert hash_matches(KEY, entry)
    assert not hash_matches(KEY, replace(entry, seq=2))
    assert not hash_matches(KEY, replace(entry, prev_hash="sha256:00"))


# Archiving --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checkpoint", "first_recent", "last", "expected"),
    [
        (0, None, None, None),  # nothing online
        (0, None, 10, 10),  # everything is old
        (0, 5, 10, 4),  # up to the first recent one
        (0, 1, 10, None),  # the first is recent: nothing
        (0, 2, 10, 1),  # just one
        (4, 5, 10, None),  # archived up to there already
        (4, 6, 10, 5),
        (10, None, 10, None),  # everything archived
    ],
)
def test_archive_upto(checkpoint: int, first_recent: int | None, last: int | None, expected: int | None) -> None:
    assert archive_upto(checkpoint, first_recent, last) == expected
