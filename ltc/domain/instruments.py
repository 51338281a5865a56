"""One scoring engine for every assessment instrument on file.

An instrument is data (``assessments/<code>/<version>.json``): items with options and
points, dimensions that aggregate their items (a sum of points, or a count of one answer),
bands that turn a dimension's score into a level, and one result rule that turns the
dimension levels or scores into the instrument's result level:

- ``level_matrix``: a row dimension's level against the worst of the column dimensions'
  levels (the national standard's combination method);
- ``score_table``: a table indexed by two dimension scores (the self-assessment grades);
- ``band_map``: one dimension's band names a level (Barthel);
- ``weighted_sum``: the bands' points summed, the highest of a group where the rule says
  so, then thresholds (Germany's NBA).

The definition is checked when it is loaded, so a broken file fails at start-up rather
than mid-assessment. Scoring is pure and deterministic: the same answers and version give
the same result, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ltc.domain.errors import InvalidInput

Answer = int | str


class InstrumentDefinitionError(ValueError):
    """The instrument file itself is inconsistent (a programming/data error, not user input)."""


@dataclass(frozen=True, slots=True)
class Option:
    value: Answer
    points: int | float
    label: str
    label_en: str


@dataclass(frozen=True, slots=True)
class Item:
    key: str
    dimension: str
    label: str
    label_en: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Band:
    low: int | float
    high: int | float
    level: str
    label: str
    label_en: str
    points: int | float | None


@dataclass(frozen=True, slots=True)
class Dimension:
    key: str
    label: str
    label_en: str
    aggregate: str  # "sum" of points, or "count" of items answered with count_value
    count_value: Answer | None
    bands: tuple[Band, ...]

    def band(self, score: float) -> Band | None:
        for band in self.bands:
            if band.low <= score <= band.high:
                return band
        return None


@dataclass(frozen=True, slots=True)
class Level:
    level: int | str
    label: str
    label_en: str
    severe: bool


@dataclass(frozen=True, slots=True)
class ScoreResult:
    code: str
    version: str
    dimensions: dict[str, dict[str, Any]]
    level: int | str
    level_label: str
    level_label_en: str
    severe: bool
    total: int | float | None = None

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "code": self.code,
            "version": self.version,
            "dimensions": {key: dict(value) for key, value in self.dimensions.items()},
        }
        if self.total is not None:
            result["total"] = self.total
        result |= {
            "level": self.level,
            "level_label": self.level_label,
            "level_label_en": self.level_label_en,
            "severe": self.severe,
        }
        return result


class Instrument:
    """A loaded, checked instrument definition (immutable once built)."""

    def __init__(
        self,
        *,
        code: str,
        version: str,
        name: str,
        name_en: str,
        source: str,
        dimensions: tuple[Dimension, ...],
        items: tuple[Item, ...],
        result_rule: dict[str, Any],
        levels: tuple[Level, ...],
    ) -> None:
        self.code = code
        self.version = version
        self.name = name
        self.name_en = name_en
        self.source = source
        self.dimensions = dimensions
        self.items = items
        self.result_rule = result_rule
        self.levels = levels
        self._dimension_by_key = {d.key: d for d in dimensions}
        self._level_by_value = {lvl.level: lvl for lvl in levels}
        # Per item: answer value -> points, for constant-time validation while scoring.
        self._points = {item.key: {o.value: o.points for o in item.options} for item in items}
        self._value_type = {item.key: type(item.options[0].value) for item in items}
        self._item_order = [item.key for item in items]
        self._items_of = {d.key: [i.key for i in items if i.dimension == d.key] for d in dimensions}
        self._check()

    # ----------------------------------------------------------------- loading
    @classmethod
    def from_definition(cls, raw: dict[str, Any]) -> Instrument:
        try:
            dimensions = tuple(
                Dimension(
                    key=d["key"],
                    label=d["label"],
                    label_en=d["label_en"],
                    aggregate=d.get("aggregate", "sum"),
                    count_value=d.get("count_value"),
                    bands=tuple(
                        Band(b["min"], b["max"], b["level"], b["label"], b["label_en"], b.get("points"))
                        for b in d.get("bands", [])
                    ),
                )
                for d in raw["dimensions"]
            )
            items = tuple(
                Item(
                    key=i["key"],
                    dimension=i["dimension"],
                    label=i["label"],
                    label_en=i["label_en"],
                    options=tuple(Option(o["value"], o["points"], o["label"], o["label_en"]) for o in i["options"]),
                )
                for i in raw["items"]
            )
            levels = tuple(Level(lv["level"], lv["label"], lv["label_en"], bool(lv["severe"])) for lv in raw["levels"])
            return cls(
                code=raw["code"],
                version=raw["version"],
                name=raw["name"],
                name_en=raw["name_en"],
                source=raw.get("source", ""),
                dimensions=dimensions,
                items=items,
                result_rule=raw["result"],
                levels=levels,
            )
        except KeyError as missing:
            raise InstrumentDefinitionError(f"{raw.get('code', '?')}: missing field {missing}") from None

    def _check(self) -> None:
        where = f"{self.code}@{self.version}"
        keys = [item.key for item in self.items]
        if len(set(keys)) != len(keys):
            raise InstrumentDefinitionError(f"{where}: item keys repeat")
        for item in self.items:
            if item.dimension not in self._dimension_by_key:
                raise InstrumentDefinitionError(f"{where}: item {item.key} names unknown dimension {item.dimension}")
            values = [o.value for o in item.options]
            if not item.options or len(set(values)) != len(values):
                raise InstrumentDefinitionError(f"{where}: item {item.key} needs distinct option values")
            if {type(v) for v in values} not in ({int}, {str}):
                raise InstrumentDefinitionError(f"{where}: options of {item.key} are all integers or all words")
        for dimension in self.dimensions:
            if not self._items_of[dimension.key]:
                raise InstrumentDefinitionError(f"{where}: dimension {dimension.key} has no items")
            if dimension.aggregate not in ("sum", "count"):
                raise InstrumentDefinitionError(f"{where}: dimension {dimension.key} aggregate {dimension.aggregate!r}")
            if dimension.bands:
                self._check_bands_cover(dimension, where)
        rule = self.result_rule
        kind = rule.get("kind")
        if kind == "level_matrix":
            scale = rule["scale"]
            for key in [rule["rows"], *rule["columns"]["worst_of"]]:
                levels = {b.level for b in self._dimension(key, where).bands}
                if not levels <= set(scale):
                    raise InstrumentDefinitionError(f"{where}: levels of {key} outside the scale")
            for row in scale:
                for column in scale:
                    self._known_level(rule["cells"][row][column], where)
        elif kind == "score_table":
            for key in (rule["rows"], rule["columns"]):
                self._dimension(key, where)
            rows = self._score_range(self._dimension(rule["rows"], where))
            columns = self._score_range(self._dimension(rule["columns"], where))
            table = rule["table"]
            if len(table) != len(rows) or any(len(line) != len(columns) for line in table):
                raise InstrumentDefinitionError(f"{where}: the score table must cover every score pair")
            for line in table:
                for cell in line:
                    self._known_level(cell, where)
        elif kind == "band_map":
            dimension = self._dimension(rule["dimension"], where)
            for band in dimension.bands:
                self._known_level(rule["map"][band.level], where)
        elif kind == "weighted_sum":
            for term in rule["terms"]:
                for key in term["max_of"]:
                    if any(b.points is None for b in self._dimension(key, where).bands):
                        raise InstrumentDefinitionError(f"{where}: every band of {key} needs points")
            thresholds = rule["thresholds"]
            if thresholds[0]["min"] != 0 or any(a["min"] >= b["min"] for a, b in pairwise(thresholds)):
                raise InstrumentDefinitionError(f"{where}: thresholds must start at 0 and rise")
            for threshold in thresholds:
                self._known_level(threshold["level"], where)
        else:
            raise InstrumentDefinitionError(f"{where}: unknown result kind {kind!r}")

    def _dimension(self, key: str, where: str) -> Dimension:
        try:
            return self._dimension_by_key[key]
        except KeyError:
            raise InstrumentDefinitionError(f"{where}: unknown dimension {key}") from None

    def _known_level(self, level: Any, where: str) -> None:
        if level not in self._level_by_value:
            raise InstrumentDefinitionError(f"{where}: result level {level!r} is not among the levels")

    def _score_range(self, dimension: Dimension) -> range:
        items = [i for i in self.items if i.dimension == dimension.key]
        if dimension.aggregate == "count":
            return range(len(items) + 1)
        return range(
            int(sum(min(o.points for o in i.options) for i in items)),
            int(sum(max(o.points for o in i.options) for i in items)) + 1,
        )

    def _check_bands_cover(self, dimension: Dimension, where: str) -> None:
        """Every reachable score falls into exactly one band."""
        items = [i for i in self.items if i.dimension == dimension.key]
        reachable: set[int | float] = {0}
        for item in items:
            if dimension.aggregate == "count":
                reachable = reachable | {s + 1 for s in reachable}
            else:
                reachable = {s + o.points for s in reachable for o in item.options}
        for score in reachable:
            matching = [b for b in dimension.bands if b.low <= score <= b.high]
            if len(matching) != 1:
                raise InstrumentDefinitionError(
                    f"{where}: score {score} of {dimension.key} is in {len(matching)} bands"
                )

    # ----------------------------------------------------------------- describing
    def describe(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "name_en": self.name_en,
            "source": self.source,
            "dimensions": [
                {
                    "key": d.key,
                    "label": d.label,
                    "label_en": d.label_en,
                    "bands": [
                        {"min": b.low, "max": b.high, "level": b.level, "label": b.label, "label_en": b.label_en}
                        | ({"points": b.points} if b.points is not None else {})
                        for b in d.bands
                    ],
                }
                for d in self.dimensions
            ],
            "items": [
                {
                    "key": i.key,
                    "dimension": i.dimension,
                    "label": i.label,
                    "label_en": i.label_en,
                    "options": [
                        {"value": o.value, "points": o.points, "label": o.label, "label_en": o.label_en}
                        for o in i.options
                    ],
                }
                for i in self.items
            ],
            "levels": [
                {"level": lv.level, "label": lv.label, "label_en": lv.label_en, "severe": lv.severe}
                for lv in self.levels
            ],
        }

    # ----------------------------------------------------------------- scoring
    def validate(self, answers: Any, *, require_all: bool) -> list[str]:
        """Refuse unknown items and options (and missing items when asked); return the missing keys."""
        if not isinstance(answers, dict):
            raise InvalidInput(
                "answers 须为对象 {item_key: option_value}", code="invalid_answers", errors=[{"field": "answers"}]
            )
        unknown = [key for key in answers if key not in self._points]
        if unknown:
            raise InvalidInput(
                f"{self.code} 没有这些条目：{', '.join(map(str, unknown))}",
                code="unknown_item",
                errors=[{"field": f"answers.{key}", "code": "unknown_item"} for key in unknown],
            )
        # type() first: JSON true is not the integer 1, and "5" is not 5.
        bad = [
            key
            for key, value in answers.items()
            if type(value) is not self._value_type[key] or value not in self._points[key]
        ]
        if bad:
            raise InvalidInput(
                "这些条目的选项无效：" + ", ".join(f"{key}={answers[key]!r}" for key in bad),
                code="unknown_option",
                errors=[
                    {"field": f"answers.{key}", "code": "unknown_option", "allowed": list(self._points[key])}
                    for key in bad
                ],
            )
        missing = [key for key in self._item_order if key not in answers]
        if missing and require_all:
            raise InvalidInput(
                f"尚有 {len(missing)} 个条目未作答：{', '.join(missing)}",
                code="missing_items",
                errors=[{"field": f"answers.{key}", "code": "missing_item"} for key in missing],
            )
        return missing

    def _dimension_score(self, dimension: Dimension, answers: dict[str, Answer]) -> int | float:
        keys = [key for key in self._items_of[dimension.key] if key in answers]
        if dimension.aggregate == "count":
            return sum(1 for key in keys if answers[key] == dimension.count_value)
        return sum(self._points[key][answers[key]] for key in keys)

    def _dimension_entry(self, dimension: Dimension, score: float) -> dict[str, Any]:
        entry: dict[str, Any] = {"score": score}
        band = dimension.band(score)
        if band is not None:
            entry |= {"level": band.level, "level_label": band.label, "level_label_en": band.label_en}
            if band.points is not None:
                entry["points"] = band.points
        return entry

    def _result_level(self, entries: dict[str, dict[str, Any]]) -> tuple[int | str, int | float | None]:
        rule = self.result_rule
        kind = rule["kind"]
        if kind == "level_matrix":
            scale = rule["scale"]
            column = max((entries[key]["level"] for key in rule["columns"]["worst_of"]), key=scale.index)
            return rule["cells"][entries[rule["rows"]]["level"]][column], None
        if kind == "score_table":
            return rule["table"][entries[rule["rows"]]["score"]][entries[rule["columns"]]["score"]], None
        if kind == "band_map":
            return rule["map"][entries[rule["dimension"]]["level"]], None
        # weighted_sum
        total = sum(max(entries[key]["points"] for key in term["max_of"]) for term in rule["terms"])
        level = rule["thresholds"][0]["level"]
        for threshold in rule["thresholds"]:
            if total >= threshold["min"]:
                level = threshold["level"]
        return level, total

    def score(self, answers: Any) -> ScoreResult:
        self.validate(answers, require_all=True)
        entries = {d.key: self._dimension_entry(d, self._dimension_score(d, answers)) for d in self.dimensions}
        level_value, total = self._result_level(entries)
        level = self._level_by_value[level_value]
        return ScoreResult(
            code=self.code,
            version=self.version,
            dimensions=entries,
            level=level.level,
            level_label=level.label,
            level_label_en=level.label_en,
            severe=level.severe,
            total=total,
        )

    def score_partial(self, answers: Any) -> dict[str, Any]:
        """The live preview while an assessor is still answering: what can be known so far."""
        missing = self.validate(answers, require_all=False)
        dimensions: dict[str, dict[str, Any]] = {}
        for d in self.dimensions:
            complete = all(key in answers for key in self._items_of[d.key])
            score = self._dimension_score(d, answers)
            entry = self._dimension_entry(d, score) if complete else {"score": score}
            dimensions[d.key] = entry | {"complete": complete}
        preview: dict[str, Any] = {
            "code": self.code,
            "version": self.version,
            "answered": len(self._item_order) - len(missing),
            "complete": not missing,
            "missing": missing,
            "dimensions": dimensions,
            "level": None,
            "level_label": None,
            "level_label_en": None,
            "severe": None,
        }
        if not missing:
            result = self.score(answers)
            preview |= {
                "level": result.level,
                "level_label": result.level_label,
                "level_label_en": result.level_label_en,
                "severe": result.severe,
            }
        return preview


def score(instrument: Instrument, answers: Any) -> ScoreResult:
    return instrument.score(answers)


def score_partial(instrument: Instrument, answers: Any) -> dict[str, Any]:
    return instrument.score_partial(answers)
