"""Fund supervision (基金监管, DOMAIN §8), one module a job:

- ``inspections``: inspection cases (稽核) about a provider: opening, reading, the list;
- ``findings``: what a case found (credit points deducted) and its evidence files;
- ``outcomes``: the sanctions ladder on a case, rectification follow-ups, closing, overdue notices;
- ``credit``: credit points, levels and bars (黑名单) of providers and caregivers.
"""
