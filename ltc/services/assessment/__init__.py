"""The assessment process (DOMAIN §2), one module a step: ``applications`` (filing through
the eligibility gates, acceptance with a team), ``assessments`` (the on-site drafts and the
one immutable submission), ``evidence`` (photos, documents, videos taken on site),
``conclusions`` (public notice, objection, re-assessment, the final conclusion) and
``renewals`` (the daily sweep). ``values`` holds the typed values they take and return,
``instruments`` the instruments as the API shows them, ``scope`` who may see an
application, and ``views`` what each page shows."""
