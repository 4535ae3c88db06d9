"""Builders for programs, объединения, children and orders, going through the real rules."""
import datetime

from models import Association, Employment, Person, Program, SchoolYear
from services import movement

SEP_1 = datetime.date(2026, 9, 1)


def day(month, date, year=None):
    """A date of the 2026/2027 school year the factories open: day(10, 1) is 01.10.2026."""
    return datetime.date(year or (2026 if month >= 9 else 2027), month, date)


def program(org, name='Бисероплетение', duration=3, focus='arts', **fields):
    return Program.create(organisation=org, name=name, focus=focus, duration_years=duration, **fields)


def association(org, program, name, study_year=1, capacity=15, year=None, teacher=None):
    year = year or SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == 'current')
    teacher = teacher or Employment.select().where(Employment.organisation == org).first()
    return Association.create(organisation=org, school_year=year, program=program, name=name,
                              study_year=study_year, capacity=capacity, teacher=teacher)


def child(surname='Иванова', name='Анна', patronymic='Сергеевна', birth=datetime.date(2015, 3, 1),
          gender='F'):
    return Person.create(surname=surname, name=name, patronymic=patronymic, birth_date=birth,
                         gender=gender)


def draft(org, kind, number, on=SEP_1, document_date=None, user=None):
    year = SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == 'current')
    return movement.create_draft(org, year, user, kind, str(number), document_date or on, on)


def committed(org, kind, number, children, on=SEP_1, to=None, source=None, reason='', destination=''):
    """A committed order moving ``children``; fails the test if any child is refused."""
    order = draft(org, kind, number, on)
    result = movement.add_children_to_draft(order, [c.id for c in children], to,
                                            association_from=source, reason=reason,
                                            destination=destination)
    assert not result.refusals, result.refusals
    return movement.commit_order(order)
