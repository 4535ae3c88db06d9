"""The school-year transition of one organisation: its years, steps 1 and 2 (who will not
work next year, «Формирование следующего года») and what the other steps share.

Each step is one transaction and can be run again: forming copies only what is not copied yet
(``Association.copied_from``), a bulk order reuses its open draft (``Order.year_step``) and
skips the children already in it, opening does nothing twice.
"""
import re
from dataclasses import dataclass

from peewee import IntegrityError

from models import Association, Employment, Order, Person, Program, SchoolYear, utcnow
from services.common import Refused, write_transaction
from services.years.calendar import Calendar, too_early

NOT_STARTED, RUNNING, DONE, LATE = 'not_started', 'running', 'done', 'late'
STATES = {NOT_STARTED: 'не начат', RUNNING: 'выполняется', DONE: 'выполнен', LATE: 'просрочен'}
BULK = 'bulk'
# The orders built in bulk from the current объединения, and what each needs of a line.
BULK_KINDS = {
    Order.NEXT_YEAR: 'Перевод на следующий год',
    Order.GRADUATION: 'Выпуск',
    Order.REPEAT: 'Оставление на повторное обучение',
    Order.WITHDRAWAL: 'Выбытие',
}
TARGETED = (Order.NEXT_YEAR, Order.REPEAT)
RULES = {'at_least_one': 'не меньше одного объединения на программу',
         'exactly_one': 'ровно одно объединение на программу'}


# --- The organisation's years -------------------------------------------------------

@dataclass
class Years:
    current: SchoolYear = None
    future: SchoolYear = None
    closed: SchoolYear = None  # the latest closed one

    @property
    def calendar(self):
        return self._calendar

    @classmethod
    def of(cls, organisation):
        years = cls()
        for year in (SchoolYear.select().where(SchoolYear.organisation == organisation)
                     .order_by(SchoolYear.start_year)):
            setattr(years, year.state, year)
        region = organisation.region
        start = years.current.start_year + 1 if years.current else (
            years.closed.start_year + 1 if years.closed else 0)
        years._calendar = Calendar.of(region, start) if start else None
        return years


def _no_current(organisation):
    return Refused('У организации нет текущего учебного года: переход не к чему применить. '
                   'Обратитесь в техподдержку.')


# --- Step 1: who will not work next year --------------------------------------------

@dataclass
class StaffRow:
    employment: Employment
    next_year: list  # names of the объединения the employee leads next year


def staff_next_year(organisation, years):
    """Active staff with the объединения they lead next year: the future year's when it is
    formed, else the current ones that forming would copy (two queries)."""
    staff = list(Employment.select(Employment, Person).join(Person)
                 .where(Employment.organisation == organisation, Employment.dismissed_on.is_null())
                 .order_by(Person.surname_key, Person.name_key))
    if years.future is not None:
        query = (Association.select(Association.teacher, Association.name)
                 .where(Association.school_year == years.future))
    elif years.current is not None:
        query = (Association.select(Association.teacher, Association.study_year, Association.name)
                 .join(Program)
                 .where(Association.school_year == years.current, Program.archived == False,  # noqa: E712
                        Association.study_year < Program.duration_years))
    else:
        query = []
    leads = {}
    for association in query:  # before forming: the names the copies will have
        name = (association.name if years.future is not None
                else next_name(association.name, association.study_year + 1))
        leads.setdefault(association.teacher_id, []).append(name)
    return [StaffRow(e, sorted(leads.get(e.id, []))) for e in staff]


def mark_staff_checked(organisation):
    """«Список проверен»: the first step is done (marking it again changes nothing)."""
    with write_transaction():
        years = Years.of(organisation)
        if years.current is None:
            raise _no_current(organisation)
        (SchoolYear.update(staff_checked_at=utcnow())
         .where(SchoolYear.id == years.current.id, SchoolYear.staff_checked_at.is_null()).execute())


# --- Step 2: «Формирование следующего года» ---------------------------------------

def next_name(name, study_year):
    """«1а Бисер» in its next год обучения: «2а Бисер»; a name without the leading number keeps
    it and says the year."""
    if re.match(r'^\d+', name):
        return re.sub(r'^\d+', str(study_year), name, count=1)
    return f'{name} ({study_year}-й год)'


