"""The siting analysis in words and as a drawing: each candidate site's name, the exports'
rows (CSV, XLSX), and the map of the uncovered people with the sites that would serve them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from ltc.db.queries.providers import PlacementOnMap
from ltc.services.assignments import NetworkMap
from ltc.services.jobs import JobView
from ltc.services.siting import CoverageOut, SiteOut, SitingResult
from ltc.web.formatting import number, town
from ltc.web.i18n import gettext as _
from ltc.web.i18n import ngettext
from ltc.web.job_summaries import NextStep, Outcome, summary_of
from ltc.web.network_map import MapDrawing, draw_network
from ltc.web.policy_words import LEVELS
from ltc.web.vocabulary import N_

SITE_KINDS = {
    "town": N_("Town centre"),
    "village": N_("Village site"),
    "enlarged": N_("Existing provider, larger radius"),
}
PROVIDER_KINDS = {
    "home": N_("home care"),
    "institutional": N_("institutional care"),
    "both": N_("home and institutional care"),
}
MAP_SITES = 5  # the best choice and the first few of the ranked list are drawn


def site_name(site: SiteOut) -> str:
    if site.kind == "town":
        return _("{town} centre").format(town=town(site.town))
    if site.kind == "village":
        number = site.key.rsplit(":", 1)[-1]
        return _("Village site {n} in {town}").format(n=number, town=town(site.town) or "–")
    return _("{code} {name}, reaching {km} km").format(
        code=site.provider_code, name=site.provider_name, km=f"{site.radius_km:g}"
    )


def sites_name(coverage: CoverageOut) -> str:
    return _(" + ").join(site_name(s) for s in coverage.sites)


def level_name(level: int | None) -> str:
    words = LEVELS.get(level) if level is not None else None
    return _(words) if words else (_("Level unknown") if level is None else str(level))


def by_town_words(coverage: CoverageOut) -> str:
    return _(", ").join(f"{town(t.town) or _('Town unknown')} {t.people}" for t in coverage.by_town)


def by_level_words(coverage: CoverageOut) -> str:
    return _(", ").join(f"{level_name(lvl.level)} {lvl.people}" for lvl in coverage.by_level)


def km(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


# ---------------------------------------------------------------- exports


def header() -> list[str]:
    return [
        _("Rank"),
        _("Site"),
        _("Kind"),
        _("Latitude"),
        _("Longitude"),
        _("Radius (km)"),
        _("Places"),
        _("People covered"),
        _("People within reach"),
        _("Mean distance (km)"),
        _("Longest distance (km)"),
        _("By town"),
        _("By level"),
    ]


def rows(result: SitingResult) -> list[list[object]]:
    """The best choice first (rank 0 when it is a pair), then each candidate alone."""
    out: list[list[object]] = []
    entries: list[tuple[str, CoverageOut]] = []
    if result.best is not None and len(result.best.sites) > 1:
        entries.append((_("Best pair"), result.best))
    entries += [(str(rank), c) for rank, c in enumerate(result.ranked, start=1)]
    for rank, c in entries:
        first = c.sites[0]
        out.append(
            [
                rank,
                sites_name(c),
                _(" + ").join(_(SITE_KINDS[s.kind]) for s in c.sites),
                first.lat if len(c.sites) == 1 else "",
                first.lon if len(c.sites) == 1 else "",
                _(" + ").join(f"{s.radius_km:g}" for s in c.sites),
                sum(s.capacity for s in c.sites),
                c.covered,
                c.upper_bound,
                c.mean_km if c.mean_km is not None else "",
                c.max_km if c.max_km is not None else "",
                by_town_words(c),
                by_level_words(c),
            ]
        )
    return out


def title(result: SitingResult) -> str:
    return _("Siting analysis: where new providers would serve the {n} people uncovered").format(n=result.uncovered)


def csv_bytes(result: SitingResult) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title(result)])
    writer.writerow(header())
    writer.writerows(rows(result))
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # a spreadsheet then reads UTF-8


def xlsx_bytes(result: SitingResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = _("Siting")[:31]
    sheet.append([title(result)])
    sheet.append(header())
    for row in rows(result):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- the map


@dataclass(frozen=True)
class SiteMark:
    key: str
    name: str
    x: float
    y: float
    radius: float  # the reach, in pixels at 1×
    best: bool
    covered: int


@dataclass(frozen=True)
class CoverLine:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class SitingDrawing:
    base: MapDrawing  # the providers, their radii, the towns and the uncovered people
    sites: list[SiteMark]
    lines: list[CoverLine]  # from each person the best choice covers to its site
    covered: int


def draw_siting(network: NetworkMap, result: SitingResult, *, english: bool) -> SitingDrawing:
    shown: dict[str, tuple[SiteOut, bool, int]] = {}
    best_keys = {s.key for s in result.best.sites} if result.best else set()
    alone = {c.sites[0].key: c.covered for c in result.ranked}
    if result.best:
        for s in result.best.sites:
            shown[s.key] = (s, True, alone.get(s.key, result.best.covered))
    for c in result.ranked[:MAP_SITES]:
        s = c.sites[0]
        shown.setdefault(s.key, (s, s.key in best_keys, c.covered))
    waiting = [
        PlacementOnMap(person_id=p.id, provider_id=None, status="unassigned", care_mode=p.mode, lat=p.lat, lon=p.lon)
        for p in result.people
    ]
    base = draw_network(
        NetworkMap(providers=network.providers, placements=waiting, towns=network.towns),
        english=english,
        also=[(s.lat, s.lon, s.radius_km) for s, _best, _n in shown.values()],
    )
    projection = base.projection
    marks = []
    for s, best, covered in shown.values():
        x, y = projection.xy(s.lat, s.lon)
        marks.append(SiteMark(s.key, site_name(s), x, y, projection.radius_px(s.radius_km), best, covered))
    where = {m.key: (m.x, m.y) for m in marks}
    homes = {p.id: projection.xy(p.lat, p.lon) for p in result.people}
    lines = []
    for group in result.best.people if result.best else []:
        x2, y2 = where[group.site]
        for person_id in group.person_ids:
            if person_id in homes:
                x1, y1 = homes[person_id]
                lines.append(CoverLine(x1, y1, x2, y2))
    return SitingDrawing(base=base, sites=marks, lines=lines, covered=result.best.covered if result.best else 0)


# ---------------------------------------------------------------- the job page


@summary_of("siting", SitingResult)
def job_outcome(result: SitingResult, job: JobView) -> Outcome:
    weighed = ngettext(
        "%(num)s candidate site weighed for the people uncovered now.",
        "%(num)s candidate sites weighed for the people uncovered now.",
        result.candidates,
    ) % {"num": number(result.candidates)}
    if result.best is None:
        best = _("No candidate site would cover anyone.")
    else:
        best = ngettext(
            "The best choice covers %(num)s more person.",
            "The best choice covers %(num)s more people.",
            result.best.covered,
        ) % {"num": number(result.best.covered)}
    return Outcome((weighed, best), NextStep(f"/siting/{job.id}", _("See the ranked sites and the map")))
