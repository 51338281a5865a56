"""The demo district: towns, providers, caregivers, residents and the demo users, seeded
once and deterministically (a seeded generator, a fixed reference date)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from ltc.db.engine import write_transaction
from ltc.db.personal_data import PersonSecrets, reserve_person_ids, sealed_caregiver, sealed_values
from ltc.db.tables import AppUser, Caregiver, Person, Provider, Town
from ltc.demo.district import build_demo_district
from ltc.domain.access import Role
from ltc.geo.towns import load_towns
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext

DEMO_SEED = 20211
# Ages are computed against a fixed day so the district is the same whenever it is seeded.
DEMO_REFERENCE_DATE = date(2026, 1, 1)
# Every tenth resident is registered with an address only, to be located by geocoding.
WITHOUT_POSITION_EVERY = 10

DEMO_STAFF: list[tuple[str, Role, str]] = [
    ("admin", Role.SYSADMIN, "系统管理员"),
    ("secadmin", Role.SECADMIN, "安全管理员"),
    ("auditor", Role.AUDITOR, "安全审计员"),
    ("bureau", Role.BUREAU, "医保局经办 王敏"),
    ("assessor1", Role.ASSESSOR, "评估员 李强"),
    ("assessor2", Role.ASSESSOR, "评估员 陈静"),
    ("expert1", Role.EXPERT, "评估专家 周建国"),
    # A second team sharing no one with the first (assessor1 + expert1): an objection's
    # re-assessment needs different assessors, one of them an expert.
    ("expert2", Role.EXPERT, "评估专家 吴丽华"),
    ("assessor3", Role.ASSESSOR, "评估员 赵磊"),
    ("supervisor1", Role.SUPERVISOR, "基金监管 孙涛"),
]
# Town agents (镇街经办) by the code of the town they work for: 松岙镇, a remote town.
DEMO_TOWN_AGENTS: list[tuple[str, str, str]] = [("agent1", "330213011", "松岙镇经办 林芳")]


class DistrictSeeded(BaseModel):
    """What seeding the demo district created; nothing (``seeded`` false) when it was there."""

    model_config = ConfigDict(frozen=True)

    seeded: bool
    towns: int = 0
    providers: int = 0
    caregivers: int = 0
    residents: int = 0
    users: int = 0


async def seed_demo(ctx: ServiceContext, *, password: str, residents: int = 300) -> DistrictSeeded:
    """Seed the demo district unless it is there already; returns what was created."""
    if await Provider.exists() or await AppUser.exists().where(AppUser.username == "bureau"):
        await _add_missing_staff(ctx, password)
        return DistrictSeeded(seeded=False)
    towns = list(load_towns())
    district = build_demo_district(towns, seed=DEMO_SEED, residents=residents, today=DEMO_REFERENCE_DATE)
    usernames = (
        [name for name, _, _ in DEMO_STAFF]
        + [name for name, _, _ in DEMO_TOWN_AGENTS]
        + [f"agency-{p.code}" for p in district.providers]
        + [f"caregiver-{p.code}" for p in district.providers]
    )
    # Hash before the transaction: argon2 is slow and the write lock should be short.
    hashes = {name: await ctx.passwords.hash(password) for name in usernames}
    now = ctx.clock.now()
    async with write_transaction():
        await Town.insert(
            *[
                Town(
                    code=t.code,
                    name=t.name,
                    name_en=t.name_en,
                    kind=t.kind,
                    terrain=t.terrain,
                    lat=t.lat,
                    lon=t.lon,
                    share_60plus=t.share_60plus,
                )
                for t in towns
            ]
        )
        town_ids = {row["code"]: row["id"] for row in await Town.select(Town.id, Town.code)}
        await Provider.insert(
            *[
                Provider(
                    code=p.code,
                    name=p.name,
                    name_en=p.name_en,
                    kind=p.kind,
                    status="active",
                    town=town_ids[p.town_code],
                    address=p.address,
                    lat=p.lat,
                    lon=p.lon,
                    service_radius_km=p.service_radius_km,
                    capacity=p.capacity,
                    hourly_price_fen=p.hourly_price_fen,
                    daily_price_fen=p.daily_price_fen,
                    created_at=now,
                )
                for p in district.providers
            ]
        )
        provider_ids = {row["code"]: row["id"] for row in await Provider.select(Provider.id, Provider.code)}
        await Caregiver.insert(
            *[
                Caregiver(
                    provider=provider_ids[c.provider_code],
                    name=c.name,
                    qualification=c.qualification,
                    lat=c.lat,
                    lon=c.lon,
                    weekly_hours=c.weekly_hours,
                    active=True,
                    created_at=now,
                    certificate_no=c.certificate_no,
                    certificate_expires_on=c.certificate_expires_on,
                )
                for c in district.caregivers
            ]
        )
        keyring = ctx.settings.keyring
        caregiver_ids = [row["id"] for row in await Caregiver.select(Caregiver.id).order_by(Caregiver.id)]
        for caregiver_id, c in zip(caregiver_ids, district.caregivers, strict=True):
            await Caregiver.update(sealed_caregiver(keyring, caregiver_id, c.id_number, c.phone)).where(
                Caregiver.id == caregiver_id
            )
        # Each provider's first caregiver who is not its nurse (the one given most home visits)
        # signs in in their own name.
        first_caregivers: dict[str, int] = {}
        for caregiver_id, c in zip(caregiver_ids, district.caregivers, strict=True):
            if c.qualification != "nurse":
                first_caregivers.setdefault(c.provider_code, caregiver_id)
        person_ids = await reserve_person_ids(len(district.residents))
        await Person.insert(
            *[
                Person(
                    id=person_id,
                    **sealed_values(keyring, person_id, PersonSecrets(r.id_number, r.phone, r.address)),
                    name=r.name,
                    sex=r.sex,
                    birth_date=r.birth_date,
                    town=town_ids[r.town_code] if located else None,
                    lat=r.lat if located else None,
                    lon=r.lon if located else None,
                    geocoded_by="survey" if located else "",
                    insured=r.insured,
                    insured_since=r.insured_since,
                    created_at=now,
                )
                for index, (person_id, r) in enumerate(zip(person_ids, district.residents, strict=True))
                for located in [index % WITHOUT_POSITION_EVERY != 0]
            ]
        )
        staff = [(name, role, display, None) for name, role, display in DEMO_STAFF]
        agencies = [(f"agency-{p.code}", Role.AGENCY, p.name, provider_ids[p.code]) for p in district.providers]
        names = {caregiver_id: c.name for caregiver_id, c in zip(caregiver_ids, district.caregivers, strict=True)}
        await AppUser.insert(
            *[
                AppUser(
                    username=name,
                    display_name=display,
                    password_hash=hashes[name],
                    role=role.value,
                    provider=provider_id,
                    active=True,
                    created_at=now,
                    # The demo password is set now: its age counts from the seeding.
                    password_changed_at=now,
                )
                for name, role, display, provider_id in staff + agencies
            ]
        )
        await AppUser.insert(
            *[
                AppUser(
                    username=name,
                    display_name=display,
                    password_hash=hashes[name],
                    role=Role.TOWN_AGENT.value,
                    town=town_ids[code],
                    active=True,
                    created_at=now,
                    password_changed_at=now,
                )
                for name, code, display in DEMO_TOWN_AGENTS
            ]
        )
        await AppUser.insert(
            *[
                AppUser(
                    username=f"caregiver-{code}",
                    display_name=names[caregiver_id],
                    password_hash=hashes[f"caregiver-{code}"],
                    role=Role.CAREGIVER.value,
                    provider=provider_ids[code],
                    caregiver=caregiver_id,
                    active=True,
                    created_at=now,
                    password_changed_at=now,
                )
                for code, caregiver_id in first_caregivers.items()
            ]
        )
        counts = {
            "towns": len(towns),
            "providers": len(district.providers),
            "caregivers": len(district.caregivers),
            "residents": len(district.residents),
            "users": len(usernames),
        }
        await record_change(actor=None, at=now, action="demo.seed", entity="district", entity_id="demo", after=counts)
    return DistrictSeeded(seeded=True, **counts)


async def _add_missing_staff(ctx: ServiceContext, password: str) -> None:
    """A district seeded before a demo user existed (e.g. the security and audit
    administrators) gets that user on the next start."""
    existing = {row["username"] for row in await AppUser.select(AppUser.username)}
    towns = {row["code"]: row["id"] for row in await Town.select(Town.id, Town.code)}
    missing = [(name, role, display, None) for name, role, display in DEMO_STAFF if name not in existing]
    missing += [
        (name, Role.TOWN_AGENT, display, towns[code])
        for name, code, display in DEMO_TOWN_AGENTS
        if name not in existing and code in towns
    ]
    if not missing:
        return
    hashes = {name: await ctx.passwords.hash(password) for name, _, _, _ in missing}
    now = ctx.clock.now()
    async with write_transaction():
        await AppUser.insert(
            *[
                AppUser(
                    username=name,
                    display_name=display,
                    password_hash=hashes[name],
                    role=role.value,
                    town=town,
                    active=True,
                    created_at=now,
                )
                for name, role, display, town in missing
            ]
        )
        await record_change(
            actor=None,
            at=now,
            action="demo.seed",
            entity="user",
            entity_id="demo",
            after={"users": [name for name, _, _, _ in missing]},
        )