@dataclass
class Formed:
    year: SchoolYear
    copied: int
    new_groups: int
    created_year: bool


def forming_problem(organisation, years, today):
    if years.current is None:
        return _no_current(organisation).messages[0]
    return too_early(years.calendar.next_year_from,
                     f'Формирование {years.calendar.following} учебного года', today)


def form_next_year(organisation, today, first_year_programs=()):
    """Create the future year (once) and copy into it the current объединения of the active
    programs: год обучения +1 where the program lasts longer, teachers kept unless dismissed;
    a new first-year group for each program of ``first_year_programs``.  One transaction; run
    again, it copies only what is missing."""
    try:
        return _form(organisation, today, first_year_programs)
    except IntegrityError:  # another administrator formed it at the same moment
        raise Refused('Следующий год только что сформировал другой пользователь. Обновите страницу '
                      'и проверьте список объединений будущего года.') from None


def _form(organisation, today, first_year_programs):
    with write_transaction():
        years = Years.of(organisation)
        problem = forming_problem(organisation, years, today)
        if problem:
            raise Refused(problem)
        current, future, created = years.current, years.future, False
        if future is None:
            future = SchoolYear.create(
                organisation=organisation, start_year=current.start_year + 1,
                state=SchoolYear.FUTURE, starts_on=_a_year_on(current.starts_on),
                ends_on=_a_year_on(current.ends_on))
            created = True
        sources = list(Association.select(Association, Program).join(Program)
                       .where(Association.school_year == current, Association.kind == 'association',
                              Program.archived == False)  # noqa: E712
                       .order_by(Association.study_year, Association.name))
        existing = list(Association.select(Association.id, Association.name, Association.program,
                                           Association.study_year, Association.copied_from)
                        .where(Association.school_year == future))
        working = {e for (e,) in Employment.select(Employment.id).where(
            Employment.organisation == organisation, Employment.dismissed_on.is_null()).tuples()}
        taken = {a.name for a in existing}
        copied = {(a.copied_from_id, a.study_year) for a in existing}
        with_first_year = {a.program_id for a in existing if a.study_year == 1}
        rows = []

        def add(source, program, study_year, name):
            name = _free_name(name, taken)
            taken.add(name)
            rows.append({'organisation': organisation.id, 'school_year': future.id,
                         'program': program.id, 'kind': 'association', 'name': name,
                         'study_year': study_year, 'capacity': source.capacity if source else 15,
                         'teacher': source.teacher_id if source and source.teacher_id in working else None,
                         'copied_from': source.id if source else None})

        for source in sources:
            program = source.program
            if source.study_year < program.duration_years and (source.id, source.study_year + 1) not in copied:
                add(source, program, source.study_year + 1, next_name(source.name, source.study_year + 1))
        wanted = {int(p) for p in first_year_programs}
        firsts = {}
        for source in sources:
            if source.study_year == 1:
                firsts.setdefault(source.program_id, source)
        programs = {s.program_id: s.program for s in sources}
        for program in Program.select().where(Program.organisation == organisation,
                                              Program.id.in_(sorted(wanted - set(programs)))):
            programs[program.id] = program
        new_groups = 0
        for program_id in sorted(wanted & set(programs)):
            program = programs[program_id]
            if program.archived or program_id in with_first_year:
                continue
            model = firsts.get(program_id)
            name = model.name if model else f'1а {program.name}'
            if model is not None and (model.id, 1) in copied:
                continue
            add(model, program, 1, name)
            new_groups += 1
        for start in range(0, len(rows), 500):
            Association.insert_many(rows[start:start + 500]).execute()
    return Formed(future, len(rows) - new_groups, new_groups, created)


def _a_year_on(day):
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _free_name(name, taken):
    name = name[:255]
    if name not in taken:
        return name
    for number in range(2, 1000):
        candidate = f'{name[:248]} ({number})'
        if candidate not in taken:
            return candidate
    raise Refused('Не удалось подобрать название объединения: переименуйте объединения будущего года.')
