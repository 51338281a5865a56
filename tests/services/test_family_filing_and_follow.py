"""Families and village agents without an account: filing an application on the public page
(the person found by id number, never registered twice; every rule of filing holds; a limit
per connection), following it by its reference and the person's id number (a wrong pair is
one generic 'not found', counted against the connection), what the view shows and hides,
and the feedback it sends into supervision. On a database of this module's own."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ltc.bench.scratch import scratch_database
from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.db.tables import (
    Application,
    Assessment,
    Assignment,
    AuditEntry,
    Caregiver,
    FollowUpCall,
    Person,
    Provider,
    Settlement,
    SettlementLine,
    TipOff,
    Town,
    Visit,
)
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Conflict, InvalidInput, NotFound, TooManyAttempts
from ltc.domain.identity import make_id_number
from ltc.domain.periods import Period, service_month
from ltc.services import persons
from ltc.services.assessment.values import SelfEval
from ltc.services.clock import FixedClock
from ltc.services.context import ServiceContext
from ltc.services.intake import family, follow
from ltc.services.intake.follow import FollowComplaintIn, FollowIn, SatisfactionIn
from ltc.services.key_rotation import RotateKeysParams, rotate_data_keys
from ltc.services.supervision.indicators import satisfaction
from ltc.settings import Settings
from tests.services.test_key_rotation import keyed, nothing

SHANGHAI = ZoneInfo("Asia/Shanghai")

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
DEPENDENT = SelfEval(
    answers=dict.fromkeys(["eating", "continence", "bathing", "dressing", "toilet_use", "transfer"], "dependent")
)
_sequence = itertools.count(300, 2)
_addresses = itertools.count(1)


@pytest.fixture(scope="module")
async def own_database(settings: Settings) -> AsyncIterator[None]:
    async with scratch_database("family") as url:
        session = db_engine.current_engine()
        engine = db_engine.configure_engine(url)
        if not settings.uses_sqlite:
            await engine.start_connection_pool()  # type: ignore[attr-defined]  # a PostgresEngine
        try:
            await apply_migrations()
            await Town.insert(
                Town(code="330213007", name="溪口镇", name_en="Xikou", kind="town", lat=29.68, lon=121.24),
                Town(code="330213001", name="锦屏街道", name_en="Jinping", kind="subdistrict", lat=29.66, lon=121.40),
            )
            yield
        finally:
            db_engine.bind(session)
            await db_engine.stop(engine)


@pytest.fixture
def ctx(services: ServiceContext, own_database: None) -> ServiceContext:
    return replace(services, clock=FixedClock(NOW))


def new_id_number() -> str:
    return make_id_number("330283", date(1946, 5, 4), next(_sequence), "F")


def address() -> str:
    return f"198.51.100.{next(_addresses)}"


def filing(id_number: str, **overrides: object) -> family.PublicFilingIn:
    values: dict[str, object] = {
        "filed_by": "family",
        "filer_name": "李小红",
        "filer_phone": "13900000001",
        "id_number": id_number,
        "name": "王秀英",
        "phone": "13800000002",
        "address": "溪口镇岩头村3号",
        "town": "330213007",
        "care_mode": "home",
        "disabled_since": date(2025, 1, 1),
        "self_eval": DEPENDENT,
    }
    return family.PublicFilingIn.model_validate(values | overrides)


async def test_a_family_files_for_a_new_person_and_gets_a_reference(ctx) -> None:
    id_number = new_id_number()
    filed = await family.file_public(ctx, filing(id_number), address())
    row = await Application.select().where(Application.reference == filed.reference).first()
    assert row is not None and row["status"] == "submitted" and row["created_by"] is None
    assert row["filed_by"] == "family" and "李小红" not in row["filer_enc"]  # sealed
    filer = await family.filer_of(ctx, row["id"])
    assert filer is not None and (filer.name, filer.phone) == ("李小红", "13900000001")
    person = await Person.select(Person.name, Person.registered_by_provider).where(Person.id == row["person"]).first()
    assert person == {"name": "王秀英", "registered_by_provider": None}
    audit = await AuditEntry.select(AuditEntry.actor, AuditEntry.actor_name).where(
        (AuditEntry.action == "application.file_public") & (AuditEntry.entity_id == str(row["id"]))
    )
    assert audit == [{"actor": None, "actor_name": "public"}]


async def test_a_registered_person_is_found_by_id_number_never_registered_twice(ctx) -> None:
    bureau = Actor(user_id=0, username="bureau", role=Role.BUREAU)
    id_number = new_id_number()
    registered = await persons.register_person(
        ctx, bureau, persons.PersonIn(id_number=id_number, name="赵大伯", phone="13811112222", town="锦屏街道")
    )
    before = await Person.select().where(Person.id == registered.id).first()
    filed = await family.file_public(
        ctx, filing(id_number.lower(), name="赵 大伯", phone="13999999999", town="330213007"), address()
    )
    row = await Application.select(Application.person).where(Application.reference == filed.reference).first()
    assert row == {"person": registered.id}
    # A public filing never changes the registered person's town or contact details.
    assert await Person.select().where(Person.id == registered.id).first() == before
    # The same filing rules, but a refusal about a registered person tells nothing of them.
    with pytest.raises(Conflict) as refused:
        await family.file_public(ctx, filing(id_number, name="赵大伯"), address())
    assert refused.value.code == "public_filing_needs_desk"


async def test_an_id_number_alone_does_not_file_for_a_registered_person(ctx) -> None:
    bureau = Actor(user_id=0, username="bureau", role=Role.BUREAU)
    id_number = new_id_number()
    registered = await persons.register_person(
        ctx, bureau, persons.PersonIn(id_number=id_number, name="孙阿姨", town="锦屏街道")
    )
    with pytest.raises(Conflict) as stranger:
        await family.file_public(ctx, filing(id_number, name="别的名字"), address())
    assert stranger.value.code == "public_filing_needs_desk"
    assert await Application.count().where(Application.person == registered.id) == 0
    assert await Person.count().where(Person.name == "别的名字") == 0
    # Uninsured: the same refusal, not "not insured".
    uninsured_number = new_id_number()
    await persons.register_person(
        ctx, bureau, persons.PersonIn(id_number=uninsured_number, name="周大爷", town="锦屏街道", insured=False)
    )
    with pytest.raises(Conflict) as uninsured:
        await family.file_public(ctx, filing(uninsured_number, name="周大爷"), address())
    assert uninsured.value.code == "public_filing_needs_desk"


async def test_the_filing_rules_hold_on_the_public_page(ctx) -> None:
    refused_person = new_id_number()
    with pytest.raises(InvalidInput) as too_recent:
        await family.file_public(ctx, filing(refused_person, disabled_since=date(2026, 11, 1)), address())
    assert too_recent.value.code == "disability_too_recent"
    # nothing half-written: the person a refused application was for is not left registered
    assert await persons.person_ids_by_id_number(ctx.settings.keyring, [refused_person]) == {}
    with pytest.raises(InvalidInput) as bad_number:
        await family.file_public(ctx, filing("330283194605041234"), address())
    assert bad_number.value.code == "invalid_id_number"


async def test_filings_from_one_connection_are_limited(ctx) -> None:
    client = address()
    for _ in range(family.FILING_LIMIT.policy.max_failures):
        with pytest.raises(InvalidInput):
            await family.file_public(ctx, filing("not a number"), client)
    with pytest.raises(TooManyAttempts) as limited:
        await family.file_public(ctx, filing(new_id_number()), client)
    assert limited.value.code == "too_many_filings" and limited.value.retry_after > 0
    later = replace(ctx, clock=FixedClock(NOW + timedelta(hours=1, seconds=1)))
    assert (await family.file_public(later, filing(new_id_number()), client)).reference


async def test_only_the_reference_with_the_persons_id_number_opens_the_view(ctx) -> None:
    id_number = new_id_number()
    filed = await family.file_public(ctx, filing(id_number), address())
    client = address()
    view = await follow.open_with_reference(
        ctx, FollowIn(reference=filed.reference.lower(), id_number=id_number), client
    )
    assert view.reference == filed.reference and view.status == "submitted"
    other = new_id_number()
    wrong_pairs = [(filed.reference, other), ("SQ261207AAAAAAAA", id_number), (filed.reference, id_number[:-1])]
    codes = set()
    for reference, number in wrong_pairs:
        with pytest.raises(NotFound) as refused:
            await follow.open_with_reference(ctx, FollowIn(reference=reference, id_number=number), client)
        codes.add((refused.value.code, str(refused.value)))
    assert len(codes) == 1 and next(iter(codes))[0] == "not_found"  # one answer, whichever was wrong
    for _ in range(follow.FOLLOW_LIMIT.policy.max_failures - len(wrong_pairs)):
        with pytest.raises(NotFound):
            await follow.open_with_reference(ctx, FollowIn(reference=filed.reference, id_number=other), client)
    with pytest.raises(TooManyAttempts) as limited:  # even the right pair waits now
        await follow.open_with_reference(ctx, FollowIn(reference=filed.reference, id_number=id_number), client)
    assert limited.value.code == "too_many_follow_attempts"
    # The token opens it again, for a while, and a changed one opens nothing.
    again = await follow.open_with_token(ctx, view.token)
    assert again.reference == filed.reference
    with pytest.raises(NotFound):
        await follow.open_with_token(ctx, view.token[:-2] + "xx")
    with pytest.raises(NotFound):
        await follow.open_with_token(replace(ctx, clock=FixedClock(NOW + timedelta(hours=1))), view.token)
    application = await Application.select(Application.id).where(Application.reference == filed.reference).first()
    openings = (
        await AuditEntry.select(AuditEntry.actor, AuditEntry.after)
        .where((AuditEntry.action == "application.follow") & (AuditEntry.entity_id == str(application["id"])))
        .output(load_json=True)
    )
    assert [(o["actor"], o["after"]["opened_by"]) for o in openings] == [(None, "reference"), (None, "token")]


async def _cared_for(ctx: ServiceContext, id_number: str) -> tuple[str, int, int]:
    """A filed application whose person a provider now cares for: reference, person, provider."""
    filed = await family.file_public(ctx, filing(id_number), address())
    row = await Application.select(Application.person).where(Application.reference == filed.reference).first()
    person_id = row["person"]
    provider = Provider(
        code=f"F{uuid.uuid4().hex[:10]}",
        name="颐康居家护理站",
        kind="home",
        lat=29.6,
        lon=121.4,
        hourly_price_fen=6000,
        created_at=NOW,
    )
    await provider.save()
    await Assignment(
        person=person_id,
        provider=provider.id,
        care_mode="home",
        status="active",
        reason="nearest",
        current_key=f"person:{person_id}",
        started_at=NOW,
    ).save()
    return filed.reference, person_id, provider.id


async def _conclude(reference: str, level: int = 4) -> None:
    """The application's assessment, concluded (final) today."""
    row = await Application.select(Application.id).where(Application.reference == reference).first()
    await Assessment(
        application=row["id"],
        round=1,
        round_key=f"{row['id']}:1",
        idempotency_key=uuid.uuid4().hex,
        request_hash="x",
        instrument_code="nhsa-2021",
        instrument_version="2021.1",
        answers={},
        result={},
        level=level,
        severe=True,
        assessor_ids=[],
        started_at=NOW,
        finished_at=NOW,
        status="final",
        submitted_at=NOW,
        finalized_at=NOW,
        valid_until=date(2028, 12, 6),
    ).save()
    await Application.update({Application.status: "final"}).where(Application.id == row["id"])


