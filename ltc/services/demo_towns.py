"""The towns' own rules in the demo, on top of the demo activity: a hamlet of 松岙镇 beyond
every home-care provider's reach, whose severely disabled residents are concluded through the
real services and stay uncovered (the siting analysis has people to place); two of them get
the family-care allowance under the town's institution, one already checked this month by the
town's agent (agent1), the other still due; and the civil-affairs list of hardship groups is
uploaded for three beneficiaries (relief of their personal share)."""

from __future__ import annotations

import csv
import io
import logging
from datetime import date

from pydantic import BaseModel, ConfigDict

from ltc.db.tables import Conclusion, Provider
from ltc.domain.access import Actor
from ltc.domain.errors import DomainError
from ltc.domain.identity import make_id_number
from ltc.domain.periods import Period
from ltc.services import persons, remote_benefits
from ltc.services.clock import local_today
from ltc.services.context import ServiceContext
from ltc.services.demo_activity import PROFILES, Team, conclude, demo_user
from ltc.services.relief.registry import upload_relief_registry
from ltc.services.remote_benefits import CheckIn, GrantIn

log = logging.getLogger(__name__)

SONGAO = "330213011"
# A hill hamlet of 松岙镇, farther than the town's 15 km from every home-care provider.
HAMLET = (29.4620, 121.6180)
HAMLET_RESIDENTS = [("应阿土", "M"), ("胡彩娣", "F"), ("邬金凤", "F"), ("应大年", "M")]
TOWN_INSTITUTION = "奉化松岙颐养院"  # supervises the family caregivers of the town's remote households
RELIEF_GROUPS = ["dibao", "medical_aid", "dibao"]


class DemoTowns(BaseModel):
    model_config = ConfigDict(frozen=True)

    uncovered: int = 0
    family_care: int = 0
    checks: int = 0
    relief_listed: int = 0


async def seed_demo_towns(ctx: ServiceContext) -> DemoTowns:
    bureau, assessor, expert = await demo_user("bureau"), await demo_user("assessor1"), await demo_user("expert1")
    agent = await demo_user("agent1")
    if bureau is None or assessor is None or expert is None or agent is None:
        return DemoTowns()
    team = Team(bureau, assessor, expert)
    today = local_today(ctx.clock, ctx.settings.zone)
    hamlet: list[int] = []
    for n, (name, sex) in enumerate(HAMLET_RESIDENTS):
        try:
            person = await persons.register_person(
                ctx,
                bureau,
                persons.PersonIn(
                    id_number=make_id_number("330283", date(1938 + n, 3, 11 + n), 901 + n, sex),
                    name=name,
                    town=SONGAO,
                    address=f"松岙镇山岙村{n + 3}号",
                    lat=HAMLET[0] + 0.002 * n,
                    lon=HAMLET[1] - 0.002 * n,
                ),
            )
            await conclude(ctx, team, person.id, PROFILES[n % 3], "home")
            hamlet.append(person.id)
        except DomainError as error:
            log.info("demo towns: hamlet resident %s left out (%s)", name, error.code)
    uncovered = {p.person_id for p in await remote_benefits.list_uncovered(bureau)} & set(hamlet)
    institution = await Provider.select(Provider.id).where(Provider.name == TOWN_INSTITUTION).first()
    supervising = institution["id"] if institution is not None else None
    granted = checked = 0
    for person_id in sorted(uncovered)[:2] if supervising is not None else []:
        try:
            benefit = await remote_benefits.grant(
                ctx,
                bureau,
                GrantIn(
                    person_id=person_id,
                    kind="family_care_allowance",
                    provider_id=supervising,
                    note="山岙村距居家护理机构过远，由家属照护，松岙颐养院指导",
                ),
            )
            granted += 1
            if granted == 1:
                check = CheckIn(period=str(Period.of(today)), kind="visit", finding="ok", note="家属照护到位")
                await remote_benefits.record_check(ctx, agent, benefit.id, check)
                checked += 1
        except DomainError as error:
            log.info("demo towns: no family-care allowance for person %s (%s)", person_id, error.code)
    listed = await _upload_hardship_list(ctx, bureau, today)
    return DemoTowns(uncovered=len(uncovered), family_care=granted, checks=checked, relief_listed=listed)


async def _upload_hardship_list(ctx: ServiceContext, bureau: Actor, today: date) -> int:
    """The civil-affairs list naming three beneficiaries, uploaded as the bureau would."""
    beneficiaries = (
        await Conclusion.select(Conclusion.person)
        .where((Conclusion.status == "active") & (Conclusion.severe == True))
        .order_by(Conclusion.person)
        .limit(len(RELIEF_GROUPS))
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id_number", "name", "group", "from", "to"])
    for row, group in zip(beneficiaries, RELIEF_GROUPS, strict=False):
        person = await persons.get_person(ctx, bureau, row["person"])
        writer.writerow([person.id_number, person.name, group, today.replace(day=1).isoformat(), ""])
    if not beneficiaries:
        return 0
    try:
        await upload_relief_registry(ctx, bureau, "民政救助名单.csv", out.getvalue().encode("utf-8"))
    except DomainError as error:
        log.info("demo towns: hardship list not uploaded (%s)", error.code)
        return 0
    return len(beneficiaries)
