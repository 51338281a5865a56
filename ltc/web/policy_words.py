"""The city's policy rules in words: each rule's name and its value with its unit, in the
page's language (no field names, fen or raw shares reach the page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ltc.domain.money import format_yuan
from ltc.web.formatting import town
from ltc.web.i18n import gettext as _
from ltc.web.vocabulary import (
    BENEFITS,
    EVALUATION_GRADES,
    EVALUATION_INDICATORS,
    FINDING_CATEGORIES,
    N_,
    RELIEF_GROUPS,
    WEEKDAYS,
)

# rule → (its name, how its value reads)
POLICY_RULES: dict[str, tuple[str, str]] = {
    "assessment_instrument": (N_("Assessment instrument"), "instrument"),
    "self_eval_instrument": (N_("Self-assessment form"), "instrument"),
    "minimum_age": (N_("Minimum age"), "age"),
    "minimum_months_disabled": (N_("Disabled for at least"), "months"),
    "eligible_self_eval_grades": (N_("Self-assessment grades that may apply"), "grades"),
    "minimum_assessors": (N_("Assessors per assessment"), "people"),
    "notice_days": (N_("Public notice period"), "days"),
    "validity_months_severe": (N_("Validity of a severe conclusion"), "months"),
    "validity_months_other": (N_("Validity of another conclusion"), "months"),
    "reassessment_reminder_days": (N_("Re-assessment reminder ahead of expiry"), "days"),
    "home_hours_by_level": (N_("Home care hours a month by level"), "hours_by_level"),
    "visit_minutes": (N_("Length of a home visit"), "minutes"),
    "visit_window_minutes": (N_("A visit may start this long after its slot's time"), "minutes"),
    "schedule_window_days": (N_("Visits planned ahead"), "days"),
    "travel_speed_kmh": (N_("Travel speed between visits"), "speed"),
    "working_day_start_hour": (N_("Working day starts"), "hour"),
    "working_day_end_hour": (N_("Working day ends"), "hour"),
    "geofence_m": (N_("Check-in distance from the home"), "metres"),
    "minimum_duration_share": (N_("Shortest visit, share of the planned length"), "share"),
    "impossible_speed_kmh": (N_("Travel faster than this is impossible"), "speed"),
    "late_after_minutes": (N_("Late after the planned start"), "minutes"),
    "missed_after_end_minutes": (N_("Missed after the planned end"), "minutes"),
    "missing_checkout_after_end_minutes": (N_("Check-out missing after the planned end"), "minutes"),
    "max_clock_skew_minutes": (N_("Largest device clock error accepted"), "minutes"),
    "start_far_minutes": (N_("Check-in farther than this from the planned start is flagged"), "minutes"),
    "presence_code_required": (N_("Presence code required at check-in and check-out"), "yes_no"),
    "photo_required_at_check_in": (N_("Photo required at check-in"), "yes_no"),
    "signature_required_at_check_out": (N_("Family's signature required at check-out"), "yes_no"),
    "home_hourly_price_fen": (N_("Home care price an hour"), "money"),
    "fund_share_home": (N_("Fund's share of home care"), "share"),
    "fund_share_institutional": (N_("Fund's share of institutional care"), "share"),
    "bed_day_cap_fen_by_level": (N_("Bed-day price cap by level"), "money_by_level"),
    "evaluation_pass_score": (N_("Annual evaluation pass score"), "score"),
    "evaluation_deduction_share": (N_("Deduction below the pass score"), "share"),
    "redesignation_block_years": (N_("Wait before a terminated provider is designated again"), "years"),
    "personal_data_retention_years": (N_("Personal data kept after the last settlement"), "years"),
    "fund_warning_months": (N_("Early warning when the fund pays fewer months than"), "months"),
    "fund_alarm_months": (N_("Alarm when the fund pays fewer months than"), "months"),
    "advance_months": (N_("Advance payment to a provider, in months of its average"), "months"),
    "payment_deadline_days": (N_("Days to pay an approved settlement"), "days"),
    "payment_due_soon_days": (N_("Days before the payment deadline a settlement is due soon"), "days"),
    "risk_weight_rules_hit": (N_("Risk weight: rules hit per visit"), "score"),
    "risk_weight_hours_at_cap": (N_("Risk weight: hours at the cap month after month"), "score"),
    "risk_weight_short_visits": (N_("Risk weight: short visits"), "score"),
    "risk_weight_exception_rate": (N_("Risk weight: exception rate"), "score"),
    "risk_weight_new_provider": (N_("Risk weight: new provider"), "score"),
    "risk_weight_peer_outlier": (N_("Risk weight: outlier against peers"), "score"),
    "risk_new_provider_months": (N_("A provider counts as new for"), "months"),
    "risk_cap_months": (N_("Months in a row at the hours cap that count as a risk"), "months"),
    "risk_outlier_z": (N_("Robust z-score from which a peer outlier counts fully"), "score"),
    "review_share": (N_("Share of a month's lines drawn for human review"), "share"),
    "review_risk_share": (N_("Share of the review sample drawn by risk"), "share"),
    "approval_waits_for_review": (N_("Approval waits until the review sample is decided"), "yes_no"),
    "credit_start_points": (N_("Credit points to start from"), "points"),
    "credit_level_points": (N_("Least credit points of each level"), "points_by_level"),
    "finding_credit_points": (N_("Credit points a finding deducts by category"), "points_by_category"),
}
# The annual evaluation by indicators and the quality reserve.
POLICY_RULES.update(
    {
        "evaluation_weights": (N_("Annual evaluation indicators and their weights"), "weights"),
        "evaluation_grade_floors": (N_("Lowest score of each evaluation grade"), "score_by_grade"),
        "quality_reserve_share": (N_("Quality reserve withheld from each month's fund amount"), "share"),
        "reserve_release_by_grade": (N_("Quality reserve released in the final account by grade"), "share_by_grade"),
    }
)
# Assessment quality.
POLICY_RULES.update(
    {
        "assessment_max_distance_m": (N_("An assessment farther than this from the home is flagged"), "metres"),
        "assessment_min_minutes": (N_("An assessment shorter than this is flagged"), "minutes"),
        "assessor_outlier_alpha": (N_("Significance level for an assessor's severe rate against peers"), "share"),
        "spot_check_share": (N_("Share of final conclusions drawn for spot re-assessment"), "share"),
    }
)
# Rolling out and remote villages.
POLICY_RULES.update(
    {
        "towns": (N_("When the scheme opens in each town, and the town's own rules"), "towns"),
        "benefits": (N_("Benefits on offer"), "benefits"),
        "remote_benefits": (N_("Benefits for people no provider reaches"), "benefits"),
        "family_care_allowance_fen_by_level": (N_("Family-care allowance a month by level"), "money_by_level"),
        "family_care_check_required": (N_("The allowance waits for the month's check by the town's agent"), "yes_no"),
        "relief_groups": (N_("Hardship groups whose personal share the relief fund pays"), "relief_groups"),
        "relief_share": (N_("Share of the personal share the relief fund pays"), "share"),
    }
)
OTHER_RULE = N_("Another rule")
LEVELS = {3: N_("Severe I"), 4: N_("Severe II"), 5: N_("Severe III")}


@dataclass(frozen=True, slots=True)
class RuleInWords:
    name: str
    before: str | None
    after: str


def rule_name(rule: str) -> str:
    return _(POLICY_RULES.get(rule, (OTHER_RULE, ""))[0])


def _level(level: int) -> str:
    return _(LEVELS[level]) if level in LEVELS else _("Level %(level)s") % {"level": level}


def _by_level(values: Mapping[int, str]) -> str:
    return _("; ").join(f"{_level(level)} {amount}" for level, amount in sorted(values.items()))


def _by_code(unit: str, value: Mapping[str, Any]) -> str:
    """Indicators or grades in words with their figures, e.g. "Safety 10; Training 10"."""
    names = EVALUATION_INDICATORS if unit == "weights" else EVALUATION_GRADES
    shown = (lambda v: f"{(Decimal(v) * 100).normalize():f}%") if unit == "share_by_grade" else str
    return _("; ").join(f"{_(names.get(code, OTHER_RULE))} {shown(v)}" for code, v in value.items())


def _town_rules(code: str, rules: Any) -> str:
    """One town's rules, e.g. "Dayan: open from 2027-04-01, remote, 90 minutes a visit"."""
    return f"{town(code)}: " + town_rules_words(rules)


