"""The registry import over the API: a multipart upload answers 202 with the job, the job's
result lists what was created and refused, and a file that is not a registry, an agency, or
no file at all each get their refusal."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from ltc.domain.identity import make_id_number
from tests.worker.test_worker import run_burst_worker

HEADER = ["身份证号码", "姓名", "乡镇（街道）"]
_sequence = iter(range(10_000))


def number() -> str:
    return make_id_number("330298", date(1945, 6, 1) + timedelta(days=next(_sequence)), 402, "M")


def registry(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode()


async def test_an_upload_starts_the_import_and_its_job_reports_created_and_refused_rows(app, client, auth) -> None:
    bureau = await auth("bureau")
    files = {"file": ("registry.csv", registry([[number(), "接口导入", "锦屏街道"], ["123", "坏号码", "锦屏街道"]]))}
    answer = await client.post("/api/v1/persons/import", files=files, headers=bureau)
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    await run_burst_worker(app)
    job = (await client.get(f"/api/v1/jobs/{job_id}", headers=bureau)).json()
    assert job["status"] == "done", job
    assert (job["result"]["created"], job["result"]["updated"]) == (1, 0)
    assert job["result"]["refused"] == [{"row": 3, "field": "id_number", "code": "id_number_malformed"}]


async def test_a_file_that_is_not_a_registry_is_refused_at_once_with_its_code(client, auth) -> None:
    bureau = await auth("bureau")
    files = {"file": ("people.csv", "姓名,电话\n王,1\n".encode())}
    answer = await client.post("/api/v1/persons/import", files=files, headers=bureau)
    assert answer.status_code == 422
    assert answer.json()["code"] == "registry_columns_missing"
    missing = await client.post("/api/v1/persons/import", files={"other": ("x", b"y")}, headers=bureau)
    assert missing.status_code in {400, 422} and missing.json()["code"] in {"registry_file_missing", "invalid_input"}


async def test_an_agency_may_not_import_the_registry(client, auth) -> None:
    agency = await auth("agency-P01")
    files = {"file": ("registry.csv", registry([[number(), "机构导入", "锦屏街道"]]))}
    answer = await client.post("/api/v1/persons/import", files=files, headers=agency)
    assert answer.status_code == 403
