"""The open movement period: the dates inside which an organisation's orders may be dated."""
import datetime

from models import SchoolYear
from services.common import Refused, ru_date, save_versioned


def movement_period(organisation, school_year=None):
    """(start, end) of the period in which orders may be dated: the setting, else the current year.

    Orders of the future year (summer withdrawals and enrolments) are dated from the day the
    region lets the year be formed to the year's own end."""
    if school_year is not None and school_year.state == SchoolYear.FUTURE:
        month, day = (int(part) for part in organisation.region.next_year_from.split('-'))
        return datetime.date(school_year.start_year, month, day), school_year.ends_on
    start, end = organisation.movement_period_start, organisation.movement_period_end
    if start is None and end is None:
        year = SchoolYear.current_of(organisation)
        if year is not None:
            return year.starts_on, year.ends_on
    return start, end


def describe_period(period):
    start, end = period
    if start and end:
        return f'с {ru_date(start)} по {ru_date(end)}'
    if start:
        return f'с {ru_date(start)}'
    if end:
        return f'по {ru_date(end)}'
    return 'без ограничений'


def outside_period(period, day, what):
    """The sentence refusing ``day`` when it falls outside the period, else None."""
    start, end = period
    if day is None or (start is None or day >= start) and (end is None or day <= end):
        return None
    return (f'{what} {ru_date(day)} вне открытого периода движения ({describe_period(period)}). '
            'Укажите дату внутри периода или попросите администратора изменить период.')


def set_movement_period(organisation, version, start, end):
    if start and end and start > end:
        raise Refused('Начало периода движения позже его конца. Проверьте даты.')
    return save_versioned(organisation, version, movement_period_start=start,
                          movement_period_end=end)


def closed_year_refusal(school_year):
    """The sentence refusing any order in a closed school year, or None."""
    if school_year is None or school_year.state != SchoolYear.CLOSED:
        return None
    return (f'Учебный год {school_year.title} закрыт: приказы в нём больше не создаются, не '
            'изменяются и не удаляются. Работайте в текущем учебном году.')