def town_rules_words(rules: Any, *, with_opening: bool = True) -> str:
    """A town's rules without its name (``with_opening`` False: only what it overrides)."""
    raw = rules.to_dict() if hasattr(rules, "to_dict") else dict(rules)
    said = []
    if with_opening and raw.get("open_from"):
        said.append(_("open from %(day)s") % {"day": raw["open_from"]})
    if with_opening and raw.get("remote"):
        said.append(_("remote"))
    if raw.get("service_radius_km") is not None:
        said.append(_("providers reach %(n)s km") % {"n": f"{raw['service_radius_km']:g}"})
    if raw.get("visit_minutes") is not None:
        said.append(_("%(n)s minutes a visit") % {"n": raw["visit_minutes"]})
    if raw.get("visits_per_week") is not None:
        said.append(_("%(n)s visits a week") % {"n": raw["visits_per_week"]})
    if raw.get("visit_weekdays"):
        days = "/".join(_(WEEKDAYS[d]) for d in raw["visit_weekdays"] if 0 <= d < len(WEEKDAYS))
        said.append(_("visits on %(days)s") % {"days": days})
    if raw.get("travel_allowance_fen"):
        said.append(
            _("travel allowance %(amount)s a visit") % {"amount": "¥" + format_yuan(raw["travel_allowance_fen"])}
        )
    if raw.get("benefits") is not None:
        said.append(value_words("benefits", raw["benefits"]))
    return _(", ").join(said)


