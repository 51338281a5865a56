"""Import an enrolment registry of N rows (the real upload and job body, in a real database).

Builds a fresh database — a temporary database on the PostgreSQL server of
``LTC_DATABASE_URL`` when it names one (dropped afterwards), else a temporary SQLite file —
with the district's towns and one bureau officer, and a registry file of ``--rows`` rows
(CSV, or XLSX with ``--format xlsx``) in which about ``--bad-share`` of the rows are wrong in
one field (a check digit, an unknown town, a phone, a future date).

Timed (``seconds``, and ``cpu_seconds`` of this process, which a machine loaded by others
inflates less): the upload (the header read, the file stored, the job recorded) and the job
body ``import_registry`` over the whole file. A ``--format xlsx`` file is written as a
spreadsheet program saves one (shared strings), and read with openpyxl in read-only mode. Then, untimed against the target but
reported: the same file again (``reimport_seconds``; it must change nothing) and the file with
1 % of the phones changed (``changed_seconds``; exactly those persons are updated).
``checks`` compares what was stored with what the file holds."""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import time
from datetime import date, timedelta
from typing import Any

from ltc.bench import peak_rss_mb
from ltc.bench.scratch import Loader, scratch_database

HEADER = ("身份证号码", "姓名", "性别", "出生日期", "联系电话", "住址", "乡镇（街道）", "参保状态", "参保日期")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = "秀英桂兰玉珍建国明华志强淑芬国庆德福春梅海军丽娟"


# What grows with the city (`ltc bench growth` multiplies these flags by the size) and the
# figures whose growth it fits.
SCALES = ("rows",)
GROWTH_FIGURES = ("seconds",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rows", type=int, default=140_000, help="data rows of the registry file")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="the file's kind")
    parser.add_argument("--bad-share", type=float, default=0.01, help="share of rows wrong in one field")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic registry")


def run(args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_run(args))


def registry_rows(
    count: int, towns: list[str], bad_share: float, seed: int, today: date
) -> tuple[list[list[str]], set[int]]:
    """``count`` rows of people aged 60 to 99 in the given towns, and the indices of the
    ``bad_share`` of them that are broken."""
    from ltc.domain.identity import make_id_number

    rng = random.Random(seed)
    rows = []
    broken_rows: set[int] = set()
    for i in range(count):
        birth = today - timedelta(days=rng.randint(60 * 365 + 20, 99 * 365))
        sex = rng.choice("MF")
        # The sequence repeats every 1000 people born the same day: vary the region to keep numbers apart.
        number = make_id_number(f"33{(i // 1000) % 10000:04d}", birth, i % 1000, sex)
        row = [
            number,
            rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
            "男" if sex == "M" else "女",
            birth.isoformat(),
            f"13{rng.randint(100_000_000, 999_999_999)}",
            f"{rng.randint(1, 300)}号{rng.randint(1, 30)}幢",
            rng.choice(towns),
            "参保",
            (today - timedelta(days=rng.randint(30, 3000))).isoformat(),
        ]
        if rng.random() < bad_share:
            broken_rows.add(i)
            broken = rng.randrange(4)
            if broken == 0:
                row[0] = row[0][:17] + ("0" if row[0][17] != "0" else "1")
            elif broken == 1:
                row[6] = "无此镇"
            elif broken == 2:
                row[4] = "电话未知"
            else:
                row[8] = (today + timedelta(days=10)).isoformat()
        rows.append(row)
    return rows, broken_rows


_XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
    '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+'
    'xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http:'
    '//schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
}


