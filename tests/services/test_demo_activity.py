"""The demo's activity goes through the real services: residents concluded, assigned,
given confirmed care plans, and visits generated."""

from __future__ import annotations

from ltc.db import engine as db_engine
from ltc.db.tables import Assignment, CarePlan, Conclusion, Visit
from ltc.runtime import open_runtime
from ltc.services.demo_activity import seed_demo_activity
from ltc.services.seed import seed_demo
from ltc.settings import Settings


async def test_the_demo_activity_fills_every_stage(app, tmp_path, settings: Settings) -> None:
    own = settings.model_copy(update={"database_url": f"sqlite:///{tmp_path / 'demo.sqlite'}", "redis_url": ""})
    session_engine = db_engine.current_engine()
    try:
        await _check_activity(own)
    finally:
        db_engine.bind(session_engine)  # the rest of the session keeps its own database


async def _check_activity(own: Settings) -> None:
    async with open_runtime(own, migrate=True) as runtime:
        await seed_demo(runtime.services, password="demo-password", residents=160)
        outcome = await seed_demo_activity(runtime.services)
        assert outcome.beneficiaries >= 15
        severe = await Conclusion.count().where(Conclusion.severe == True)
        assert 0 < severe < outcome.beneficiaries, "one profile in five is not severe"
        assert await Assignment.count().where(Assignment.status == "active") == severe
        assert await CarePlan.count().where(CarePlan.status == "confirmed") == outcome.care_plans > 0
        assert await Visit.count() == outcome.visits > 0
