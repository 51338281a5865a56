"""Fund supervision (基金监管, DOMAIN §8), one module a job:

- ``inspections``: inspection cases (稽核) about a provider, their findings and outcomes.
- ``advances``: advance payments to providers (预拨) and what of them is still to be netted.
- ``payment_deadlines``: approved settlements due soon or overdue for payment, and the alerts.
- ``budget``: the fund's yearly budget by month and care mode against the approved amounts (预决算).
- ``fund_analysis``: the monthly analysis and quarterly report by town, level, care mode, provider.
- ``what_if``: draft policy versions re-pricing the settled months beside the policy in force (测算).
- ``risk``: the month's risk facts and scores of providers, caregivers and settlement lines.
- ``renetting``: a reviewed draft's reserve and advance lines made again from the care it still pays.
- ``review``: the review sample (复审) drawn after each build, its decisions, approval waiting.
- ``tip_offs``: tip-offs (举报) from the public form and the hotline, their triage and rewards.
- ``inspections``: inspection cases (稽核) about a provider: opening, reading, the list;
- ``findings``: what a case found (credit points deducted) and its evidence files;
- ``outcomes``: the sanctions ladder on a case, rectification follow-ups, closing, overdue notices;
- ``credit``: credit points, levels and bars (黑名单) of providers and caregivers.
- ``evaluation``: the annual evaluation (年度考核) by indicators: self-evaluation, the bureau's
  scoring, follow-up calls (回访), the year's score and grade.
- ``indicators``: the sources of the evaluation's derived indicators, one function a code.
- ``final_account``: the year's final account (决算) releasing the quality reserve by grade.
- ``bed_days``: census days checked against hospital stays and deaths, explained and resolved;
  a settled month's census is locked.
- ``assessment_quality``: flagged assessments, assessors tested against their peers, and spot
  re-assessments (抽查复评).
"""
