"""A city's policy: every number the bureau chooses, versioned and effective-dated.

Policy is data (``policies/*.json``); the domain receives the version in force on the
day that matters (the application date, the visit day, the settled day) as an argument.
A new version never changes what was decided under an old one."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from ltc.domain.errors import InvalidInput

# Benefits a policy may offer (DOMAIN §9): care at home and in an institution by a designated
# provider; where no provider reaches (远郊模式), a cash allowance for family care checked
# monthly by the town's agent, or grouped visits on fixed days with a travel allowance.
HOME_CARE = "home_care"
INSTITUTIONAL_CARE = "institutional_care"
FAMILY_CARE_ALLOWANCE = "family_care_allowance"
GROUPED_VISITS = "grouped_visits"
BENEFITS = (HOME_CARE, INSTITUTIONAL_CARE, FAMILY_CARE_ALLOWANCE, GROUPED_VISITS)


@dataclass(frozen=True, slots=True)
class TownRules:
    """What a policy version says of one town (by its code): from which day the scheme is open
    there, whether it is remote (远郊), and the rules it overrides (None: the version's own)."""

    open_from: date | None = None  # None: open as long as the version is in force
    remote: bool = False
    service_radius_km: float | None = None  # how far a provider reaches people in this town
    visit_minutes: int | None = None
    visits_per_week: int | None = None  # the weekly pattern: visits a week (hours spread over them)
    visit_weekdays: tuple[int, ...] | None = None  # fixed days (0 = Monday), e.g. grouped visits
    travel_allowance_fen: int = 0  # paid per verified visit to a person in this town
    benefits: tuple[str, ...] | None = None  # the benefits on offer here

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TownRules:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise InvalidInput(f"unknown town rule fields: {', '.join(unknown)}", code="invalid_policy")
        values = dict(raw)
        if values.get("open_from") is not None:
            values["open_from"] = date.fromisoformat(values["open_from"])
        for name in ("visit_weekdays", "benefits"):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        unknown_benefits = sorted(set(values.get("benefits") or ()) - set(BENEFITS))
        if unknown_benefits:
            raise InvalidInput(f"unknown benefits: {', '.join(unknown_benefits)}", code="invalid_policy")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


_NO_TOWN_RULES = TownRules()


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    effective_from: date
    # Applications (DOMAIN §2)
    assessment_instrument: str = "nhsa-2021"
    self_eval_instrument: str = "self-eval-2021"
    minimum_age: int = 60
    minimum_months_disabled: int = 6
    eligible_self_eval_grades: tuple[str, ...] = ("E", "F", "G")
    minimum_assessors: int = 2
    notice_days: int = 7
    validity_months_severe: int = 24
    validity_months_other: int = 12
    reassessment_reminder_days: int = 60
    # Care plans and scheduling (DOMAIN §5); levels are the national 3, 4, 5 (重度Ⅰ–Ⅲ)
    home_hours_by_level: dict[int, int] = field(default_factory=lambda: {3: 20, 4: 25, 5: 30})
    visit_minutes: int = 60
    # A visit may start from its slot's start up to this many minutes later (a slot may set its own).
    visit_window_minutes: int = 60
    schedule_window_days: int = 14
    travel_speed_kmh: float = 25.0
    working_day_start_hour: int = 8
    working_day_end_hour: int = 18
    # Visit verification
    geofence_m: float = 200.0
    minimum_duration_share: Decimal = Decimal("0.75")
    impossible_speed_kmh: float = 120.0
    late_after_minutes: int = 30
    missed_after_end_minutes: int = 60
    missing_checkout_after_end_minutes: int = 120
    max_clock_skew_minutes: int = 10
    start_far_minutes: int = 120  # a check-in farther than this from the planned start is flagged
    presence_code_required: bool = False  # check-in and check-out must carry the home's presence code
    photo_required_at_check_in: bool = False
    signature_required_at_check_out: bool = False  # the family's signature
    # Settlement (DOMAIN §6)
    home_hourly_price_fen: int = 6000
    fund_share_home: Decimal = Decimal("0.90")
    fund_share_institutional: Decimal = Decimal("0.75")
    bed_day_cap_fen_by_level: dict[int, int] = field(default_factory=lambda: {3: 6000, 4: 7000, 5: 8000})
    evaluation_pass_score: int = 60
    evaluation_deduction_share: Decimal = Decimal("0.05")
    # The fund's health (DOMAIN §8): an early warning (yellow) when the balance pays fewer
    # months than this, an alarm (red) under the second figure or when it is negative.
    fund_warning_months: Decimal = Decimal("6")
    fund_alarm_months: Decimal = Decimal("3")
    # Advances (预拨): this many months of a provider's average fund amount paid ahead.
    advance_months: Decimal = Decimal("2")
    # An approved settlement is paid within this many days; it is due soon the last days before.
    payment_deadline_days: int = 30
    payment_due_soon_days: int = 7
    # Fund supervision (DOMAIN §8): risk indicators' weights (a score of up to their sum), the
    # months a provider counts as new, the months in a row at the hours cap that count, the
    # robust z-score from which a peer outlier counts fully; the review sample (复审): at least
    # this share of a month's lines, this share of the sample drawn by risk, and approval
    # waiting until every sampled line is decided.
    risk_weight_rules_hit: int = 20
    risk_weight_hours_at_cap: int = 15
    risk_weight_short_visits: int = 15
    risk_weight_exception_rate: int = 20
    risk_weight_new_provider: int = 10
    risk_weight_peer_outlier: int = 20
    risk_new_provider_months: int = 12
    risk_cap_months: int = 3
    risk_outlier_z: Decimal = Decimal("3.5")
    review_share: Decimal = Decimal("0.05")
    review_risk_share: Decimal = Decimal("0.5")
    approval_waits_for_review: bool = True
    # The annual evaluation by indicators and the quality reserve (DOMAIN §8, ``evaluation``):
    # indicator → weight (none: the year is evaluated by the single score above), the lowest
    # score of each grade, the share of each month's fund amount withheld as the reserve, and
    # the share of the reserve each grade has released in the year's final account.
    evaluation_weights: dict[str, int] = field(default_factory=dict)
    evaluation_grade_floors: dict[str, int] = field(
        default_factory=lambda: {"excellent": 90, "good": 80, "pass": 60, "fail": 0}
    )
    quality_reserve_share: Decimal = Decimal("0")
    reserve_release_by_grade: dict[str, Decimal] = field(
        default_factory=lambda: {
            "excellent": Decimal(1),
            "good": Decimal(1),
            "pass": Decimal("0.8"),
            "fail": Decimal(0),
        }
    )
    # Assessment quality (DOMAIN §8): an assessment recorded farther than this from the home or
    # shorter than this is flagged; an assessor whose Holm-adjusted p-value of severe results
    # against the peers is under the level is an outlier; a share of conclusions is re-assessed.
    assessment_max_distance_m: float = 500.0
    assessment_min_minutes: int = 20
    assessor_outlier_alpha: Decimal = Decimal("0.05")
    spot_check_share: Decimal = Decimal("0.05")
    # Provider agreements
    redesignation_block_years: int = 3
    # Credit (信用, DOMAIN §8): everyone starts from the same points; a finding deducts its
    # category's points from the provider and from each caregiver it names; the level is the
    # first whose least points are reached (below every one: the lowest, "D").
    credit_start_points: int = 100
    credit_level_points: dict[str, int] = field(default_factory=lambda: {"A": 90, "B": 75, "C": 60})
    finding_credit_points: dict[str, int] = field(
        default_factory=lambda: {
            "false_claim": 20,
            "overbilling": 10,
            "record_forgery": 15,
            "service_shortfall": 5,
            "unqualified_staff": 10,
            "other": 3,
        }
    )
    # Rolling out and remote villages (DOMAIN §9): the rules of each town by its code (a town
    # not named is open, not remote and overrides nothing), the benefits on offer where no
    # town says otherwise, and those offered to people no designated provider can reach.
    towns: dict[str, TownRules] = field(default_factory=dict)
    benefits: tuple[str, ...] = (HOME_CARE, INSTITUTIONAL_CARE)
    remote_benefits: tuple[str, ...] = ()
    # The monthly family-care allowance (家庭护理补贴) by care level, paid whole by the fund when
    # the month's check by the town's agent (a visit or a call) is on record.
    family_care_allowance_fen_by_level: dict[int, int] = field(default_factory=dict)
    family_care_check_required: bool = True
    # Relief of the personal share (一站式): people in these hardship groups (fed from the
    # civil-affairs registry by id number) have this share of their personal share paid by the
    # relief fund on the same settlement line.
    relief_groups: tuple[str, ...] = ()
    relief_share: Decimal = Decimal("1")
    # Personal data: kept this many years after the last month settled for the person, then
    # it may be anonymised (money records themselves are kept, without the person's identity).
    personal_data_retention_years: int = 5

    def validity_months(self, severe: bool) -> int:
        return self.validity_months_severe if severe else self.validity_months_other

    def home_hours(self, level: int) -> int:
        return self.home_hours_by_level.get(level, 0)

    def bed_day_cap_fen(self, level: int) -> int:
        return self.bed_day_cap_fen_by_level.get(level, 0)

    def town(self, code: str | None) -> TownRules:
        """The rules this version has for a town (a town it does not name: none of its own)."""
        return self.towns.get(code or "", _NO_TOWN_RULES)

    def scheme_open_in(self, town_code: str | None, day: date) -> bool:
        opens = self.town(town_code).open_from
        return opens is None or day >= opens

    def benefits_in(self, town_code: str | None) -> tuple[str, ...]:
        own = self.town(town_code).benefits
        return self.benefits if own is None else own

    def visit_minutes_in(self, town_code: str | None) -> int:
        own = self.town(town_code).visit_minutes
        return self.visit_minutes if own is None else own

    def family_care_allowance_fen(self, level: int) -> int:
        return self.family_care_allowance_fen_by_level.get(level, 0)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Policy:
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise InvalidInput(f"unknown policy fields: {', '.join(unknown)}", code="invalid_policy")
        values: dict[str, Any] = {}
        for name, value in raw.items():
            default = getattr(_DEFAULTS, name, None) if name not in ("version", "effective_from") else None
            if name == "effective_from":
                values[name] = date.fromisoformat(value)
            elif name == "towns":
                values[name] = {str(code): TownRules.from_dict(rules) for code, rules in value.items()}
            elif isinstance(default, Decimal):
                values[name] = Decimal(str(value))
            elif name in _BY_NAME:  # keyed by a code, not a level
                values[name] = {str(k): _BY_NAME[name](str(v)) for k, v in value.items()}
            elif isinstance(default, dict):
                values[name] = {int(k): int(v) for k, v in value.items()}
            elif isinstance(default, tuple):
                values[name] = tuple(value)
            else:
                values[name] = value
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = str(value)
            elif f.name == "towns":
                value = {code: rules.to_dict() for code, rules in value.items()}
            elif isinstance(value, dict):
                value = {str(k): str(v) if isinstance(v, Decimal) else v for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


# Rules keyed by a code (an indicator, a grade) rather than a care level, and their values' type.
_BY_NAME: dict[str, type] = {
    "credit_level_points": int,
    "finding_credit_points": int,
    "evaluation_weights": int,
    "evaluation_grade_floors": int,
    "reserve_release_by_grade": Decimal,
}
_DEFAULTS = Policy(version="defaults", effective_from=date(2000, 1, 1))


@dataclass(frozen=True, slots=True)
class PolicyBook:
    """All versions of a city's policy, ordered by the day each takes effect."""

    city: str
    versions: tuple[Policy, ...]

    def __post_init__(self) -> None:
        days = [v.effective_from for v in self.versions]
        if not self.versions or days != sorted(days) or len(set(days)) != len(days):
            raise InvalidInput(
                "policy versions must be non-empty with distinct, ascending dates", code="invalid_policy"
            )

    def in_force(self, day: date) -> Policy:
        index = bisect.bisect_right([v.effective_from for v in self.versions], day) - 1
        if index < 0:
            raise InvalidInput(f"no policy in force on {day.isoformat()}", code="no_policy_in_force")
        return self.versions[index]

    def version(self, name: str) -> Policy:
        for candidate in self.versions:
            if candidate.version == name:
                return candidate
        raise InvalidInput(f"unknown policy version {name}", code="unknown_policy_version")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PolicyBook:
        versions = sorted((Policy.from_dict(v) for v in raw["versions"]), key=lambda v: v.effective_from)
        return cls(city=raw["city"], versions=tuple(versions))
