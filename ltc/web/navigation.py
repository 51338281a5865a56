"""The navigation every page draws: the places of the signed-in role, each shown only when
the access table lets the actor act there, with the count of work waiting in it. Computed
once per page request (not for the API or static files) and read by base.html."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from ltc.domain.access import Action, Actor, Role
from ltc.services.todo import TodoCounts, todo_counts
from ltc.web.vocabulary import N_

NOT_PAGES = ("/api/", "/static/", "/schema", "/healthz", "/favicon", "/lang/")


@dataclass(frozen=True, slots=True)
class Place:
    """A place in the navigation: shown when the actor may do ``action`` (or holds one of
    ``roles``), with the sum of the named to-do counts beside it."""

    label: str
    href: str
    action: Action | None = None
    roles: frozenset[Role] | None = None
    counts: tuple[str, ...] = ()

    def open_to(self, actor: Actor) -> bool:
        if self.roles is not None and actor.role not in self.roles:
            return False
        return self.action is None or actor.may(self.action)


@dataclass(frozen=True, slots=True)
class NavLink:
    label: str
    href: str
    count: int


AGENCY = frozenset({Role.AGENCY})  # the agency's desk: its own people and caregivers

PLACES: tuple[Place, ...] = (
    Place(N_("Home"), "/"),
    Place(N_("Inbox"), "/inbox", counts=("unread_notices",)),
    Place(N_("Persons"), "/persons", Action.READ_PERSONS),
    Place(
        N_("Applications"),
        "/applications",
        Action.ACCEPT_APPLICATION,
        counts=("applications_to_accept", "assessments_to_decide", "objections"),
    ),
    Place(N_("Register a person"), "/intake/register", Action.REGISTER_PERSON),
    Place(N_("Import the registry"), "/intake/import", Action.IMPORT_RECORDS),
    Place(N_("To assess"), "/assess", Action.ASSESS, counts=("applications_to_assess",)),
    Place(N_("Conclusions"), "/conclusions", Action.DECIDE_ASSESSMENT),
    Place(N_("Providers"), "/providers", Action.MANAGE_PROVIDERS),
    Place(N_("Map"), "/map", Action.ASSIGN),
    Place(N_("Assignment"), "/assignment", Action.ASSIGN),
    Place(N_("Visits"), "/visits", Action.READ_CARE_RECORDS, counts=("visits_today",)),
    Place(N_("My visits"), "/visits/day", Action.READ_OWN_VISITS),
    Place(N_("Visit alerts"), "/visit-alerts", Action.RECORD_VISIT, counts=("open_alerts",)),
    Place(
        N_("Visit exceptions"),
        "/visit-exceptions",
        Action.READ_CARE_RECORDS,
        counts=("exceptions_to_resolve", "exceptions_to_explain"),
    ),
    Place(N_("Care plans"), "/care-plans", Action.WRITE_CARE_PLAN, AGENCY, counts=("plans_to_confirm",)),
    Place(N_("Caregivers"), "/caregivers", Action.MANAGE_CAREGIVERS, AGENCY),
    Place(N_("Roster"), "/roster", Action.MANAGE_CAREGIVERS, AGENCY),
    Place(N_("Daily census"), "/census", Action.RECORD_CENSUS),
    Place(N_("Unscheduled visits"), "/unscheduled", Action.RECORD_VISIT),
    Place(
        N_("Settlements"),
        "/settlements",
        Action.READ_SETTLEMENTS,
        counts=("settlements_to_approve", "settlements_to_submit", "payments_due"),
    ),
    Place(N_("Fund"), "/fund", Action.READ_FUND, counts=("fund_warnings",)),
    Place(N_("Budget and advances"), "/fund/budget", Action.READ_FUND),
    Place(N_("What-if"), "/fund/what-if", Action.RUN_WHAT_IF),
    Place(N_("Fund analysis"), "/fund/analysis", Action.READ_FUND),
    Place(N_("Users"), "/users", Action.READ_USERS),
    Place(N_("Audit trail"), "/audit", Action.READ_AUDIT),
    Place(N_("Policy"), "/policy", Action.READ_POLICY),
    Place(N_("Contributions"), "/contributions", Action.RECORD_CONTRIBUTION),
    Place(N_("Hospital stays & deaths"), "/hospital-stays", Action.IMPORT_RECORDS),
    Place(N_("Supervision"), "/supervision", Action.READ_SUPERVISION),
    Place(N_("Review samples"), "/review-samples", Action.READ_SUPERVISION, counts=("samples_to_review",)),
    Place(N_("Tip-offs"), "/tip-offs", Action.READ_SUPERVISION, counts=("tip_offs_to_triage",)),
    Place(
        N_("Inspections"),
        "/inspections",
        Action.READ_INSPECTIONS,
        counts=("rectifications_overdue", "rectifications_to_answer"),
    ),
    Place(N_("Annual evaluation"), "/evaluations", Action.SELF_EVALUATE),
    Place(N_("Annual evaluation"), "/evaluations", Action.SCORE_EVALUATION),
    Place(N_("Annual evaluation"), "/evaluations", Action.READ_SUPERVISION, frozenset({Role.SUPERVISOR})),
    Place(N_("Final account"), "/final-accounts", Action.MANAGE_BUDGET),
    Place(N_("Assessment quality"), "/assessment-quality", Action.READ_SUPERVISION),
    Place(N_("Flagged bed-days"), "/bed-day-flags", Action.EXPLAIN_EXCEPTION),
    Place(N_("Flagged bed-days"), "/bed-day-flags", Action.RESOLVE_EXCEPTION),
    Place(N_("Siting analysis"), "/siting", Action.RUN_SITING),
    Place(N_("Towns"), "/towns", Action.READ_TOWNS),
    Place(N_("Monthly checks"), "/remote-checks", Action.READ_REMOTE_BENEFITS, counts=("remote_checks_due",)),
    Place(N_("Remote benefits"), "/remote-benefits", Action.READ_REMOTE_BENEFITS),
    Place(N_("Relief fund"), "/relief", Action.READ_RELIEF, counts=("relief_to_reimburse",)),
)


@dataclass(frozen=True, slots=True)
class Navigation:
    links: list[NavLink]
    # The administrators' duties never touch persons' records, so they get no person search.
    searches_persons: bool


def navigation_for(actor: Actor, counts: TodoCounts) -> Navigation:
    links = [
        NavLink(place.label, place.href, sum(getattr(counts, name) for name in place.counts))
        for place in PLACES
        if place.open_to(actor)
    ]
    return Navigation(links=links, searches_persons=actor.may(Action.READ_PERSONS))


def _is_page_request(scope: Scope) -> bool:
    if scope.get("type") != "http" or scope.get("path", "").startswith(NOT_PAGES):
        return False
    headers = dict(scope.get("headers") or [])
    return b"text/html" in headers.get(b"accept", b"")


class NavigationMiddleware(ASGIMiddleware):
    """Puts the actor's navigation in ``scope["navigation"]`` for page requests."""

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        actor = scope.get("user")
        if isinstance(actor, Actor) and _is_page_request(scope):
            counts = await todo_counts(actor, scope["app"].state.services)
            scope["navigation"] = navigation_for(actor, counts)  # type: ignore[typeddict-unknown-key]
        await next_app(scope, receive, send)