async def test_the_view_shows_the_persons_visits_and_shares_and_hides_the_rest(ctx) -> None:
    id_number = new_id_number()
    filed_earlier = replace(ctx, clock=FixedClock(NOW - timedelta(days=60)))  # filed 2026-10-08
    reference, person_id, provider_id = await _cared_for(filed_earlier, id_number)
    carer = Caregiver(
        provider=provider_id, name="陈美玲", qualification="elderly_carer", lat=29.6, lon=121.4, created_at=NOW
    )
    await carer.save()
    stranger, _, _ = await _cared_for(ctx, new_id_number())
    stranger_row = await Application.select(Application.person).where(Application.reference == stranger).first()
    for status, days_ago, person in [
        ("done", 3, person_id),
        ("planned", 10, person_id),
        ("planned", -2, person_id),
        ("cancelled", 5, person_id),
        ("done", 200, person_id),
        ("done", 70, person_id),  # before this application was filed
        ("done", 4, stranger_row["person"]),
    ]:
        start = NOW - timedelta(days=days_ago)
        await Visit(
            person=person,
            provider=provider_id,
            caregiver=carer.id,
            slot_key=f"family:{uuid.uuid4().hex}",
            planned_start=start,
            service_month=service_month(start, SHANGHAI),
            planned_end=start + timedelta(hours=1),
            status=status,
            created_at=NOW,
            updated_at=NOW,
        ).save()
    for period, status, lines in [
        ("2026-09", "paid", [(44400, 0)]),  # before this application was filed
        ("2026-10", "approved", [(30000, 0), (5000, 5000)]),
        ("2026-11", "paid", [(12000, 2000)]),
        ("2026-12", "draft", [(99900, 0)]),
    ]:
        settlement = Settlement(
            provider=provider_id, period=period, settlement_key=f"{provider_id}:{period}", status="draft", built_at=NOW
        )
        await settlement.save()
        for n, (personal, relief) in enumerate(lines, start=1):
            await SettlementLine(
                settlement=settlement.id,
                service_month=Period.parse(period).first_day,
                line_no=n,
                kind="home",
                person=person_id,
                personal_fen=personal,
                relief_fen=relief,
            ).save()
        await SettlementLine(
            settlement=settlement.id,
            service_month=Period.parse(period).first_day,
            line_no=9,
            kind="home",
            person=stranger_row["person"],
            personal_fen=77700,
        ).save()
        if status != "draft":
            await Settlement.update({Settlement.status: status}).where(Settlement.id == settlement.id)
    undecided = await follow.open_with_reference(ctx, FollowIn(reference=reference, id_number=id_number), address())
    assert undecided.conclusion is None  # nothing of the person's care while it is being decided
    assert (undecided.provider_name, undecided.visits, undecided.shares) == (None, [], [])
    await _conclude(reference)
    view = await follow.open_with_reference(ctx, FollowIn(reference=reference, id_number=id_number), address())
    assert view.person_name == "王**" and view.id_number == id_number[:4] + "*" * 10 + id_number[-4:]
    assert [(v.day, v.caregiver, v.outcome) for v in view.visits] == [
        ((NOW - timedelta(days=3)).date(), "美玲", "done"),
        ((NOW - timedelta(days=10)).date(), "美玲", "missed"),
    ]
    assert [(s.period, s.personal_fen) for s in view.shares] == [("2026-11", 10000), ("2026-10", 30000)]
    assert view.provider_name == "颐康居家护理站"
    shown = view.model_dump_json()
    for hidden in (id_number, "13800000002", "岩头村", "李小红", "13900000001", "陈美玲", "77700", "44400"):
        assert hidden not in shown


