"""Filing an application on the public page, without an account: by the applicant, their
family or the village's agent (村(社区)代办). The person is found by id number (the blind
index) or registered; the application is filed by ``assessment.applications.apply`` itself,
so every rule of filing holds here as at a desk. The answer is the application's reference,
kept with the person's id number to follow it."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from ltc.db.engine import write_transaction
from ltc.db.personal_data import person_ids_by_id_number
from ltc.db.tables import Application, Person, Town
from ltc.domain.access import Actor, Role
from ltc.domain.errors import Conflict, DomainError, InvalidInput
from ltc.domain.identity import mask_id_number, parse_id_number
from ltc.domain.personal_data import location, open_envelope, seal
from ltc.domain.relief import names_agree
from ltc.domain.sign_in import ThrottlePolicy
from ltc.services.assessment.applications import apply
from ltc.services.assessment.policy import today
from ltc.services.assessment.values import ApplicationIn, SelfEval
from ltc.services.audit import record_change
from ltc.services.context import ServiceContext
from ltc.services.inputs import Input
from ltc.services.persons import PersonIn, register_person
from ltc.services.public_limits import PublicLimit, client_key, count_attempt, refuse_when_spent

Filer = Literal["self", "family", "village_agent"]
FILERS: tuple[Filer, ...] = ("self", "family", "village_agent")
# Every attempt counts, refused or not: a page that registers persons must not be a pump.
FILING_LIMIT = PublicLimit("apply", ThrottlePolicy(max_failures=5, window=timedelta(hours=1)), "too_many_filings")


class PublicFilingIn(Input):
    filed_by: Filer
    filer_name: str = Field(min_length=1, max_length=64)
    filer_phone: str = Field(min_length=1, max_length=20)
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=300)
    town: str = Field(min_length=1, max_length=64, description="town code")
    care_mode: Literal["home", "institutional"]
    disabled_since: date | None = None
    self_eval: SelfEval


class PublicFilingOut(BaseModel):
    reference: str


class FilerOut(BaseModel):
    filed_by: str
    name: str
    phone: str


def public_desk(town_id: int) -> Actor:
    """Who files from the public page: no account (user 0, audited by the name "public"),
    acting for the person's town as its town agent would, so the same rules and scope apply."""
    return Actor(user_id=0, username="public", role=Role.TOWN_AGENT, town_id=town_id)


def _see_the_desk() -> Conflict:
    """The one refusal for a filing about a registered person: it tells nothing of them
    (not whether they are insured, have an application under way, or live in an open town)."""
    return Conflict("请到经办窗口办理，或等待医保局联系", code="public_filing_needs_desk")


async def _person_and_town(ctx: ServiceContext, data: PublicFilingIn) -> tuple[int | None, int]:
    """The registered person with this id number (never a second one), and the town the
    filing is made in: theirs, else the town chosen on the form. A registered person is
    taken only when the form names them as registered: an id number alone is no proof."""
    identity = parse_id_number(data.id_number, today=today(ctx))
    found = await person_ids_by_id_number(ctx.settings.keyring, [identity.value])
    if identity.value in found:
        person_id = found[identity.value]
        row = await Person.select(Person.name, Person.town).where(Person.id == person_id).first()
        if row is None or row["town"] is None or not names_agree(data.name.strip(), row["name"]):
            raise _see_the_desk()
        return person_id, row["town"]
    town = await Town.select(Town.id).where(Town.code == data.town.strip()).first()
    if town is None:
        raise InvalidInput(f"未知的乡镇（街道）：{data.town}", code="unknown_town", errors=[{"field": "town"}])
    return None, town["id"]


async def file_public(ctx: ServiceContext, data: PublicFilingIn, client_address: str) -> PublicFilingOut:
    key = client_key(ctx, FILING_LIMIT, client_address)
    now = ctx.clock.now()
    async with write_transaction():
        await refuse_when_spent(FILING_LIMIT, key, now)
        await count_attempt(FILING_LIMIT, key, now)
    # One transaction: a refused application leaves no person registered for it.
    async with write_transaction():
        person_id, town_id = await _person_and_town(ctx, data)
        registered = person_id is not None  # their town and contact details stay as registered
        desk = public_desk(town_id)
        if person_id is None:
            person = await register_person(
                ctx,
                desk,
                PersonIn(
                    id_number=data.id_number, name=data.name, phone=data.phone, address=data.address, town=data.town
                ),
            )
            person_id = person.id
        filing = ApplicationIn(
            person_id=person_id,
            applied_on=today(ctx),
            disabled_since=data.disabled_since,
            care_mode=data.care_mode,
            self_eval=data.self_eval,
        )
        if registered:
            try:
                application = await apply(ctx, desk, filing)
            except DomainError as exc:  # any refusal would tell about the registered person
                raise _see_the_desk() from exc
        else:
            application = await apply(ctx, desk, filing)
        keyring = ctx.settings.keyring
        filer = json.dumps({"name": data.filer_name.strip(), "phone": data.filer_phone.strip()}, ensure_ascii=False)
        await Application.update(
            {
                Application.filed_by: data.filed_by,
                Application.filer_enc: seal(keyring, filer, location("application", "filer", application.id)),
                Application.data_key_id: keyring.active,
                Application.client_key: key,
            }
        ).where(Application.id == application.id)
        await record_change(
            actor=desk,
            at=now,
            action="application.file_public",
            entity="application",
            entity_id=application.id,
            after={"filed_by": data.filed_by, "id_number": mask_id_number(data.id_number.strip().upper())},
        )
    return PublicFilingOut(reference=application.reference or "")


async def filer_of(ctx: ServiceContext, application_id: int) -> FilerOut | None:
    """Who filed an application on the public page (None: it was filed at a desk)."""
    row = (
        await Application.select(Application.filed_by, Application.filer_enc)
        .where(Application.id == application_id)
        .first()
    )
    if row is None or not row["filed_by"]:
        return None
    text = open_envelope(ctx.settings.keyring, row["filer_enc"], location("application", "filer", application_id))
    filer = json.loads(text) if text else {}
    return FilerOut(filed_by=row["filed_by"], name=filer.get("name", ""), phone=filer.get("phone", ""))
