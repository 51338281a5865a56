"""The what-if pages: drafts of a policy version (the policy in force's figures filled in, the
reader changes what she wants to test), each run as a job, and its figures beside the policy
in force: the fund's spend month by month and the months it can pay, projected."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from ltc.domain.access import Action
from ltc.domain.money import format_yuan
from ltc.domain.policy import Policy
from ltc.services.clock import local_today
from ltc.services.reference import policy_book
from ltc.services.supervision import what_if
from ltc.services.supervision.what_if import WhatIfIn
from ltc.web.charts import bars
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.forms import FORM_REFUSALS, FormState, form_page, read_form
from ltc.web.fund_pages import _yuan_to_fen
from ltc.web.i18n import gettext as _
from ltc.web.pages import page
from ltc.web.policy_words import rule_name, value_words
from ltc.web.schemas import PathId
from ltc.web.security import allowed

LEVELS = (2, 3, 4, 5)  # 中度 (2) may be opened; 重度 Ⅰ–Ⅲ (3–5) are covered


def _filled(policy: Policy) -> FormState:
    values: dict[str, Any] = {
        "name": "",
        "hourly": format_yuan(policy.home_hourly_price_fen).replace(",", ""),
        "share_home": str(policy.fund_share_home),
        "share_institutional": str(policy.fund_share_institutional),
    }
    for level in LEVELS:
        values[f"hours_{level}"] = str(policy.home_hours(level))
        values[f"cap_{level}"] = format_yuan(policy.bed_day_cap_fen(level)).replace(",", "")
    return FormState.of(**values)


def _share(state: FormState, name: str) -> Decimal | None:
    try:
        share = Decimal(str(state.value(name, "")).strip())
    except InvalidOperation:
        share = Decimal(-1)
    if not Decimal(0) <= share <= Decimal(1):
        state.refuse(name, _("Enter a share between 0 and 1, e.g. 0.90."))
        return None
    return share


def _hours(state: FormState, name: str) -> int | None:
    text = str(state.value(name, "")).strip() or "0"
    if not text.isdigit() or int(text) > 744:
        state.refuse(name, _("Enter whole hours from 0 to 744."))
        return None
    return int(text)


def _draft_in(state: FormState, policy: Policy) -> WhatIfIn | None:
    """The draft from the form: only the figures that differ from the policy in force."""
    name = str(state.value("name", "")).strip()
    if not name:
        state.refuse("name", _("Please fill this in."))
    hourly = _yuan_to_fen(state, "hourly", positive=True)
    share_home = _share(state, "share_home")
    share_institutional = _share(state, "share_institutional")
    hours = {level: _hours(state, f"hours_{level}") for level in LEVELS}
    caps = {level: _yuan_to_fen(state, f"cap_{level}", required=False) or 0 for level in LEVELS}
    if state.has_errors:
        return None
    changes: dict[str, Any] = {"name": name[:80]}
    if hourly != policy.home_hourly_price_fen:
        changes["home_hourly_price_fen"] = hourly
    if share_home != policy.fund_share_home:
        changes["fund_share_home"] = share_home
    if share_institutional != policy.fund_share_institutional:
        changes["fund_share_institutional"] = share_institutional
    if any(hours[level] != policy.home_hours(level) for level in LEVELS):
        changes["home_hours_by_level"] = policy.home_hours_by_level | {k: v for k, v in hours.items() if v is not None}
    if any(caps[level] != policy.bed_day_cap_fen(level) for level in LEVELS):
        changes["bed_day_cap_fen_by_level"] = policy.bed_day_cap_fen_by_level | caps
    return WhatIfIn.model_validate(changes)


def _changes_in_words(changes: dict[str, Any]) -> list[tuple[str, str]]:
    """What a draft changes, rule by rule, as the policy page words it."""
    out = []
    for rule, value in changes.items():
        if isinstance(value, dict):
            value = {int(level): amount for level, amount in value.items()}
        out.append((rule_name(rule), value_words(rule, value)))
    return out


class WhatIfPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.RUN_WHAT_IF)]

    def _policy(self, services: Services) -> Policy:
        return policy_book(services.settings).in_force(local_today(services.clock, services.settings.zone))

    async def _list(self, actor: CurrentActor, services: Services, state: FormState) -> Template:
        return form_page(
            "fund/what_if.html",
            state,
            drafts=await what_if.list_drafts(actor),
            policy=self._policy(services),
            levels=LEVELS,
            changes_in_words=_changes_in_words,
            yuan=format_yuan,
        )

    @get("/fund/what-if")
    async def drafts(self, actor: CurrentActor, services: Services) -> Template:
        return await self._list(actor, services, _filled(self._policy(services)))

    @post("/fund/what-if")
    async def create(self, request: Request, actor: CurrentActor, services: Services) -> Template | Redirect:
        state = await read_form(request)
        data = _draft_in(state, self._policy(services))
        if data is None:
            return await self._list(actor, services, state)
        try:
            draft = await what_if.create_draft(services, actor, data)
            job_id = await what_if.run_draft(services, actor, draft.id)
        except FORM_REFUSALS as error:
            return await self._list(actor, services, state.refused(error))
        return Redirect(f"/jobs/{job_id}?then=/fund/what-if/{draft.id}", status_code=303)

    @get("/fund/what-if/{draft_id:int}")
    async def draft(self, draft_id: PathId, actor: CurrentActor, services: Services) -> Template:
        draft = await what_if.get_draft(actor, draft_id)
        result = await what_if.last_result(actor, draft)
        months = result.months if result else []
        labels = [m.period for m in months]
        return page(
            "fund/what_if_draft.html",
            draft=draft,
            result=result,
            in_force_chart=bars(labels, [m.in_force_fen for m in months]),
            draft_chart=bars(labels, [m.draft_fen for m in months]),
            changes=_changes_in_words(draft.changes),
            changed_words=[rule_name(name) for name in (result.changed if result else [])],
            cap_use=f"{result.cap_use * 100:.1f}%" if result else "",
            yuan=format_yuan,
        )

    @post("/fund/what-if/{draft_id:int}/run")
    async def run(self, draft_id: PathId, actor: CurrentActor, services: Services) -> Redirect:
        job_id = await what_if.run_draft(services, actor, draft_id)
        return Redirect(f"/jobs/{job_id}?then=/fund/what-if/{draft_id}", status_code=303)
