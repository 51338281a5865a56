"""The Litestar application factory: one app for pages, the JSON API and /healthz."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.logging.config import LoggingConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ltc.bench.endpoint import BenchController
from ltc.domain.access import Role
from ltc.runtime import Runtime, build_worker, open_runtime
from ltc.services.clock import Clock
from ltc.settings import PROJECT_ROOT, Settings, load_settings
from ltc.web import formatting, i18n, request_guards
from ltc.web.account_pages import AccountPages
from ltc.web.admin_pages import AdminPagesController
from ltc.web.agency_pages import AgencyPages
from ltc.web.api.admin import AdminController
from ltc.web.api.assessment_quality import AssessmentQualityController
from ltc.web.api.assessments import (
    ApplicationsController,
    AssessmentsController,
    ConclusionsController,
    InstrumentsController,
    PersonsController,
)
from ltc.web.api.assignment import AssignmentController
from ltc.web.api.auth import AuthController
from ltc.web.api.bed_days import BedDayFlagsController
from ltc.web.api.care_plans import CarePlansController
from ltc.web.api.evaluations import EvaluationsController
from ltc.web.api.evidence import EvidenceController
from ltc.web.api.follow import FollowController
from ltc.web.api.fund import FundAnalysisController, FundPlanningController, WhatIfController
from ltc.web.api.inspections import InspectionsController
from ltc.web.api.jobs import JobsController
from ltc.web.api.me import MeController
from ltc.web.api.providers import CaregiversController, ProvidersController
from ltc.web.api.records import RecordsController
from ltc.web.api.relief import ReliefController
from ltc.web.api.remote_benefits import RemoteBenefitsController
from ltc.web.api.roster import AbsencesController, NoticesController
from ltc.web.api.sessions import SessionsController
from ltc.web.api.settlements import FundController, SettlementsController
from ltc.web.api.siting import SitingController
from ltc.web.api.supervision import ReviewSamplesController, RiskController, TipOffsController
from ltc.web.api.towns import TownsController
from ltc.web.api.visit_exceptions import VisitExceptionsController
from ltc.web.api.visits import VisitsController
from ltc.web.app_shell import PhoneAppFiles
from ltc.web.assessment_pages import AssessorPages, BureauAssessmentPages, EvidencePages
from ltc.web.assessment_quality_pages import AssessmentQualityPages
from ltc.web.bed_day_pages import BedDayPages
from ltc.web.care_plan_pages import CarePlanPages
from ltc.web.dependencies import provide_actor, provide_services
from ltc.web.errors import EXCEPTION_HANDLERS, document_problems
from ltc.web.evaluation_pages import EvaluationPages, FinalAccountPages
from ltc.web.family_pages import FamilyPages
from ltc.web.fund_pages import PAGES as FUND_INPUT_PAGES
from ltc.web.fund_planning_pages import FundPlanningPages
from ltc.web.headers import security_headers
from ltc.web.health import HealthController
from ltc.web.inspection_pages import InspectionPages
from ltc.web.intake_pages import IntakePages
from ltc.web.language import LanguageMiddleware
from ltc.web.navigation import NavigationMiddleware
from ltc.web.pages import PagesController
from ltc.web.paging import url_with
from ltc.web.person_pages import PersonPages
from ltc.web.presence_pages import PresenceCardsController, PresencePages, VisitEvidencePages
from ltc.web.provider_pages import ProviderPages
from ltc.web.registry_pages import RegistryPages
from ltc.web.relief_pages import ReliefPages
from ltc.web.remote_benefit_pages import RemoteBenefitPages
from ltc.web.roster_pages import RosterPages
from ltc.web.security import ActorMiddleware
from ltc.web.settlement_pages import FundPages, SettlementPages
from ltc.web.siting_pages import SitingPages
from ltc.web.supervision_pages import SupervisionPages
from ltc.web.tip_off_pages import PublicTipOffPages, TipOffPages
from ltc.web.towns_pages import TownsPages
from ltc.web.visit_pages import VisitPages
from ltc.web.what_if_pages import WhatIfPages

log = logging.getLogger(__name__)

STATIC_DIR = PROJECT_ROOT / "static"
# The API docs' Swagger UI (swagger-ui-dist 5.36.0 from npm, see static/vendor/README.md), served locally.
SWAGGER_UI = "/static/vendor/swagger-ui"


def _derived_key(settings: Settings, purpose: str) -> bytes:
    return hashlib.sha256(f"{purpose}:{settings.signing_key}".encode()).digest()


def _configure_templates(engine: JinjaTemplateEngine, settings: Settings) -> None:
    env = engine.engine
    env.filters["localtime"] = lambda value: formatting.moment(value, settings.zone)
    # The city's month of a moment as an address takes it (YYYY-MM), whatever the language.
    env.filters["period_of"] = lambda value: value.astimezone(settings.zone).strftime("%Y-%m")
    env.filters.update(formatting.FILTERS)
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        html_lang=i18n.html_lang,
        current_language=i18n.current_language,
        languages=i18n.LANGUAGES,
        Role=Role,
        error_message=formatting.error_message,
        url_with=url_with,
    )


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    migrate: bool = False,
    in_process_worker: bool | None = None,
) -> Litestar:
    """Build the app. Settings are read here, not at import. The worker runs inside this
    process when there is no Redis server (the embedded default) unless told otherwise."""
    settings = settings or load_settings()
    run_worker = settings.uses_in_memory_redis if in_process_worker is None else in_process_worker
    i18n.configure_catalogs(settings.locale_dir)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with open_runtime(settings, clock=clock, migrate=migrate) as runtime:
            app.state.runtime = runtime
            app.state.services = runtime.services
            await runtime.recover_jobs()
            worker_task = _start_in_process_worker(runtime) if run_worker else None
            try:
                yield
            finally:
                if worker_task is not None:
                    worker_task.cancel()
                    with suppress(asyncio.CancelledError):
                        await worker_task

    app = Litestar(
        route_handlers=[
            PagesController,
            AdminPagesController,
            AssessorPages,
            EvidencePages,
            BureauAssessmentPages,
            ProviderPages,
            RegistryPages,
            VisitPages,
            PhoneAppFiles,
            IntakePages,
            PersonPages,
            PresencePages,
            VisitEvidencePages,
            AgencyPages,
            CarePlanPages,
            RosterPages,
            HealthController,
            AuthController,
            JobsController,
            ProvidersController,
            EvaluationsController,
            BedDayFlagsController,
            AssessmentQualityController,
            AssessmentQualityPages,
            BedDayPages,
            EvaluationPages,
            FinalAccountPages,
            CaregiversController,
            PresenceCardsController,
            AbsencesController,
            NoticesController,
            AdminController,
            SessionsController,
            AccountPages,
            InstrumentsController,
            PersonsController,
            ApplicationsController,
            AssessmentsController,
            ConclusionsController,
            EvidenceController,
            SettlementsController,
            SettlementPages,
            FundPages,
            FundPlanningPages,
            WhatIfPages,
            *FUND_INPUT_PAGES,
            FundController,
            FundPlanningController,
            WhatIfController,
            SitingPages,
            SitingController,
            FundAnalysisController,
            SupervisionPages,
            TipOffPages,
            PublicTipOffPages,
            FamilyPages,
            FollowController,
            ReviewSamplesController,
            RiskController,
            TipOffsController,
            CarePlansController,
            VisitsController,
            MeController,
            VisitExceptionsController,
            RecordsController,
            AssignmentController,
            InspectionsController,
            InspectionPages,
            TownsController,
            TownsPages,
            RemoteBenefitsController,
            RemoteBenefitPages,
            ReliefController,
            ReliefPages,
            *([BenchController] if settings.bench_endpoints else []),
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        dependencies={
            "services": Provide(provide_services, sync_to_thread=False),
            "actor": Provide(provide_actor, sync_to_thread=False),
        },
        middleware=[LanguageMiddleware(), ActorMiddleware(), NavigationMiddleware()],
        before_send=[security_headers(settings)],
        csrf_config=CSRFConfig(
            secret=_derived_key(settings, "csrf").hex(),
            cookie_name="ltc_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            # The API authenticates writes by bearer token only, never by cookie.
            exclude=["/api/"],
        ),
        template_config=TemplateConfig(
            directory=settings.templates_dir,
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: _configure_templates(engine, settings),
        ),
        openapi_config=OpenAPIConfig(
            title="长期护理保险 LTC API",
            version="1.0.0",
            path="/schema",
            description="The public API of the long-term care insurance system (API.md).",
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=f"{SWAGGER_UI}/swagger-ui-bundle.js",
                    css_url=f"{SWAGGER_UI}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER_UI}/swagger-ui-standalone-preset.js",
                    favicon="<link rel='icon' href='/static/favicon.svg' type='image/svg+xml'>",
                )
            ],
        ),
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        before_request=request_guards.check_request,
        lifespan=[lifespan],
        logging_config=LoggingConfig(log_exceptions="debug", configure_root_logger=False),
        request_max_body_size=10 * 1024 * 1024,
    )
    document_problems(app)
    return app


def _start_in_process_worker(runtime: Runtime) -> asyncio.Task[None]:
    worker = build_worker(runtime.services, runtime.redis, burst=False, handle_signals=False)

    async def run() -> None:
        try:
            await worker.main()
        finally:
            # Not worker.close(): that would close the Redis pool the web side shares.
            for task in worker.tasks.values():
                task.cancel()

    log.info("arq worker running in-process on the in-memory queue")
    return asyncio.get_running_loop().create_task(run(), name="ltc-in-process-worker")
