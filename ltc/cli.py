"""The `ltc` command: demo, serve, worker, migrate, seed, createuser, keys, audit, partitions."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence
from typing import Any

from ltc.settings import Settings, load_settings

log = logging.getLogger("ltc")

DEMO_USERS_HINT = (
    "admin, secadmin, auditor, bureau, assessor1, assessor2, assessor3, expert1, expert2, agency-P01 … agency-P20,"
    " caregiver-P01 … caregiver-P20"
)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _require_real_data_keys(settings: Settings) -> None:
    """The production shape (PostgreSQL) refuses the public development data keys."""
    if not settings.uses_sqlite and settings.keyring.development and not settings.allow_development_keys:
        raise SystemExit(
            "personal data needs real keys on PostgreSQL: set LTC_DATA_KEYS (or LTC_DATA_KEY_FILE) and LTC_DATA_INDEX_KEY"
        )


async def _rotate_keys(settings: Settings, batch_size: int) -> dict[str, Any]:
    """Start a rotation job and run it here; a rerun after a kill carries on where it stopped."""
    from ltc.runtime import open_runtime
    from ltc.services import jobs
    from ltc.services.key_rotation import RotateKeysParams

    async with open_runtime(settings) as runtime:
        ctx = runtime.services
        job_id = await jobs.start_job(ctx, None, "rotate_data_keys", RotateKeysParams(batch_size=batch_size))
        status = await jobs.execute_job(ctx, job_id)
        while status not in {"done", "failed"}:  # a worker took it first: wait for it
            await asyncio.sleep(1.0)
            status = await jobs.execute_job(ctx, job_id)
        from ltc.db.tables import Job

        row = await Job.select(Job.status, Job.result, Job.error).where(Job.id == job_id).output(load_json=True).first()
        return {"job_id": str(job_id), **(row or {})}


async def _key_usage(settings: Settings) -> dict[str, Any]:
    from ltc.runtime import open_runtime
    from ltc.services.key_rotation import key_usage

    async with open_runtime(settings) as runtime:
        return (await key_usage(runtime.services)).model_dump()


async def _migrate(settings: Settings, *, check: bool = False) -> list[str]:
    from ltc.db.migrate import pending_schema_changes
    from ltc.runtime import open_runtime

    async with open_runtime(settings, migrate=True):
        return await pending_schema_changes() if check else []


async def _seed_demo(settings: Settings) -> dict[str, Any]:
    """What was seeded (``seeded`` false when the district was there already)."""
    from ltc.runtime import open_runtime
    from ltc.services.seed import seed_demo

    async with open_runtime(settings, migrate=True) as runtime:
        district = await seed_demo(runtime.services, password=settings.demo_password)
        if not district.seeded:
            return {"seeded": False}
        from ltc.services.demo_activity import seed_demo_activity

        activity = await seed_demo_activity(runtime.services)
        from ltc.services.demo_supervision import seed_demo_supervision

        supervision = await seed_demo_supervision(runtime.services)
        from ltc.services.demo_towns import seed_demo_towns

        remote_and_relief = await seed_demo_towns(runtime.services)
        return {
            **district.model_dump(),
            "activity": activity.model_dump(),
            "supervision": supervision.model_dump(),
            "remote_and_relief": remote_and_relief.model_dump(),
        }


async def _create_user(settings: Settings, args: argparse.Namespace, password: str) -> int:
    from ltc.db.tables import Provider
    from ltc.domain.access import Role
    from ltc.runtime import open_runtime
    from ltc.services.users import create_user

    async with open_runtime(settings) as runtime:
        provider_id = None
        if args.provider:
            row = await Provider.select(Provider.id).where(Provider.code == args.provider).first()
            if row is None:
                raise SystemExit(f"no provider with code {args.provider}")
            provider_id = row["id"]
        return await create_user(
            runtime.services,
            actor=None,
            username=args.username,
            password=password,
            role=Role(args.role),
            provider_id=provider_id,
            display_name=args.display_name or "",
        )


async def _run_worker(settings: Settings, *, burst: bool) -> None:
    from ltc.runtime import open_runtime, run_worker

    async with open_runtime(settings) as runtime:
        await run_worker(runtime.services, runtime.redis, burst=burst)


def _serve(settings: Settings, host: str, port: int, workers: int) -> None:
    import uvicorn

    # The client's address (the throttle's and the public limits' key) comes from the
    # forwarded headers only when the peer is one of the configured proxies.
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": True,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
        "log_level": settings.log_level.lower(),
    }
    if workers > 1:
        # Each process builds its own app from the same environment (so the same secret key).
        uvicorn.run("ltc.web.app:create_app", factory=True, workers=workers, **common)
        return
    from ltc.web.app import create_app

    uvicorn.run(create_app(settings), **common)


MIN_SECRET_KEY_LENGTH = 32


def _require_shared_secret(settings: Settings, workers: int) -> None:
    """CSRF and follow tokens are signed with LTC_SECRET_KEY; without it each process makes
    up its own key, and a token signed by one web process is refused by the next."""
    shared = workers > 1 or settings.shares_state_across_processes
    if shared and len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        raise SystemExit(
            "every web process (several, or any on PostgreSQL or Redis) must sign with one key:"
            f" set LTC_SECRET_KEY (at least {MIN_SECRET_KEY_LENGTH} random characters)"
        )


def cmd_demo(args: argparse.Namespace) -> int:
    # The demo is the embedded default: SQLite and the in-memory queue with the worker inside.
    settings = load_settings(redis_url="")
    _configure_logging(settings)
    outcome = asyncio.run(_seed_demo(settings))
    url = f"http://{args.host}:{args.port}/"
    print("长期护理保险 · Long-term care insurance (demo)")
    print(f"  database : {settings.database_url}")
    print(f"  district : {'seeded now' if outcome.get('seeded') else 'already seeded'}")
    print(f"  open     : {url}")
    print(f"  API docs : {url}schema")
    print(f"  sign in  : {DEMO_USERS_HINT}")
    print(f"  password : {'(from LTC_DEMO_PASSWORD)' if settings.demo_password != 'ltc-demo' else 'ltc-demo'}")
    print("  stop     : Ctrl-C")
    sys.stdout.flush()
    _serve(settings, args.host, args.port, 1)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging(settings)
    _require_real_data_keys(settings)
    if args.workers < 1:
        raise SystemExit("--workers must be at least 1")
    if settings.uses_in_memory_redis and args.workers > 1:
        raise SystemExit("several web processes need a shared queue: set LTC_REDIS_URL")
    _require_shared_secret(settings, args.workers)
    _serve(settings, args.host, args.port, args.workers)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging(settings)
    _require_real_data_keys(settings)
    if settings.uses_in_memory_redis:
        raise SystemExit(
            "`ltc worker` is the separate worker process: set LTC_REDIS_URL (the demo runs its worker inside)"
        )
    if args.check:
        from arq.connections import RedisSettings
        from arq.worker import async_check_health

        # Workers refresh a sentinel key in Redis; no key means no live worker on this queue.
        return asyncio.run(
            async_check_health(RedisSettings.from_dsn(settings.redis_url), queue_name=settings.queue_name)
        )
    asyncio.run(_run_worker(settings, burst=args.burst))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging(settings)
    _require_real_data_keys(settings)
    pending = asyncio.run(_migrate(settings, check=args.check))
    if pending:
        print("the tables have changes no migration holds:\n" + "\n".join(pending))
        return 1
    print("migrations applied")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    if not args.demo:
        raise SystemExit("say what to seed: --demo")
    settings = load_settings()
    _configure_logging(settings)
    outcome = asyncio.run(_seed_demo(settings))
    print(outcome if outcome.get("seeded") else "the demo district is there already; nothing changed")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    settings = load_settings()
    _configure_logging(settings)
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise SystemExit("the passwords differ")
    from ltc.domain.errors import DomainError

    try:
        user_id = asyncio.run(_create_user(settings, args, password))
    except DomainError as exc:
        raise SystemExit(f"{exc.code}: {exc.detail}") from None
    print(f"user {args.username} created (id {user_id})")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    import json

    settings = load_settings()
    _configure_logging(settings)
    if args.keys_command == "rotate":
        _require_real_data_keys(settings)
        outcome = asyncio.run(_rotate_keys(settings, args.batch_size))
    else:
        outcome = asyncio.run(_key_usage(settings))
    print(json.dumps(outcome, ensure_ascii=False, indent=2))
    return 0 if outcome.get("status", "done") == "done" else 1


async def _audit(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from ltc.runtime import open_runtime
    from ltc.services import audit_integrity

    async with open_runtime(settings) as runtime:
        if args.audit_command == "verify":
            report = await audit_integrity.verify_chain(None, include_archive=args.include_archive)
            return report.model_dump(mode="json")
        before = None
        if args.before:
            from datetime import date, datetime

            day = date.fromisoformat(args.before)
            before = datetime(day.year, day.month, day.day, tzinfo=settings.zone)
        result = await audit_integrity.archive_entries(runtime.services, before=before)
        return result.model_dump(mode="json")


def cmd_audit(args: argparse.Namespace) -> int:
    """`ltc audit verify`: exit 0 when the chain is intact, 1 at a break (its code printed);
    `ltc audit archive`: exit 1 when the chain is broken and nothing was archived."""
    import json

    settings = load_settings()
    _configure_logging(settings)
    from ltc.domain.errors import DomainError

    try:
        outcome = asyncio.run(_audit(settings, args))
    except DomainError as exc:
        print(json.dumps({"ok": False, "code": exc.code, "detail": exc.detail}, ensure_ascii=False))
        return 1
    print(json.dumps(outcome, ensure_ascii=False, indent=2))
    return 0 if outcome.get("ok", True) else 1


async def _partitions(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from dataclasses import asdict

    from ltc.runtime import open_runtime
    from ltc.services import partitions

    async with open_runtime(settings) as runtime:
        if args.partitions_command == "list":
            return asdict(await partitions.overview())
        if args.partitions_command == "ensure":
            return asdict(await partitions.ensure_ahead(runtime.services))
        return asdict(await partitions.detach_month(runtime.services, args.month))


def cmd_partitions(args: argparse.Namespace) -> int:
    """`ltc partitions list|ensure|detach YYYY-MM` (PostgreSQL's monthly partitions); a refused
    detach prints its code and reason and exits 1."""
    import json

    settings = load_settings()
    _configure_logging(settings)
    from ltc.domain.errors import DomainError

    try:
        outcome = asyncio.run(_partitions(settings, args))
    except DomainError as exc:
        print(json.dumps({"ok": False, "code": exc.code, "detail": exc.detail}, ensure_ascii=False))
        return 1
    print(json.dumps(outcome, ensure_ascii=False, indent=2, default=str))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    result = args.bench_module.run(args)
    print(json.dumps(result, ensure_ascii=False) if args.json else json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def _add_benchmarks(sub: Any) -> None:
    import importlib

    from ltc.bench import BENCHMARKS, MODULES

    bench = sub.add_parser("bench", help="benchmarks (one JSON line each)")
    which = bench.add_subparsers(dest="benchmark", required=True)
    for name in BENCHMARKS:
        path = f"ltc.bench.{MODULES.get(name, name)}"
        try:
            module = importlib.import_module(path)
        except ModuleNotFoundError as exc:
            if exc.name != path:
                raise
            continue
        parser = which.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(parser)
        parser.add_argument("--json", action="store_true", help="one compact JSON line")
        parser.set_defaults(run=cmd_bench, bench_module=module)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ltc", description="Long-term care insurance system")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run everything on SQLite with the demo district (one process)")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(run=cmd_demo)

    serve = sub.add_parser("serve", help="serve the web app and API (production)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="web processes")
    serve.set_defaults(run=cmd_serve)

    worker = sub.add_parser("worker", help="run an arq worker process (production)")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--check", action="store_true", help="exit 0 if a worker is alive on the queue (health check)")
    worker.set_defaults(run=cmd_worker)

    migrate = sub.add_parser("migrate", help="apply the database migrations")
    migrate.add_argument("--check", action="store_true", help="fail if the tables have unmigrated changes")
    migrate.set_defaults(run=cmd_migrate)

    seed = sub.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", help="the demo district (once)")
    seed.set_defaults(run=cmd_seed)

    createuser = sub.add_parser("createuser", help="create a user")
    createuser.add_argument("--username", required=True)
    createuser.add_argument(
        "--role",
        required=True,
        choices=["sysadmin", "secadmin", "auditor", "bureau", "assessor", "expert", "agency"],
        help="sysadmin, secadmin and auditor are the three separated administrator duties",
    )
    createuser.add_argument("--provider", help="provider code (agency users)")
    createuser.add_argument("--display-name")
    createuser.add_argument("--password-stdin", action="store_true")
    createuser.set_defaults(run=cmd_createuser)

    keys = sub.add_parser("keys", help="the personal data keys: rotation and usage")
    keys_which = keys.add_subparsers(dest="keys_command", required=True)
    rotate = keys_which.add_parser("rotate", help="re-seal every person under the active key (resumable)")
    rotate.add_argument("--batch-size", type=int, default=500, help="persons per transaction")
    keys_which.add_parser("status", help="how many persons each key seals")
    keys.set_defaults(run=cmd_keys)
    audit = sub.add_parser("audit", help="the audit trail's hash chain: verify it, archive old entries")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="walk the chain; exit 1 at the first broken link")
    verify.add_argument("--include-archive", action="store_true", help="walk the archived entries too")
    verify.set_defaults(run=cmd_audit)
    archive = audit_sub.add_parser("archive", help="move entries past the retention to the archive")
    archive.add_argument("--before", help="YYYY-MM-DD (the city's day); default: LTC_AUDIT_RETENTION_DAYS ago")
    archive.set_defaults(run=cmd_audit)

    parts = sub.add_parser("partitions", help="PostgreSQL's monthly partitions: list, create ahead, archive")
    parts_sub = parts.add_subparsers(dest="partitions_command", required=True)
    parts_sub.add_parser("list", help="each partition's estimated rows and size, and rows left in DEFAULT")
    parts_sub.add_parser("ensure", help="create the current and coming months (LTC_PARTITION_MONTHS_AHEAD)")
    detach = parts_sub.add_parser("detach", help="move a settled month older than the retention to schema archive")
    detach.add_argument("month", help="YYYY-MM")
    parts.set_defaults(run=cmd_partitions)

    _add_benchmarks(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
