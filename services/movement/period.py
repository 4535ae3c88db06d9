"""The open movement period: the dates inside which an organisation's orders may be dated."""
from models import SchoolYear
from services.common import Refused, ru_date, save_versioned


def movement_period(organisation):
    """(start, end) of the period in which orders may be dated: the setting, else the current year."""
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
