"""Fund supervision (基金监管, DOMAIN §8), one module a job:

- ``inspections``: inspection cases (稽核) about a provider, their findings and outcomes.
- ``risk``: the month's risk facts and scores of providers, caregivers and settlement lines.
- ``review``: the review sample (复审) drawn after each build, its decisions, approval waiting.
- ``tip_offs``: tip-offs (举报) from the public form and the hotline, their triage and rewards.
"""
