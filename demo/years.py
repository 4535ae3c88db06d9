"""The demo's school-year transition: on the load's day, the region's ОДО stand at different
steps (some done, some late), reached through the real rules (``services.years``).

Which ОДО stands where is decided by its place in the list of ОДО by id; every instant the
rules stamp is the load's day (the clock is held for the staging), so a seed and a day give
the same rows every time.
"""
import datetime

import clock
from demo.catalogue import REGION_TIME_ZONE
from models import Association, Employment, Order, Organisation, Program, Region, SchoolYear
from services import movement, years
from services.common import Refused

# The home ОДО (the demo administrator's) is left for the administrator to work through.
STAGES_BEFORE_OPENING = ('nothing', 'staff', 'formed', 'drafts')   # 1 April … 24 August
STAGES_OPENING = ('formed', 'transferred', 'opened', 'opened')     # 25 August … 5 September
STAGES_LATE = ('nothing', 'transferred', 'opened', 'opened')       # after 5 September


def first_school_year(today):
    """The school year the loader writes as current: until October the previous one, so that
    in September the transition can be staged with some ОДО still in it."""
    return today.year if today >= datetime.date(today.year, 10, 1) else today.year - 1


def stage_transition(today, home_odo_id):
    """Move the region's ОДО through the transition as far as their stage on ``today`` says."""
    region = Region.select().first()
    calendar = years.Calendar.of(region, first_school_year(today) + 1)
    if today < calendar.next_year_from:
        return {}
    stages = (STAGES_BEFORE_OPENING if today < calendar.open_year_from
              else STAGES_OPENING if not calendar.late(today) else STAGES_LATE)
    held = clock._frozen  # a test may hold the clock already: give it back as it was
    clock.freeze(clock.at(today, 10, in_zone=REGION_TIME_ZONE))
    reached = {}
    try:
        odos = list(Organisation.select().where(Organisation.kind == 'odo').order_by(Organisation.id))
        for index, org in enumerate(odos):
            stage = 'drafts' if org.id == home_odo_id and stages is STAGES_OPENING else (
                'nothing' if org.id == home_odo_id else stages[index % len(stages)])
            reached[org.id] = _stage(org, stage, today)
    finally:
        if held is None:
            clock.unfreeze()
        else:
            clock.freeze(held)
    return reached


def _stage(org, stage, today):
    if stage == 'nothing':
        return stage
    years.mark_staff_checked(org)
    if stage == 'staff':
        return stage
    if org.movement_period_end and org.movement_period_end < today:
        Organisation.update(movement_period_end=today).where(Organisation.id == org.id).execute()
        org = Organisation.get_by_id(org.id)
    programs = [p for (p,) in Program.select(Program.id).where(
        Program.organisation == org, Program.archived == False).tuples()]  # noqa: E712
    years.form_next_year(org, today, programs)
    _teachers_for_new_groups(org)
    if stage == 'formed':
        return stage
    commit = stage != 'drafts'
    try:
        _bulk(org, Order.NEXT_YEAR, today, commit)
        if stage in ('drafts', 'transferred'):
            return stage
        _bulk(org, Order.GRADUATION, today, commit)
        _bulk(org, Order.WITHDRAWAL, today, commit, everyone=True)
        years.open_year(org, today)
    except Refused:
        return 'refused'  # the organisation stays at the step it reached
    return stage


def _teachers_for_new_groups(org):
    """A new first-year group of a program nobody taught gets the organisation's first teacher."""
    future = SchoolYear.get(SchoolYear.organisation == org, SchoolYear.state == SchoolYear.FUTURE)
    teacher = (Employment.select(Employment.id)
               .where(Employment.organisation == org, Employment.dismissed_on.is_null())
               .order_by(Employment.id).scalar())
    if teacher:
        (Association.update(teacher=teacher)
         .where(Association.school_year == future, Association.teacher.is_null()).execute())


def _bulk(org, kind, today, commit, everyone=False):
    groups = years.preview(org, kind)
    choices = {g.association.id: (g.target.id if g.target else None,
                                  [c.person.id for c in g.children if (c.ticked or everyone) and not c.draft])
               for g in groups}
    if not any(ids for _, ids in choices.values()):
        return None
    current = SchoolYear.current_of(org)
    header = {'number': movement.suggested_number(org, current), 'document_date': today,
              'act_date': today}
    result = years.create_bulk_order(org, None, kind, header, choices, reason='other',
                                     destination='не известно')
    if commit:
        movement.commit_order(result.order)
    return result
