"""Each role's start page: the administrator's tasks of the day, the teacher's объединения,
the child's own занятия, the management body's organisations.  No Flask here."""
import datetime
import re
from dataclasses import dataclass
from itertools import groupby

from peewee import JOIN, fn

from models import (Association, Employment, ImportJob, Membership,
                    Municipality, Order, OrderLine, Organisation, Person, Program)
from services import oversight
from services.common import age_on

ADMINISTRATOR, TEACHER, CHILD, AUTHORITY = 'administrator', 'teacher', 'child', 'authority'
# The home's name in the menu and its heading, by whose home it is.
TITLES = {ADMINISTRATOR: 'Главная', TEACHER: 'Мои объединения', CHILD: 'Мои занятия',
          AUTHORITY: 'Мониторинг'}
IMPORT_DONE = (ImportJob.COMMITTED, ImportJob.FAILED, ImportJob.CANCELLED)
IMPORT_WAITING = (ImportJob.VALIDATED, ImportJob.RESOLVING)  # the administrator decides next
KINDS_SHOWN = ('odo', 'school', 'kindergarten', 'college')  # the module is about ОДО: they come first


def kind_of(organisation, edits_book, person):
    """Whose home this is: a management body's, an administrator's (edits the book), a member
    of staff's, or a child's (signed in and working nowhere)."""
    if organisation.is_management_body:
        return AUTHORITY
    if edits_book:
        return ADMINISTRATOR
    if person is not None and person.is_staff:
        return TEACHER
    return CHILD


# --- The administrator: the day's tasks ----------------------------------------------

def drafts_of(organisation, limit=10):
    """Draft orders with their number of children, newest first."""
    lines = fn.COUNT(OrderLine.id).alias('line_count')
    return (Order.select(Order, lines)
            .join(OrderLine, JOIN.LEFT_OUTER)
            .where(Order.organisation == organisation, Order.status == Order.DRAFT)
            .group_by(Order.id)
            .order_by(Order.created_at.desc(), Order.id.desc()).limit(limit))


def imports_in_progress(organisation):
    """Imports not yet finished; those waiting for the administrator's decisions first."""
    jobs = list(ImportJob.select()
                .where(ImportJob.organisation == organisation, ImportJob.status.not_in(IMPORT_DONE))
                .order_by(ImportJob.created_at.desc()))
    return sorted(jobs, key=lambda job: job.status not in IMPORT_WAITING)


def counts(organisation, school_year):
    associations = Association.select().where(Association.organisation == organisation,
                                              Association.school_year == school_year)
    return {'associations': associations.count() if school_year else 0,
            'children': Membership.select().where(Membership.organisation == organisation,
                                                  Membership.ended_on.is_null()).count()}


@dataclass
class Step:
    title: str
    day: datetime.date
    until: bool = False  # a deadline («до …») rather than a start («с …»)
    deadline: datetime.date = None


def year_steps(region, school_year):
    """The region's calendar of moving from the current school year to the next."""
    year = school_year.start_year + 1

    def on(month_day):
        month, date = (int(part) for part in month_day.split('-'))
        return datetime.date(year, month, date)
    following = f'{year}/{year + 1}'
    return [
        Step(f'Формирование следующего, {following} учебного года', on(region.next_year_from)),
        Step(f'Открытие {following} учебного года', on(region.open_year_from)),
        Step(f'Закрытие {school_year.title} учебного года', on(region.close_year_by), until=True,
             deadline=on(region.close_year_deadline)),
    ]


def next_step(steps, today):
    """The first step still ahead (a deadline counts until its last day), or None."""
    return next((step for step in steps if today <= (step.deadline or step.day)), None)


# --- The teacher: own объединения and their children ----------------------------------

@dataclass
class Pupil:
    person: Person
    age: int
    since: datetime.date


def taught_by(organisation, school_year, person_id, today):
    """The teacher's объединения of the year, each with its children now (read-only)."""
    if school_year is None or person_id is None:
        return []
    associations = list(Association.select(Association, Program)
                        .join_from(Association, Employment, on=Association.teacher)
                        .join_from(Association, Program, JOIN.LEFT_OUTER)
                        .where(Association.organisation == organisation,
                               Association.school_year == school_year,
                               Employment.person == person_id,
                               Employment.organisation == organisation)
                        .order_by(Association.name))
    members = (Membership.select(Membership, Person).join(Person)
               .where(Membership.association.in_([a.id for a in associations]),
                      Membership.ended_on.is_null())
               .order_by(Membership.association, Person.surname_key, Person.name_key))
    pupils = {key: [Pupil(m.person, age_on(m.person.birth_date, today), m.started_on) for m in group]
              for key, group in groupby(members, key=lambda m: m.association_id)}
    return [(association, pupils.get(association.id, [])) for association in associations]


def pupil_of(organisation, person_id, child_id, today):
    """A child of the teacher's объединения here, as the teacher's card shows them: the person
    and the teacher's own объединения they attend now (association, since); None unless the
    child is in one of them now (the card is then not found)."""
    if person_id is None:
        return None
    places = list(Membership.select(Membership, Association, Program)
                  .join_from(Membership, Association)
                  .join_from(Association, Employment, on=Association.teacher)
                  .join_from(Association, Program, JOIN.LEFT_OUTER)
                  .where(Membership.person == child_id, Membership.organisation == organisation,
                         Membership.ended_on.is_null(), Association.organisation == organisation,
                         Employment.person == person_id, Employment.organisation == organisation,
                         Employment.dismissed_on.is_null())
                  .order_by(Association.name))
    if not places:
        return None
    child = Person.get_by_id(child_id)
    return Pupil(child, age_on(child.birth_date, today), min(p.started_on for p in places)), \
        [(place.association, place.started_on) for place in places]


# --- The child: own занятия -------------------------------------------------------------

def classes_of(organisation, person_id):
    """The child's объединения in this organisation now, with program and teacher; nothing
    of any other child."""
    if person_id is None:
        return []
    Teacher = Person.alias()
    return list(Membership.select(Membership, Association, Program, Employment, Teacher)
                .join_from(Membership, Association)
                .join_from(Association, Program, JOIN.LEFT_OUTER)
                .join_from(Association, Employment, JOIN.LEFT_OUTER, on=Association.teacher)
                .join_from(Employment, Teacher, JOIN.LEFT_OUTER, on=(Employment.person == Teacher.id))
                .where(Membership.person == person_id, Membership.organisation == organisation,
                       Membership.ended_on.is_null())
                .order_by(Association.name))


# --- The management body: its organisations ---------------------------------------------

def subordinates_of(body):
    """The organisations a management body oversees, by municipality and then by type (ОДО
    first), names in natural order (№ 2 before № 10): all of the region's for the regional
    body, those naming it as their authority otherwise."""
    query = (Organisation.select(Organisation, Municipality)
             .join(Municipality, JOIN.LEFT_OUTER)
             .where(oversight.condition(body)))  # the one rule
    rank = {kind: n for n, kind in enumerate(KINDS_SHOWN)}

    def place(o):
        return o.municipality.name if o.municipality_id else ''
    rows = sorted(query, key=lambda o: (place(o), rank.get(o.kind, len(rank)), _natural(o.name_key)))
    return [(municipality, [(kind, list(of_kind)) for kind, of_kind in groupby(group, key=lambda o: o.kind_label)])
            for municipality, group in groupby(rows, key=place)]



def _natural(text):
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', text)]
