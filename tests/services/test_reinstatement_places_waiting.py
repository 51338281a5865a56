"""A suspension leaves the people no other provider can take waiting; reinstating the
provider places them again (the job it starts), and the page action's job places anyone
still waiting without writing anything for those it still cannot place."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from ltc.db.tables import (
    AgreementEvent,
    Application,
    AppUser,
    Assessment,
    Assignment,
    Conclusion,
    Job,
    Person,
    Provider,
)
from ltc.domain.access import Actor, Role
from ltc.services import assignments, providers
from ltc.services.jobs import NoParams
from ltc.services.providers import ProviderIn
from tests.worker.test_worker import run_burst_worker

NOW = datetime(2026, 3, 2, 2, tzinfo=UTC)
# Far from the demo district, so no demo provider can take the test's people.
PROVIDER_AT = (40.0, 100.0)
TEN_KM_NORTH = (40.09, 100.0)
MADE: dict[str, list[int]] = {"persons": [], "providers": []}


@pytest.fixture(autouse=True)
async def remove_what_the_test_made():
    """The session's database is shared: the people and the provider made here go after the test."""
    yield
    persons, providers_made = MADE["persons"], MADE["providers"]
    if persons or providers_made:
        await Assignment.delete().where(
            Assignment.person.is_in(persons or [0])
            | Assignment.provider.is_in(providers_made or [0])
            | Assignment.nearest_provider.is_in(providers_made or [0])
        )
        await Conclusion.delete().where(Conclusion.person.is_in(persons or [0]))
        applications = Application.select(Application.id).where(Application.person.is_in(persons or [0]))
        await Assessment.delete().where(Assessment.application.is_in(applications))
        await Application.delete().where(Application.person.is_in(persons or [0]))
        await Person.delete().where(Person.id.is_in(persons or [0]))
        await AgreementEvent.delete().where(AgreementEvent.provider.is_in(providers_made or [0]))
        await Provider.delete().where(Provider.id.is_in(providers_made or [0]))
    persons.clear()
    providers_made.clear()


async def _bureau() -> Actor:
    row = await AppUser.select(AppUser.id).where(AppUser.username == "bureau").first()
    return Actor(user_id=row["id"], username="bureau", role=Role.BUREAU)


async def _beneficiary(position: tuple[float, float]) -> tuple[int, int]:
    """A person with an active severe home-care conclusion at ``position``."""
    person = Person(
        id_number=uuid.uuid4().hex[:18],
        name="候补",
        sex="F",
        birth_date=date(1940, 1, 1),
        lat=position[0],
        lon=position[1],
        created_at=NOW,
    )
    await person.save()
    MADE["persons"].append(person.id)
    application = Application(
        person=person.id,
        applied_on=date(2026, 1, 5),
        care_mode="home",
        policy_version="2021.1",
        status="final",
        created_at=NOW,
    )
    await application.save()
    assessment = Assessment(
        application=application.id,
        round=1,
        round_key=f"{application.id}:1",
        idempotency_key=uuid.uuid4().hex,
        request_hash="x",
        instrument_code="nhsa-2021",
        instrument_version="2021.1",
        answers={},
        result={},
        level=4,
        severe=True,
        assessor_ids=[],
        started_at=NOW,
        finished_at=NOW,
        status="final",
        submitted_at=NOW,
    )
    await assessment.save()
    conclusion = Conclusion(
        person=person.id,
        application=application.id,
        assessment=assessment.id,
        level=4,
        severe=True,
        care_mode="home",
        valid_from=date(2026, 2, 1),
        valid_until=date(2028, 2, 1),
        created_at=NOW,
    )
    await conclusion.save()
    return person.id, conclusion.id


async def _current(person_id: int) -> dict:
    return await Assignment.select().where(Assignment.current_key == f"person:{person_id}").first()


async def test_reinstating_a_suspended_provider_places_the_people_its_suspension_left_waiting(app, services) -> None:
    bureau = await _bureau()
    provider = await providers.create_provider(
        services,
        bureau,
        ProviderIn(
            code=f"R{uuid.uuid4().hex[:8]}",
            name="远郊护理站",
            kind="home",
            lat=PROVIDER_AT[0],
            lon=PROVIDER_AT[1],
            service_radius_km=15.0,
            capacity=5,
            hourly_price_fen=6000,
        ),
    )
    MADE["providers"].append(provider.id)
    await providers.change_agreement(services, bureau, provider.id, "designate", batch="2026-R")
    await providers.change_agreement(services, bureau, provider.id, "activate")
    await run_burst_worker(app)
    person_id, conclusion_id = await _beneficiary(TEN_KM_NORTH)
    from ltc.db.engine import write_transaction

    async with write_transaction():
        first = await assignments.assign_person(
            services, bureau, person_id, conclusion_id=conclusion_id, care_mode="home", now=services.clock.now()
        )
    assert first.provider_id == provider.id and 9.5 < (first.distance_km or 0) < 10.5

    suspended = await providers.change_agreement(services, bureau, provider.id, "suspend", reason="基金检查")
    await run_burst_worker(app)
    waiting = await _current(person_id)
    assert waiting["status"] == "unassigned" and waiting["provider"] is None
    assert (await Job.select(Job.status).where(Job.id == suspended.reassignment_job_id).first())["status"] == "done"

    reinstated = await providers.change_agreement(services, bureau, provider.id, "reinstate", reason="整改完成")
    assert reinstated.status == "active" and reinstated.reassignment_job_id is not None
    await run_burst_worker(app)
    job = await Job.select(Job.kind, Job.status).where(Job.id == reinstated.reassignment_job_id).first()
    assert job == {"kind": "assign_beneficiaries", "status": "done"}
    back = await _current(person_id)
    assert back["status"] == "active" and back["provider"] == provider.id
    assert 9.5 < back["distance_km"] < 10.5


async def test_placing_the_waiting_writes_nothing_for_someone_still_out_of_reach(services) -> None:
    person_id, _ = await _beneficiary((41.5, 101.5))  # 200 km from anyone
    progress_seen: list[float] = []

    async def progress(share: float) -> None:
        progress_seen.append(share)

    await assignments.assign_beneficiaries(services, NoParams(), progress)
    first = await _current(person_id)
    assert first["status"] == "unassigned" and first["reason"] == "no_provider_in_range"
    rows_before = await Assignment.count().where(Assignment.person == person_id)
    await assignments.assign_beneficiaries(services, NoParams(), progress)
    assert await Assignment.count().where(Assignment.person == person_id) == rows_before
    assert (await _current(person_id))["id"] == first["id"]