async def test_complaints_and_satisfaction_answers_feed_supervision(ctx) -> None:
    id_number = new_id_number()
    reference, person_id, provider_id = await _cared_for(ctx, id_number)
    view = await follow.open_with_reference(ctx, FollowIn(reference=reference, id_number=id_number), address())
    filed = await follow.complain(ctx, FollowComplaintIn(token=view.token, description="护理员没有按时上门"), address())
    tip_off = (
        await TipOff.select(TipOff.channel, TipOff.about, TipOff.status)
        .where(TipOff.reference == filed.reference)
        .first()
    )
    assert tip_off == {"channel": "family", "about": f"颐康居家护理站 · {reference}", "status": "new"}
    answered = await follow.answer_satisfaction(ctx, SatisfactionIn(token=view.token, answer="dissatisfied"))
    assert answered.period == "2026-12"
    assert await satisfaction(provider_id, 2026, ctx.settings.zone) is not None
    calls = await FollowUpCall.select(FollowUpCall.person, FollowUpCall.channel, FollowUpCall.answer).where(
        FollowUpCall.provider == provider_id
    )
    assert calls == [{"person": person_id, "channel": "family", "answer": "dissatisfied"}]
    with pytest.raises(Conflict) as twice:
        await follow.answer_satisfaction(ctx, SatisfactionIn(token=view.token, answer="satisfied"))
    assert twice.value.code == "satisfaction_already_answered"
    assert (await follow.open_with_token(ctx, view.token)).answered_this_month
    with pytest.raises(NotFound):  # a forged token sends nothing
        await follow.answer_satisfaction(ctx, SatisfactionIn(token="1.99999999999.x", answer="satisfied"))


