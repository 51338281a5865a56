"""What the review sample (复审) reads of a month's settlement lines, as plain SQL for SQLite
and PostgreSQL: the lines it may draw, and the persons whose settled home hours were at
their level's cap month after month. A month of the largest city is hundreds of thousands of
lines: both are read as rows (``fetch_rows``), the second aggregated in the database. The
texts use ``{}`` for their parameters, as Piccolo's ``raw`` does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ltc.db.queries import months


def sampled_lines_sql(settlements: int, kinds: Sequence[str], bounds: months.MonthBounds) -> str:
    """The lines of ``settlements`` settlements (their ids the parameters) in the month's
    partition that are care for a person of one of ``kinds`` (in no order: a month's are too
    many to sort in the database's working memory): id, settlement, provider, kind, person,
    quantity, gross_fen, fund_fen, policy_version."""
    marks = ", ".join("{}" for _ in range(settlements))
    named = ", ".join(f"'{kind}'" for kind in kinds)
    return f"""
SELECT l.id, l.settlement, s.provider, l.kind, l.person, l.quantity, l.gross_fen, l.fund_fen, l.policy_version
FROM settlement_line l JOIN settlement s ON s.id = l.settlement
WHERE l.settlement IN ({marks}) AND {bounds.sql("l")} AND l.kind IN ({named}) AND l.person IS NOT NULL"""


def persons_at_cap_sql(periods: Sequence[str], cap_minutes: Mapping[int, int], bounds: months.MonthBounds) -> str:
    """(provider, person) of every person whose home line was at the cap (``cap_minutes`` by
    level; a level without one never is) in each of ``periods``, the months of ``bounds``."""
    caps = " ".join(f"WHEN {int(level)} THEN {int(minutes)}" for level, minutes in sorted(cap_minutes.items()))
    named = ", ".join(f"'{period}'" for period in periods)
    return f"""
SELECT s.provider, l.person
FROM settlement_line l JOIN settlement s ON s.id = l.settlement
WHERE l.kind = 'home' AND l.person IS NOT NULL AND {bounds.sql("l")} AND s.period IN ({named})
  AND l.verified_minutes >= CASE l.level {caps} END
GROUP BY s.provider, l.person
HAVING COUNT(DISTINCT s.period) = {len(periods)}"""
