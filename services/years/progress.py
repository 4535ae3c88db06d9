"""How far organisations are in the school-year transition, for the management body: the step
reached, its state, the dates and who is late — in a fixed number of queries."""
import datetime
from dataclasses import dataclass

from peewee import JOIN, fn

import clock

from models import (Association, Membership, Municipality, Order, Organisation,
                    Region, SchoolYear)
from services import oversight
from services.years.calendar import Calendar, season_year
from services.years.transition import BULK, DONE, LATE, NOT_STARTED, RUNNING, STATES

STEP_TITLES = {
    'staff': 'Увольнение сотрудников',
    'form': 'Формирование следующего года',
    'orders': 'Приказы о переводе, выпуске, оставлении',
    'open': 'Открытие нового года',
    'done': 'Новый год открыт',
    'none': 'Нет учебного года',
}


@dataclass
class Progress:
    organisation_id: int
    step: str                 # staff / form / orders / open / done / none
    state: str                # not_started / running / done / late
    calendar: Calendar
    current_title: str = ''
    formed: bool = False
    uncovered: int = 0        # children of the current year not yet taken out by an order
    opened_at: datetime.datetime = None  # when the previous year was closed (step «done»)
    late: bool = False        # after «close_year_by» and not done
    past_deadline: bool = False  # after «close_year_deadline» and not done

    @property
    def step_title(self):
        return STEP_TITLES[self.step]

    @property
    def state_label(self):
        return STATES[self.state]


def progress_of(organisation_ids, today=None):
    """{organisation id: Progress} for these organisations on ``today`` (None: today in each
    organisation's region, from the one clock) — four queries, however many organisations."""
    ids = sorted({int(i) for i in organisation_ids})
    if not ids:
        return {}
    regions = {org_id: region for org_id, region in
               ((o.id, o.region) for o in Organisation.select(Organisation.id, Region)
                .join(Region).where(Organisation.id.in_(ids)))}
    years = {}
    for year in SchoolYear.select().where(SchoolYear.organisation.in_(ids)).order_by(SchoolYear.start_year):
        years.setdefault(year.organisation_id, {})[year.state] = year
    open_counts = dict(
        Membership.select(Association.organisation, fn.COUNT(Membership.id))
        .join(Association).join(SchoolYear)
        .where(Association.organisation.in_(ids), SchoolYear.state == SchoolYear.CURRENT,
               Membership.ended_on.is_null())
        .group_by(Association.organisation).tuples())
    with_orders = {org_id for (org_id,) in
                   Order.select(Order.organisation).join(SchoolYear)
                   .where(Order.organisation.in_(ids), SchoolYear.state == SchoolYear.CURRENT,
                          Order.year_step == BULK).distinct().tuples()}
    found = {}
    for org_id in ids:
        region = regions.get(org_id)
        if region is None:
            continue
        theirs = years.get(org_id, {})
        found[org_id] = _progress(org_id, region, theirs.get(SchoolYear.CURRENT),
                                  theirs.get(SchoolYear.FUTURE), theirs.get(SchoolYear.CLOSED),
                                  open_counts.get(org_id, 0), org_id in with_orders,
                                  today or clock.today(region.zone))
    return found


def _progress(org_id, region, current, future, closed, open_count, has_orders, today):
    season = season_year(region, today)
    if current is None:
        return Progress(org_id, 'none', NOT_STARTED, Calendar.of(region, season))
    if current.start_year >= season:
        return Progress(org_id, 'done', DONE, Calendar.of(region, current.start_year),
                        current.title, opened_at=closed.closed_at if closed else None)
    calendar = Calendar.of(region, current.start_year + 1)
    if future is not None and not open_count:
        step, state = 'open', NOT_STARTED
    elif future is not None:
        step, state = 'orders', RUNNING if has_orders else NOT_STARTED
    elif current.staff_checked_at is not None:
        step, state = 'form', NOT_STARTED
    else:
        step, state = 'staff', NOT_STARTED
    late = calendar.late(today)
    return Progress(org_id, step, LATE if late else state, calendar, current.title,
                    formed=future is not None, uncovered=open_count, late=late,
                    past_deadline=calendar.past_deadline(today))


def overseen_by(body):
    """The ОДО a management body oversees (services.oversight, the one rule; of them those that
    keep the transition, oversight.TRANSITION_KINDS), with their municipality, ordered by
    municipality and name."""
    return list(Organisation.select(Organisation, Municipality)
                .join(Municipality, on=(Organisation.municipality == Municipality.id), join_type=JOIN.LEFT_OUTER)
                .where(oversight.condition(body), Organisation.kind.in_(oversight.TRANSITION_KINDS))
                .order_by(Municipality.name, Organisation.name_key))
