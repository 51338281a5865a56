"""The person search (also the top bar's search box) and a person's record. Both show only
the persons the reader may see; another agency's person is 'not found'."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from pydantic import ValidationError

from ltc.domain.access import Action
from ltc.domain.errors import InvalidInput
from ltc.domain.money import format_yuan
from ltc.domain.periods import Period
from ltc.domain.person_search import SearchKey
from ltc.services import persons
from ltc.services.person_record import person_record
from ltc.services.persons import CARE_STATUSES, PersonQuery
from ltc.services.relief.enrolments import person_enrolments
from ltc.web.dependencies import CurrentActor, Services
from ltc.web.pages import actions_of, page
from ltc.web.paging import After, page_request
from ltc.web.security import allowed
from ltc.web.vocabulary import N_, RELIEF_GROUPS

PAGE_SIZE = 50
LEVELS = range(6)
CARE_STATUS_WORDS = {
    "beneficiary": N_("Placed with a provider"),
    "waiting": N_("Waiting for a provider"),
    "applying": N_("Application in progress"),
}


def person_query(q: str, town: str, insured: str, care_status: str, level: str) -> PersonQuery:
    """The search form's raw values as a query; a value no choice of the form gives is a 422."""
    try:
        return PersonQuery.model_validate(
            {
                "q": q,
                "town": town or None,
                "insured": {"yes": True, "no": False}.get(insured),
                "care_status": care_status or None,
                "level": level or None,
            }
        )
    except ValidationError as exc:
        fields = [{"field": str(e["loc"][0])} for e in exc.errors()]
        raise InvalidInput("搜索条件无效", code="invalid_search", errors=fields) from None


class PersonPages(Controller):
    include_in_schema = False
    guards = [allowed(Action.READ_PERSONS)]

    @get("/persons")
    async def search(
        self,
        actor: CurrentActor,
        services: Services,
        q: FromQuery[str] = "",
        town: FromQuery[str] = "",
        insured: FromQuery[str] = "",
        care_status: FromQuery[str] = "",
        level: FromQuery[str] = "",
        after: After = None,
    ) -> Template | Redirect:
        query = person_query(q, town, insured, care_status, level)
        found = await persons.search_persons(services, actor, query, page_request(PAGE_SIZE, after, width=1))
        exact = found.searched_by in (SearchKey.ID_NUMBER, SearchKey.PHONE)
        if exact and len(found.page) == 1 and after is None:
            return Redirect(path=f"/persons/{found.page.items[0].id}")  # one exact hit: straight to the record
        return page(
            "persons/list.html",
            persons=found.page,
            query=query,
            insured=insured if insured in ("yes", "no") else "",
            towns=await persons.town_choices(),
            care_statuses={status: CARE_STATUS_WORDS[status] for status in CARE_STATUSES},
            levels=LEVELS,
            **actions_of(actor),
        )

    @get("/persons/{person_id:int}")
    async def record(
        self, person_id: FromPath[int], actor: CurrentActor, services: Services, month: FromQuery[str] = ""
    ) -> Template:
        shown_month = Period.parse(month) if month else None
        record = await person_record(services, actor, person_id, shown_month)  # refuses a person not theirs
        return page(
            "persons/record.html",
            record=record,
            # a hardship group is civil-affairs data: only the relief fund's readers see it
            relief=await person_enrolments(person_id) if actor.may(Action.READ_RELIEF) else None,
            relief_groups=RELIEF_GROUPS,
            yuan=format_yuan,
            **actions_of(actor),
        )
