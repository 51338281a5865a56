"""What a month's build needs of the remote villages (远郊模式): the towns of the people whose
visits earn a travel allowance, and the family-care allowances each provider settles."""

from __future__ import annotations

from datetime import date

from ltc.db.parameters import in_parts
from ltc.db.queries.remote_benefits import runs_in
from ltc.db.tables import Conclusion, Person, RemoteBenefit, RemoteCheck
from ltc.domain import settlement as rules
from ltc.domain.errors import InvalidInput
from ltc.domain.periods import Period
from ltc.domain.policy import FAMILY_CARE_ALLOWANCE


def towns_with_travel_allowance(period: Period, policy_for: rules.PolicyFor) -> set[str]:
    """The codes of the towns any version in force in the month pays a travel allowance in."""
    codes: set[str] = set()
    seen: set[str] = set()
    for day in period.dates():
        try:
            policy = policy_for(day)
        except InvalidInput:  # a day no version governs pays nothing
            continue
        if policy.version in seen:
            continue
        seen.add(policy.version)
        codes |= {code for code, town in policy.towns.items() if town.travel_allowance_fen > 0}
    return codes


async def person_towns(codes: set[str]) -> dict[int, str]:
    """Person → town code, for the people of those towns (few: the remote ones)."""
    if not codes:
        return {}
    rows = await Person.select(Person.id, Person.town.code.as_alias("code")).where(
        Person.town.code.is_in(sorted(codes))
    )
    return {r["id"]: r["code"] for r in rows}


async def family_care_inputs(period: Period, provider_id: int | None) -> dict[int, list[rules.FamilyCareInput]]:
    """By provider: the family-care allowances running in the month, each with the person's
    level (their active conclusion) and the finding of the month's check."""
    query = RemoteBenefit.select(
        RemoteBenefit.id, RemoteBenefit.person, RemoteBenefit.provider, RemoteBenefit.from_day, RemoteBenefit.to_day
    ).where((RemoteBenefit.kind == FAMILY_CARE_ALLOWANCE) & RemoteBenefit.provider.is_not_null() & runs_in(period))
    if provider_id is not None:
        query = query.where(RemoteBenefit.provider == provider_id)
    benefits = await query.order_by(RemoteBenefit.id)
    if not benefits:
        return {}
    persons = sorted({b["person"] for b in benefits})
    levels: dict[int, tuple[int, date | None]] = {}
    for part in in_parts(persons):
        for r in (
            await Conclusion.select(Conclusion.person, Conclusion.level, Conclusion.valid_until)
            .where(Conclusion.person.is_in(part) & (Conclusion.status == "active") & (Conclusion.severe == True))
            .order_by(Conclusion.id)
        ):
            levels[r["person"]] = (r["level"], r["valid_until"])  # the latest active conclusion
    findings: dict[int, str] = {}
    for part in in_parts([b["id"] for b in benefits]):
        findings.update(
            (r["benefit"], r["finding"])
            for r in await RemoteCheck.select(RemoteCheck.benefit, RemoteCheck.finding).where(
                (RemoteCheck.period == str(period)) & RemoteCheck.benefit.is_in(part)
            )
        )
    out: dict[int, list[rules.FamilyCareInput]] = {}
    for b in benefits:  # a person's several allowances in the month are merged by the build
        level, valid_until = levels.get(b["person"], (0, None))
        out.setdefault(b["provider"], []).append(
            rules.FamilyCareInput(
                person_id=b["person"],
                level=level,
                from_day=b["from_day"],
                to_day=b["to_day"],
                finding=findings.get(b["id"]),
                valid_until=valid_until,
            )
        )
    return out