async def test_no_provider_no_rating(ctx) -> None:
    id_number = new_id_number()
    filed = await family.file_public(ctx, filing(id_number), address())
    view = await follow.open_with_reference(ctx, FollowIn(reference=filed.reference, id_number=id_number), address())
    with pytest.raises(Conflict) as refused:
        await follow.answer_satisfaction(ctx, SatisfactionIn(token=view.token, answer="satisfied"))
    assert refused.value.code == "no_provider_to_rate"


async def test_a_key_rotation_reseals_the_filer_and_leaves_desk_applications_alone(ctx) -> None:
    filed = await family.file_public(ctx, filing(new_id_number()), address())
    row = await Application.select(Application.id).where(Application.reference == filed.reference).first()
    desk = Application.data_key_id == ""
    desk_before = await Application.count().where(desk)
    rotated = replace(ctx, settings=keyed(ctx.settings, "new"))
    try:
        await rotate_data_keys(rotated, RotateKeysParams(batch_size=50), nothing)
        stored = await Application.select(Application.data_key_id, Application.filed_by).where(
            Application.filed_by != ""
        )
        assert stored and all(r["data_key_id"] == "new" for r in stored)
        assert await Application.count().where(desk) == desk_before  # they seal nothing
        filer = await family.filer_of(rotated, row["id"])
        assert filer is not None and filer.name == "李小红"
    finally:
        await rotate_data_keys(replace(ctx, settings=keyed(ctx.settings, "dev")), RotateKeysParams(), nothing)
    assert (await family.filer_of(ctx, row["id"])).name == "李小红"  # type: ignore[union-attr]


async def test_a_token_keeps_its_expiry_however_often_it_opens_the_view(ctx) -> None:
    id_number = new_id_number()
    filed = await family.file_public(ctx, filing(id_number), address())
    view = await follow.open_with_reference(ctx, FollowIn(reference=filed.reference, id_number=id_number), address())
    token = view.token
    for minutes in (10, 20, 29):
        at = replace(ctx, clock=FixedClock(NOW + timedelta(minutes=minutes)))
        again = await follow.open_with_token(at, token)
        assert (again.token, again.token_expires) == (view.token, view.token_expires)
        token = again.token
    with pytest.raises(NotFound):
        await follow.open_with_token(replace(ctx, clock=FixedClock(NOW + timedelta(minutes=31))), token)
