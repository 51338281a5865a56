"""The care network map over HTTP: offline by default (an SVG that asks no other host for
anything, under the site's strict policy), with its legend, labels that do not collide and
whole circles; over the city's tile server, with the vendored Leaflet, only when
LTC_MAP_TILE_URL is set, and the policy then lets the map page alone show that host's images."""

from __future__ import annotations

import re

import pytest

from ltc.web.headers import CSP, security_headers
from tests.helpers import HTML, signed_in_browser
from tests.isolated import isolated_app

TILES = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"


def labels_of(svg: str, level: int) -> list[str]:
    """The texts of one zoom level's labels."""
    group = re.search(rf'data-label-level="{level}".*?</g>', svg, re.S)
    assert group
    return re.findall(r'<text class="map-label[^"]*" [^>]*>([^<]+)</text>', group.group(0))


def external_addresses(html: str) -> list[str]:
    return [
        a
        for a in re.findall(r"""(?:src|href)=["']([^"']+)["']""", html)
        if not a.startswith(("/", "#")) or a.startswith("//")
    ]


async def test_the_map_is_an_svg_with_a_legend_that_asks_no_other_host(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        response = await browser.get("/map", headers=HTML)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP
    html = response.text
    assert external_addresses(html) == []
    assert "/static/map.js" in html and "leaflet" not in html.lower()
    svg = re.search(r"<svg viewBox=\"0 0 (\d+) (\d+)\".*?</svg>", html, re.S)
    assert svg, "no map drawing"
    width, height = int(svg.group(1)), int(svg.group(2))
    # Every service radius lies wholly inside the drawing.
    circles = re.findall(r'class="map-radius[^"]*" cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg.group(0))
    assert circles
    for cx, cy, r in ((float(a), float(b), float(c)) for a, b, c in circles):
        assert cx - r >= 0 and cy - r >= 0 and cx + r <= width and cy + r <= height
    # Buttons to zoom, and one group of labels per zoom level, the first shown.
    for how in ("in", "out", "reset"):
        assert f'data-zoom="{how}"' in html
    levels = re.findall(r'data-label-level="(\d)"[^>]*?(display="none")?>', svg.group(0))
    assert [level for level, _ in levels] == ["0", "1", "2", "3", "4"]
    assert [hidden for _, hidden in levels] == ["", *['display="none"'] * 4]
    # The legend names each mark, with its count; the waiting count is labelled, not bare.
    legend = re.search(r'data-testid="map-legend".*?</aside>', html, re.S)
    assert legend
    for words in ("图例", "服务半径", "等待"):
        assert words in legend.group(0)
    assert re.search(r'data-testid="uncovered-count">\d+</strong>', legend.group(0))
    assert "uncovered-count" not in html.split('data-testid="map-legend"')[0]
    # Zoomed in, there is room for at least as many labels as in the whole view.
    assert 1 <= len(labels_of(svg.group(0), 0)) <= len(labels_of(svg.group(0), 4))


async def test_the_map_speaks_english_with_english_town_names(app) -> None:
    async with signed_in_browser(app, "bureau") as browser:
        await browser.get("/lang/en", headers=HTML)
        html = (await browser.get("/map", headers=HTML)).text
    assert "Legend" in html and "Service radius" in html and "Zoom in" in html
    towns = re.findall(r'class="map-label town" [^>]*>([^<]+)</text>', html)
    assert towns and not any(re.search(r"[\u4e00-\u9fff]", town) for town in towns), towns


async def test_the_map_is_for_those_who_assign(app) -> None:
    async with signed_in_browser(app, "assessor1") as browser:
        response = await browser.get("/map", headers=HTML)
    assert response.status_code == 403


async def test_no_tile_host_in_any_policy_without_a_tile_server(settings) -> None:
    for path in ("/map", "/", "/providers"):
        assert await policy(settings, path) == CSP


async def test_the_tile_host_is_allowed_on_the_map_page_only(settings) -> None:
    tiled = settings.model_copy(update={"map_tile_url": TILES})
    assert "img-src 'self' data: https://tiles.example.gov.cn;" in await policy(tiled, "/map")
    for path in ("/", "/providers", "/map/other", "/schema/swagger"):
        assert "tiles.example.gov.cn" not in await policy(tiled, path)
    subdomains = settings.model_copy(update={"map_tile_url": "https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"})
    assert "https://*.tiles.example.gov.cn" in await policy(subdomains, "/map")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example/{z}/{x}/{y}.png",
        "https://tiles.example/{z}/{x}.png",
        "https://{a}tiles.example/{z}/{x}/{y}",
    ],
)
def test_a_tile_address_that_cannot_be_a_tile_server_is_refused(settings, url: str) -> None:
    with pytest.raises(ValueError, match="LTC_MAP_TILE_URL"):
        settings.model_validate({**settings.model_dump(), "map_tile_url": url})


async def test_with_a_tile_server_the_map_is_drawn_by_the_vendored_leaflet(settings) -> None:
    tiled = settings.model_copy(update={"map_tile_url": TILES, "map_tile_attribution": "© 市测绘院"})
    async with isolated_app(tiled, "tiles", activity=True) as app, signed_in_browser(app, "bureau") as browser:
        response = await browser.get("/map", headers=HTML)
        leaflet = await browser.get("/static/vendor/leaflet/leaflet.js")
        css = await browser.get("/static/vendor/leaflet/leaflet.css")
    assert response.status_code == 200
    assert "img-src 'self' data: https://tiles.example.gov.cn;" in response.headers["Content-Security-Policy"]
    html = response.text
    assert external_addresses(html) == []  # the tiles are asked for by the script, not the markup
    assert '<script src="/static/vendor/leaflet/leaflet.js" defer></script>' in html
    assert 'href="/static/vendor/leaflet/leaflet.css"' in html
    assert f'data-tile-url="{TILES}"' in html and 'data-attribution="© 市测绘院"' in html
    network = re.search(r"data-network='([^']*)'", html)
    assert network and '"providers"' in network.group(1) and '"people"' in network.group(1)
    assert "<svg viewBox" not in html and 'data-testid="map-legend"' in html
    assert leaflet.status_code == 200 and "Leaflet 1.9.4" in leaflet.text[:400]
    assert css.status_code == 200


async def policy(settings, path: str) -> str:
    hook = security_headers(settings)
    message = {"type": "http.response.start", "status": 200, "headers": []}
    await hook(message, {"path": path})  # type: ignore[arg-type]
    return {k.decode(): v.decode() for k, v in message["headers"]}["content-security-policy"]
