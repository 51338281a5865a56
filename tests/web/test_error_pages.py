"""An error page says what went wrong in the page's language (the code stays, small, for
support); the API's problem+json keeps its code, title and detail as they were."""

from __future__ import annotations

import httpx

from tests.helpers import HTML, signed_in_browser
from tests.web.text_of_page import visible_text


async def test_a_missing_page_in_chinese_has_no_english_words(client: httpx.AsyncClient) -> None:
    response = await client.get("/no-such-page", headers=HTML)
    assert response.status_code == 404
    text = visible_text(response.text)
    assert "该记录不存在，或您无权查看。" in text
    assert "Not Found" not in text and "Not found" not in text
    assert 'data-support-code title="技术支持代码">not_found</code>' in response.text


async def test_a_refused_role_reads_in_chinese_then_in_english(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        refused = await browser.get("/assess", headers=HTML)
        assert refused.status_code == 403
        text = visible_text(refused.text)
        assert "您的角色无权进行此操作。" in text
        assert "may not do this" not in text and "bureau" not in text
        browser.cookies.set("ltc_lang", "en")
        english = await browser.get("/assess", headers=HTML)
        text = visible_text(english.text)
        assert "Your role may not do this." in text and "您的角色" not in text
        assert "role bureau" not in text, "the developer's detail stays in the API"


async def test_a_rules_chinese_detail_is_shown_under_its_message(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        missing = await browser.get("/applications/999999999", headers=HTML)
        assert missing.status_code == 404
        text = visible_text(missing.text)
        assert "该申请不存在，或您无权查看。" in text
        assert "没有该申请" in text, "the rule's own Chinese words, under the message"
        browser.cookies.set("ltc_lang", "en")
        english = visible_text((await browser.get("/applications/999999999", headers=HTML)).text)
        assert "This application does not exist, or you may not see it." in english and "没有该申请" not in english


async def test_the_api_keeps_its_problem_contract(client: httpx.AsyncClient, auth) -> None:
    response = await client.get("/api/v1/settlements/999999999", headers=await auth("bureau"))
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "settlement_not_found" and body["title"] == "Not found"
    assert body["detail"] and set(body) == {"status", "code", "title", "detail", "errors"}
