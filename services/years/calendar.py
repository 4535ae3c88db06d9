"""The region's calendar of one transition: the dates of moving from a current school year to the next.

Every date is a regional setting (``Region.next_year_from`` … as MM-DD), applied to the calendar
year in which the next school year begins.
"""
import datetime
from dataclasses import dataclass

from services.common import ru_date


def _on(year, month_day, fallback):
    try:
        month, day = (int(part) for part in (month_day or fallback).split('-'))
        return datetime.date(year, month, day)
    except (TypeError, ValueError):
        month, day = (int(part) for part in fallback.split('-'))
        return datetime.date(year, month, day)


@dataclass(frozen=True)
class Calendar:
    """The gates of the transition into the school year beginning in ``year``."""
    year: int
    next_year_from: datetime.date   # «Формирование следующего года» opens
    open_year_from: datetime.date   # «Открыть новый учебный год» opens
    close_year_by: datetime.date    # after it the transition is late
    close_year_deadline: datetime.date  # after it the organisation's page shows a red banner

    @classmethod
    def of(cls, region, year):
        return cls(year, _on(year, region.next_year_from, '04-01'),
                   _on(year, region.open_year_from, '08-25'),
                   _on(year, region.close_year_by, '09-05'),
                   _on(year, region.close_year_deadline, '09-20'))

    @property
    def following(self):
        return f'{self.year}/{self.year + 1}'

    @property
    def closing(self):
        return f'{self.year - 1}/{self.year}'

    def late(self, today):
        return today > self.close_year_by

    def past_deadline(self, today):
        return today > self.close_year_deadline

    def dates(self):
        """(label, date) of each gate, for pages and the export."""
        return [('Формирование следующего года', self.next_year_from),
                ('Открытие нового года', self.open_year_from),
                ('Закрыть старый год до', self.close_year_by),
                ('Крайний срок', self.close_year_deadline)]


def season_year(region, today):
    """The school year whose transition the region is in (or has last been in): this calendar
    year from its «Формирование следующего года» date on, else the previous one."""
    return today.year if today >= _on(today.year, region.next_year_from, '04-01') else today.year - 1


def too_early(day, what, today):
    """The sentence refusing a step before its date, or None."""
    if today >= day:
        return None
    return (f'{what} — с {ru_date(day)}; сегодня {ru_date(today)}. '
            'Вернитесь к этому шагу в назначенный день: даты перехода задаёт регион.')
