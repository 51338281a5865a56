"""Evidence taken on site over HTTP: photos and documents stored with their metadata,
videos by reference, the same file kept once, and every refusal writing nothing."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from ltc.db.tables import Evidence
from tests.web.test_assessment_workflow import accepted_application

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n" + b"1 0 obj\n<<>>\nendobj\n" * 10


async def upload(client, headers, application_id: int, *, files=None, data=None):
    if files is None:  # still multipart, as a tablet's form sends it
        files = {key: (None, value) for key, value in (data or {"reference": ""}).items()}
        data = None
    return await client.post(
        f"/api/v1/applications/{application_id}/evidence", files=files, data=data or {}, headers=headers
    )


async def test_a_photo_is_stored_with_its_metadata_once(client, auth) -> None:
    application = await accepted_application(client, auth)
    assessor = await auth("assessor1")
    data = {"taken_at": "2026-11-20T10:15:00+08:00", "lat": "29.6770", "lon": "121.2470"}
    first = await upload(
        client, assessor, application["id"], files={"file": ("bed.jpg", JPEG, "image/jpeg")}, data=data
    )
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["kind"] == "photo" and body["size_bytes"] == len(JPEG)
    assert body["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert (body["lat"], body["lon"]) == (29.677, 121.247) and body["taken_at"].startswith("2026-11-20T02:15")
    again = await upload(client, assessor, application["id"], files={"file": ("copy.jpg", JPEG, "image/jpeg")})
    assert again.status_code == 200 and again.json()["id"] == body["id"], "the same file is kept once"

    stored = await client.get(f"/api/v1/evidence/{body['id']}/content", headers=await auth("bureau"))
    assert stored.status_code == 200 and stored.content == JPEG
    assert stored.headers["content-type"] == "image/jpeg" and stored.headers["x-content-type-options"] == "nosniff"
    listed = await client.get(f"/api/v1/applications/{application['id']}/evidence", headers=assessor)
    assert [e["id"] for e in listed.json()] == [body["id"]]


async def test_a_document_and_a_video_reference_are_kept(client, auth) -> None:
    application = await accepted_application(client, auth)
    expert = await auth("expert1")
    document = await upload(
        client, expert, application["id"], files={"file": ("diagnosis.pdf", PDF, "application/pdf")}
    )
    assert document.status_code == 201, document.text
    assert document.json()["kind"] == "document"
    video = await upload(client, expert, application["id"], data={"reference": "VID-2026-000123"})
    assert (
        video.status_code == 201 and video.json()["kind"] == "video" and video.json()["reference"] == "VID-2026-000123"
    )


@pytest.mark.parametrize(
    ("who", "files", "data", "status", "code"),
    [
        ("assessor2", {"file": ("a.jpg", JPEG, "image/jpeg")}, {}, 404, "application_not_found"),
        ("agency-P03", {"file": ("a.jpg", JPEG, "image/jpeg")}, {}, 403, "role_not_allowed"),
        ("assessor1", {"file": ("a.gif", b"GIF89a" + JPEG, "image/gif")}, {}, 422, "unsupported_media_type"),
        ("assessor1", {"file": ("a.jpg", PDF, "image/jpeg")}, {}, 422, "content_type_mismatch"),
        ("assessor1", None, {}, 422, "evidence_empty"),
        (
            "assessor1",
            {"file": ("a.jpg", JPEG, "image/jpeg")},
            {"lat": "95", "lon": "121"},
            422,
            "coordinates_out_of_range",
        ),
        ("assessor1", {"file": ("a.jpg", JPEG, "image/jpeg")}, {"lat": "29.6"}, 422, "coordinates_incomplete"),
        (
            "assessor1",
            {"file": ("a.jpg", JPEG, "image/jpeg")},
            {"taken_at": "2999-01-01T00:00:00+08:00"},
            422,
            "taken_in_the_future",
        ),
    ],
)
async def test_refusals_store_nothing(client, auth, who, files, data, status, code) -> None:
    application = await accepted_application(client, auth)
    before = await Evidence.count()
    response = await upload(client, await auth(who), application["id"], files=files, data=data)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    assert await Evidence.count() == before


async def test_an_oversized_file_is_refused(app, client, auth, services, monkeypatch) -> None:
    application = await accepted_application(client, auth)
    limited = services.settings.model_copy(update={"evidence_max_bytes": 1024})
    monkeypatch.setattr(app.state, "services", replace(services, settings=limited))
    before = await Evidence.count()
    response = await upload(
        client,
        await auth("assessor1"),
        application["id"],
        files={"file": ("big.jpg", JPEG + bytes(2048), "image/jpeg")},
    )
    assert response.status_code == 422 and response.json()["code"] == "evidence_too_large"
    assert await Evidence.count() == before


async def test_agencies_and_other_assessors_cannot_open_evidence(client, auth) -> None:
    application = await accepted_application(client, auth)
    stored = await upload(
        client, await auth("assessor1"), application["id"], files={"file": ("p.jpg", JPEG + b"x", "image/jpeg")}
    )
    evidence_id = stored.json()["id"]
    for who in ("agency-P03", "assessor2"):
        response = await client.get(f"/api/v1/evidence/{evidence_id}/content", headers=await auth(who))
        assert response.status_code == 404 and response.json()["code"] == "evidence_not_found"
