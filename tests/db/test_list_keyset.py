"""Keyset paging in the database, under writes: a list read page by page while rows are
inserted between the pages (before the cursor, after it, and tied with it) gives every row
that was there from the start exactly once, in the list's order, with no row twice — for an
ascending order with ties on its first column (a day's visits) and a mixed one over a joined
column (settlements: the newest month first, by provider code within a month)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltc.bench.scratch import scratch_database
from ltc.db import engine as db_engine
from ltc.db.migrate import apply_migrations
from ltc.db.queries import lists
from ltc.db.tables import Person, Provider, Settlement, Visit
from ltc.domain.periods import service_month
from ltc.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")

CREATED = datetime(2026, 1, 1, tzinfo=UTC)
START = datetime(2032, 7, 1, tzinfo=UTC)
COLUMNS = (Visit.id, Visit.planned_start)


@pytest.fixture
async def loop() -> asyncio.AbstractEventLoop:
    """The session's event loop, which the database pool lives on (idle between examples)."""
    return asyncio.get_running_loop()


async def _provider(code: str | None = None) -> int:
    code = code or f"K{uuid.uuid4().hex[:10]}"
    row = Provider(code=code, name=code, kind="home", lat=29.6, lon=121.4, created_at=CREATED)
    await row.save()
    return row.id


@pytest.fixture(scope="module")
async def own_database(settings: Settings) -> AsyncIterator[None]:
    """A database of this module's own, migrated: the many providers and rows the examples
    write stay out of the session's database other tests count in."""
    async with scratch_database("keyset") as url:
        session = db_engine.current_engine()
        engine = db_engine.configure_engine(url)
        if not settings.uses_sqlite:
            await engine.start_connection_pool()  # type: ignore[attr-defined]  # a PostgresEngine
        try:
            await apply_migrations()
            yield
        finally:
            db_engine.bind(session)
            await db_engine.stop(engine)


@pytest.fixture
async def places(own_database: None) -> tuple[int, int]:
    """A provider and a person of the test's own."""
    person = Person(
        id_number=uuid.uuid4().hex[:18], name="键", sex="M", birth_date=date(1941, 1, 1), created_at=CREATED
    )
    await person.save()
    return await _provider(), person.id


async def _visit(provider: int, person: int, minute: int) -> None:
    at = START + timedelta(minutes=minute)
    await Visit(
        person=person,
        provider=provider,
        slot_key=f"keyset:{uuid.uuid4().hex}",
        planned_start=at,
        service_month=service_month(at, SHANGHAI),
        planned_end=at + timedelta(hours=1),
        created_at=CREATED,
        updated_at=CREATED,
    ).save()


async def _read_visits_while_writing(
    provider: int, person: int, minutes: list[int], limit: int, inserts: list[list[int]]
) -> None:
    for minute in minutes:
        await _visit(provider, person, minute)

    def query():
        return lists.visits_query(
            COLUMNS,
            start=START,
            end=START + timedelta(days=1),
            zone=SHANGHAI,
            provider=provider,
            caregiver=None,
            status=None,
        )

    before = [(r["planned_start"], r["id"]) for r in await lists.VISIT_ORDER.ordered(query())]
    seen: list[tuple[datetime, int]] = []
    after: str | None = None
    # Every row, first or added, takes a page at most (limit 1), so this many pages reach the end.
    for step in range(len(minutes) + sum(len(batch) for batch in inserts) + 2):
        page = await lists.page_of(query(), lists.VISIT_ORDER, after, limit)
        assert len(page.items) <= limit
        seen += [(r["planned_start"], r["id"]) for r in page.items]
        for minute in inserts[step] if step < len(inserts) else []:
            await _visit(provider, person, minute)  # between two pages
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == sorted(seen) and len(set(seen)) == len(seen), "in order, none twice"
    assert set(before) <= set(seen), "every row there from the start"


@given(
    minutes=st.lists(st.integers(min_value=0, max_value=30), max_size=14),
    limit=st.integers(min_value=1, max_value=5),
    inserts=st.lists(st.lists(st.integers(min_value=0, max_value=30), max_size=3), max_size=6),
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_days_visits_read_in_pages_while_visits_are_added(loop, places, minutes, limit, inserts) -> None:
    provider = loop.run_until_complete(_provider())  # each example a provider (and so a list) of its own
    loop.run_until_complete(_read_visits_while_writing(provider, places[1], minutes, limit, inserts))


async def _settlement(provider: int, period: str) -> None:
    key = f"{provider}:{period}"
    if await Settlement.exists().where(Settlement.settlement_key == key):
        return
    await Settlement(provider=provider, period=period, settlement_key=key, status="draft", built_at=CREATED).save()


async def _read_settlements_while_writing(
    providers: list[int], rows: list[tuple[int, int]], limit: int, inserts: list[list[tuple[int, int]]]
) -> None:
    periods = [f"2034-{m:02d}" for m in range(1, 5)]
    for p, m in rows:
        await _settlement(providers[p], periods[m])

    def query():
        return lists.settlements_query(lists_columns(), period=None, provider=None, status="draft").where(
            Settlement.provider.is_in(providers)
        )

    def key(row) -> tuple[str, str]:
        return row["period"], row["provider_code"]

    before = [key(r) for r in await lists.SETTLEMENT_ORDER.ordered(query())]
    seen: list[tuple[str, str]] = []
    after: str | None = None
    for step in range(len(rows) + sum(len(batch) for batch in inserts) + 2):
        page = await lists.page_of(query(), lists.SETTLEMENT_ORDER, after, limit)
        seen += [key(r) for r in page.items]
        for p, m in inserts[step] if step < len(inserts) else []:
            await _settlement(providers[p], periods[m])
        if page.next_after is None:
            break
        after = page.next_after
    order = [(-int(period.replace("-", "")), code) for period, code in seen]
    assert order == sorted(order) and len(set(seen)) == len(seen), "newest month first, by code; none twice"
    assert set(before) <= set(seen)


def lists_columns():
    return (Settlement.id, Settlement.period, Settlement.provider.code.as_alias("provider_code"))


pairs = st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=3))


@given(
    rows=st.lists(pairs, max_size=12),
    limit=st.integers(min_value=1, max_value=4),
    inserts=st.lists(st.lists(pairs, max_size=3), max_size=6),
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_settlements_read_in_pages_while_settlements_are_built(loop, places, rows, limit, inserts) -> None:
    stem = uuid.uuid4().hex[:8]
    providers = [loop.run_until_complete(_provider(f"S{stem}{i}")) for i in range(4)]
    loop.run_until_complete(_read_settlements_while_writing(providers, rows, limit, inserts))
