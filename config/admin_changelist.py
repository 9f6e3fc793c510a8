"""A change list that answers an impossible date with Django's "?e=1" page, not a 500.

Django turns a date hierarchy value it cannot read (``?date__year=abc``, ``year=0``)
into ``IncorrectLookupParameters``, which the admin answers with a redirect to
``?e=1``. Values it can read but not compute with were server errors: a year past
the calendar (``date__year=99999999999``), a month or day that overflows
(``date__month=10**30``), and the calendar's first and last years, where adding a
year (9999 + 1) or moving to UTC (year 1 in Stockholm) leaves the calendar.
"""

from __future__ import annotations

import datetime

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList


def year_inside_calendar(year: str) -> bool:
    """A year whose whole span, in any time zone, is inside Python's calendar."""
    return year.isdecimal() and len(year) <= 4 and datetime.MINYEAR < int(year) < datetime.MAXYEAR


class SafeDateChangeList(ChangeList):
    def get_filters(self, request):
        if self.date_hierarchy:
            year = self.params.get(f"{self.date_hierarchy}__year")
            if year is not None and not year_inside_calendar(year):
                raise IncorrectLookupParameters(year)
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error


class SafeChangeListMixin:
    """For every model admin of the site (``HistoryAdmin`` has it; see also people.admin)."""

    def get_changelist(self, request, **kwargs):
        return SafeDateChangeList