def _xlsx(rows: list[list[str]]) -> bytes:
    """A workbook as a spreadsheet program saves one (text in a shared string table, the
    sheet's dimension given), not as openpyxl writes one (every text inline): the file a
    bureau would upload, and the one a reader parses fastest."""
    import zipfile
    from xml.sax.saxutils import escape

    strings: dict[str, int] = {}
    sheet = []
    width = len(HEADER)
    for number, row in enumerate([list(HEADER), *rows], start=1):
        cells = "".join(
            f'<c r="{chr(65 + i)}{number}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>'
            for i, value in enumerate(row)
            if value != ""
        )
        sheet.append(f'<row r="{number}">{cells}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    parts = dict(_XLSX_PARTS)
    parts["xl/worksheets/sheet1.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}"><dimension ref="A1:{chr(64 + width)}'
        f'{len(rows) + 1}"/><sheetData>{"".join(sheet)}</sheetData></worksheet>'
    )
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{main}" count="{len(strings)}" uniqueCount='
        f'"{len(strings)}">{"".join(f"<si><t>{escape(text)}</t></si>" for text in strings)}</sst>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def registry_file(rows: list[list[str]], kind: str) -> bytes:
    if kind == "xlsx":
        return _xlsx(rows)
    import csv

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


async def _run(args: argparse.Namespace) -> dict[str, Any]:
    async with scratch_database("import") as url:
        return await _bench(url, args)


async def _seed(url: str, now: Any) -> list[str]:
    from ltc.geo.towns import load_towns

    towns = list(load_towns())
    async with Loader(url) as db:
        await db.insert(
            "town",
            ("id", "code", "name", "name_en", "kind", "terrain", "lat", "lon", "share_60plus"),
            (
                (i, t.code, t.name, t.name_en, t.kind, t.terrain, t.lat, t.lon, t.share_60plus)
                for i, t in enumerate(towns, start=1)
            ),
        )
        await db.insert(
            "app_user",
            ("id", "username", "display_name", "password_hash", "role", "active", "created_at"),
            [(1, "bench-bureau", "bench-bureau", "!", "bureau", True, now)],
        )
        if not db.sqlite:
            await db.move_sequences(["town", "app_user"])
    return [t.name for t in towns]


async def _bench(url: str, args: argparse.Namespace) -> dict[str, Any]:
    from ltc.db import engine as db_engine
    from ltc.db.migrate import apply_migrations
    from ltc.db.tables import Person
    from ltc.domain.access import Actor, Role
    from ltc.runtime import build_service_context, connect_redis
    from ltc.services.clock import SystemClock, local_today
    from ltc.services.intake.registry_import import import_registry, upload_registry
    from ltc.services.intake.values import ImportRegistryParams, RegistryImportResult
    from ltc.settings import load_settings

    settings = load_settings(database_url=url, redis_url="")
    engine = db_engine.configure_engine(url)
    await db_engine.start(engine)
    redis = connect_redis(settings)
    try:
        await apply_migrations()
        ctx = build_service_context(settings, redis, SystemClock())
        today = local_today(ctx.clock, settings.zone)
        towns = await _seed(url, ctx.clock.now())
        rows, broken = registry_rows(args.rows, towns, args.bad_share, args.seed, today)
        content = registry_file(rows, args.format)
        bureau = Actor(user_id=1, username="bench-bureau", role=Role.BUREAU)

        async def no_progress(_: float) -> None:
            return None

        async def import_file(data: bytes) -> tuple[RegistryImportResult, float]:
            started = time.perf_counter()
            uploaded = await upload_registry(ctx, bureau, f"registry.{args.format}", data)
            result = await import_registry(ctx, ImportRegistryParams(upload_id=uploaded.upload_id), no_progress)
            return result, time.perf_counter() - started

        cpu_started = time.process_time()
        first, seconds = await import_file(content)
        cpu_seconds = time.process_time() - cpu_started
        peak = peak_rss_mb()
        again, reimport_seconds = await import_file(content)
        changed_rows = [list(row) for row in rows]
        rng = random.Random(args.seed + 1)
        sound = [i for i in range(len(rows)) if i not in broken]
        changed = min(len(sound), max(1, len(rows) // 100))
        for i in rng.sample(sound, changed):
            changed_rows[i][4] = f"15{rng.randint(100_000_000, 999_999_999)}"
        third, changed_seconds = await import_file(registry_file(changed_rows, args.format))
        refused_rows = first.refused_rows
        stored = await Person.count()
        return {
            "rows": args.rows,
            "format": args.format,
            "seconds": round(seconds, 3),
            "cpu_seconds": round(cpu_seconds, 3),
            "rows_per_second": round(args.rows / seconds) if seconds else None,
            "peak_rss_mb": peak,
            "db": "sqlite" if db_engine.is_sqlite(engine) else "postgresql",
            "file_mb": round(len(content) / 1024 / 1024, 2),
            "created": first.created,
            "refused_rows": refused_rows,
            "reimport_seconds": round(reimport_seconds, 3),
            "reimport_changed": again.created + again.updated,
            "changed_seconds": round(changed_seconds, 3),
            "changed_rows": changed,
            "checks": {
                "stored_persons": stored,
                "created_plus_refused": first.created + refused_rows,
                "updated_on_changed_file": third.updated,
            },
        }
    finally:
        await redis.aclose()
        await db_engine.stop(engine)
