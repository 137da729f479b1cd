"""The abbreviated month names of dates ("2 dec. 2026 10:42"): Django's own Dutch catalog drops
the full stop ("2 dec 2026"), which Dutch writing keeps for an abbreviation. The same messages,
in the same context as django.utils.dates.MONTHS_AP, are listed here so that `makemessages` puts
them in our catalogs, which Django reads before its own (LOCALE_PATHS)."""

from django.utils.translation import pgettext_lazy

MONTHS_AP = {
    1: pgettext_lazy("abbrev. month", "Jan."),
    2: pgettext_lazy("abbrev. month", "Feb."),
    3: pgettext_lazy("abbrev. month", "March"),
    4: pgettext_lazy("abbrev. month", "April"),
    5: pgettext_lazy("abbrev. month", "May"),
    6: pgettext_lazy("abbrev. month", "June"),
    7: pgettext_lazy("abbrev. month", "July"),
    8: pgettext_lazy("abbrev. month", "Aug."),
    9: pgettext_lazy("abbrev. month", "Sept."),
    10: pgettext_lazy("abbrev. month", "Oct."),
    11: pgettext_lazy("abbrev. month", "Nov."),
    12: pgettext_lazy("abbrev. month", "Dec."),
}
