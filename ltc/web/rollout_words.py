"""The words of the rollout that carry a refusal's own figures: which town, and the day the
scheme opens there (the refusal's code alone says only that it is not open yet)."""

from __future__ import annotations

from collections.abc import Mapping

from ltc.domain.errors import DomainError
from ltc.web import formatting
from ltc.web.i18n import gettext as _


def scheme_opens(error: DomainError) -> str | None:
    """ "The scheme opens in 大堰镇 on 2027年4月1日 …" for a ``scheme_not_open_in_town`` refusal."""
    if error.code != "scheme_not_open_in_town":
        return None
    item = next((i for i in error.errors if isinstance(i, Mapping) and i.get("opens_on")), None)
    if item is None:
        return None
    return _("The scheme opens in %(town)s on %(day)s: an application from there can be filed from that day.") % {
        "town": formatting.town(str(item.get("town", ""))),
        "day": formatting.day(str(item["opens_on"])),
    }
