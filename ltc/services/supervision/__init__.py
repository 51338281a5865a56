"""Fund supervision (基金监管, DOMAIN §8), one module a job:

- ``inspections``: inspection cases (稽核) about a provider, their findings and outcomes.
- ``evaluation``: the annual evaluation (年度考核) by indicators: self-evaluation, the bureau's
  scoring, follow-up calls (回访), the year's score and grade.
- ``indicators``: the sources of the evaluation's derived indicators, one function a code.
- ``final_account``: the year's final account (决算) releasing the quality reserve by grade.
- ``bed_days``: census days checked against hospital stays and deaths, explained and resolved;
  a settled month's census is locked.
- ``assessment_quality``: flagged assessments, assessors tested against their peers, and spot
  re-assessments (抽查复评).
"""
