"""A notice in the reader's language: the stored kind and parameters told in a sentence
when the inbox is read (nothing of the words is stored)."""

from __future__ import annotations

from datetime import datetime, tzinfo

from ltc.services.notices import NoticeOut
from ltc.web.formatting import number
from ltc.web.i18n import gettext as _
from ltc.web.i18n import ngettext


def _local(value: object, zone: tzinfo) -> str:
    try:
        return datetime.fromisoformat(str(value)).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return ""


def notice_text(notice: NoticeOut, zone: tzinfo) -> str:
    p = notice.params
    if notice.kind == "absence_replanned":
        moved, left = int(p.get("moved", 0)), int(p.get("unscheduled", 0))
        if p.get("cause") == "deactivation":
            opening = _("The visits ahead of %(name)s, who was deactivated, were re-planned.")
        else:
            opening = _("The visits of %(name)s during the absence were re-planned.")
        return (
            opening % {"name": p.get("caregiver_name", "")}
            + " "
            + _("%(moved)s moved to colleagues, %(left)s left unscheduled.")
            % {"moved": number(moved), "left": number(left)}
        )
    if notice.kind == "visits_given":
        count = int(p.get("count", 0))
        return ngettext(
            "You were given %(num)s visit of %(name)s, who is away; the first at %(first)s.",
            "You were given %(num)s visits of %(name)s, who is away; the first at %(first)s.",
            count,
        ) % {"num": number(count), "name": p.get("colleague_name", ""), "first": _local(p.get("first"), zone)}
    if notice.kind == "visits_taken":
        count = int(p.get("count", 0))
        return ngettext(
            "%(num)s of your visits was given to a colleague while you are away.",
            "%(num)s of your visits were given to colleagues while you are away.",
            count,
        ) % {"num": number(count)}
    if notice.kind == "payment_due_soon":
        return _("The settlement of %(provider)s for %(period)s is to be paid by %(due)s.") % {
            "provider": p.get("provider_name", ""),
            "period": p.get("period", ""),
            "due": p.get("due_on", ""),
        }
    if notice.kind == "payment_overdue":
        return _("The settlement of %(provider)s for %(period)s is overdue: it was to be paid by %(due)s.") % {
            "provider": p.get("provider_name", ""),
            "period": p.get("period", ""),
            "due": p.get("due_on", ""),
        }
    if notice.kind == "rectification_ordered":
        return _("Inspection case %(case)s orders a rectification by %(deadline)s.") % {
            "case": p.get("inspection", ""),
            "deadline": p.get("deadline", ""),
        }
    if notice.kind == "rectification_overdue":
        return _("The rectification of inspection case %(case)s was due by %(deadline)s and awaits its follow-up.") % {
            "case": p.get("inspection", ""),
            "deadline": p.get("deadline", ""),
        }
    return _("A notice.")
