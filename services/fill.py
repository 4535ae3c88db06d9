"""How complete a record is: fields filled ÷ fields required, and the level monitoring names.

One definition for the organisation card, the staff cards, the portfolios and monitoring.
Percentages are floored to tenths, so «100 %» means every field and a figure shown as 79,9 % is
below 80 % wherever it is counted.  Levels (the seed's): 90–100 % high, 80–89,9 % medium,
below 80 % low.
"""
import functools
import operator
from dataclasses import dataclass, field

from peewee import SQL, Case, fn

HIGH, MEDIUM = 900, 800  # tenths of a percent
LEVELS = {'high': 'высокий', 'medium': 'средний', 'low': 'низкий'}


def level_of(tenths):
    """'high' / 'medium' / 'low' for a figure in tenths of a percent."""
    return 'high' if tenths >= HIGH else 'medium' if tenths >= MEDIUM else 'low'


def percent_label(tenths):
    """«79,9 %», «100 %» (a no-break space before the sign)."""
    whole, tenth = divmod(tenths, 10)
    return f'{whole},{tenth}\u00a0%' if tenth else f'{whole}\u00a0%'


@dataclass
class Fill:
    filled: int
    required: int
    missing: list = field(default_factory=list)  # [(code, label, anchor)]

    @property
    def tenths(self):
        """Tenths of a percent, floored; nothing required counts as complete."""
        return self.filled * 1000 // self.required if self.required else 1000

    @property
    def percent(self):
        return self.tenths / 10

    @property
    def label(self):
        return percent_label(self.tenths)

    @property
    def level(self):
        return level_of(self.tenths)

    @property
    def level_word(self):
        return LEVELS[self.level]

    @property
    def below_80(self):
        return self.tenths < MEDIUM

    def add(self, other):
        """Add another fill's counts to this one (totals over many records); returns self."""
        self.filled += other.filled
        self.required += other.required
        return self


def measure(checks, codes, labels):
    """A Fill of ``codes`` (in order) from ``checks`` {code: filled?}; ``labels(code)`` gives
    (label, anchor) for each missing one."""
    missing = [(code, *labels(code)) for code in codes if not checks[code]]
    return Fill(len(codes) - len(missing), len(codes), missing)


# --- The SQL side: each check of a card is a condition the database evaluates ------------

def text_filled(column):
    """A text field is filled: not null and not only spaces."""
    return column.is_null(False) & (fn.TRIM(column) != '')


def flag(condition):
    """1 where ``condition`` holds, else 0 (NULL counts as not filled)."""
    return Case(None, [(condition, 1)], 0)


def filled_count(conditions):
    """How many of ``conditions`` hold, as one SQL expression (0 for none)."""
    return functools.reduce(operator.add, [flag(c) for c in conditions]) if conditions else SQL('0')
