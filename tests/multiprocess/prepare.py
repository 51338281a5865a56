"""Run as ``python -m tests.multiprocess.prepare`` before the web processes start: migrates
the database of ``LTC_DATABASE_URL`` and opens the bureau account the tests sign in with (in
a process of its own, so the test session's database engine is left alone)."""

from __future__ import annotations

import asyncio
import os

from ltc.domain.access import Role
from ltc.runtime import open_runtime
from ltc.services.users import create_user
from ltc.settings import load_settings

USERNAME = "scale-bureau"


async def prepare() -> None:
    async with open_runtime(load_settings(), migrate=True) as runtime:
        await create_user(
            runtime.services, actor=None, username=USERNAME, password=os.environ["SCALE_PASSWORD"], role=Role.BUREAU
        )


if __name__ == "__main__":
    asyncio.run(prepare())
