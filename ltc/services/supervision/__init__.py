"""Fund supervision (基金监管, DOMAIN §8), one module a job:

- ``inspections``: inspection cases (稽核) about a provider, their findings and outcomes.
"""