def value_words(rule: str, value: Any) -> str:
    """A rule's value with its unit, e.g. "7 days", "90%", "¥60.00", "Severe I 20 h"."""
    unit = POLICY_RULES.get(rule, ("", ""))[1]
    if unit == "age":
        return _("%(n)s years old") % {"n": value}
    if unit == "years":
        return _("%(n)s years") % {"n": value}
    if unit == "months":
        return _("%(n)s months") % {"n": value}
    if unit == "days":
        return _("%(n)s days") % {"n": value}
    if unit == "minutes":
        return _("%(n)s minutes") % {"n": value}
    if unit == "people":
        return _("%(n)s people") % {"n": value}
    if unit == "metres":
        return _("%(n)s m") % {"n": f"{value:g}"}
    if unit == "speed":
        return _("%(n)s km/h") % {"n": f"{value:g}"}
    if unit == "hour":
        return f"{value:02d}:00"
    if unit == "share":
        return f"{(Decimal(value) * 100).normalize():f}%"
    if unit == "money":
        return "¥" + format_yuan(value)
    if unit == "hours_by_level":
        return _by_level({level: _("%(n)s h") % {"n": hours} for level, hours in value.items()})
    if unit == "money_by_level":
        return _by_level({level: "¥" + format_yuan(fen) for level, fen in value.items()})
    if unit == "points":
        return _("%(n)s points") % {"n": value}
    if unit == "points_by_level":
        return _("; ").join(f"{level} {_('%(n)s points') % {'n': n}}" for level, n in value.items())
    if unit == "points_by_category":
        return _("; ").join(
            f"{_(FINDING_CATEGORIES.get(category, OTHER_RULE))} {_('%(n)s points') % {'n': n}}"
            for category, n in value.items()
        )
    if unit in ("weights", "score_by_grade", "share_by_grade"):
        return _by_code(unit, value)
    if unit == "benefits":
        return _("; ").join(_(BENEFITS.get(code, OTHER_RULE)) for code in value)
    if unit == "relief_groups":
        return _("; ").join(_(RELIEF_GROUPS.get(code, OTHER_RULE)) for code in value)
    if unit == "towns":
        return _("; ").join(_town_rules(code, rules) for code, rules in sorted(value.items()))
    if unit == "grades":
        return _("; ").join(value)
    if unit == "yes_no":
        return _("Yes") if value else _("No")
    return str(value)
