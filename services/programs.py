"""Programs of an ОДО and the объединения made from them, as plain functions."""
import re

from peewee import JOIN, IntegrityError, fn

from models import (PROGRAM_FOCUSES, Association, Employment, Membership, OrderLine, Person,
                    Program, SchoolYear, db)
from services.common import Refused, parse_int, save_versioned
from services import russian

MAX_DURATION_YEARS = 10
MAX_CAPACITY = 500
HOURS_PER_YEAR_LIMIT = 2000


def _text(form, name, limit):
    return re.sub(r'[ \t]+', ' ', form.get(name, '')).strip()[:limit]


def parse_program(form):
    """Read a program form; returns (values, errors by field)."""
    values, errors = {}, {}
    values['focus'] = form.get('focus', '')
    if values['focus'] not in PROGRAM_FOCUSES:
        errors['focus'] = 'Выберите направленность из списка.'
    values['name'] = re.sub(r'\s+', ' ', form.get('name', '')).strip()
    if not values['name']:
        errors['name'] = 'Укажите название программы.'
    elif len(values['name']) > 255:
        errors['name'] = f'Название — не длиннее 255 знаков (сейчас {len(values["name"])}).'
    limits = {
        'duration_years': ('Срок реализации', 1, MAX_DURATION_YEARS),
        'age_from': ('Возраст от', 0, 99),
        'age_to': ('Возраст до', 0, 99),
        'hours_per_week': ('Часов в неделю', 0, 168),
        'hours_per_year': ('Часов в год', 0, HOURS_PER_YEAR_LIMIT),
    }
    for name, (label, low, high) in limits.items():
        values[name] = parse_int(form.get(name))
        if values[name] is None or not low <= values[name] <= high:
            errors[name] = f'«{label}»: целое число от {low} до {high}.'
    if not errors.keys() & {'age_from', 'age_to'} and values['age_from'] > values['age_to']:
        errors['age_to'] = 'Возраст «до» не может быть меньше возраста «от».'
    if (not errors.keys() & {'hours_per_week', 'hours_per_year'}
            and values['hours_per_year'] < values['hours_per_week']):
        errors['hours_per_year'] = 'Часов в год не может быть меньше, чем часов в неделю.'
    values['description'] = form.get('description', '').strip()[:5000]
    return values, errors


def create_program(organisation, values):
    return Program.create(organisation=organisation, **values)


def update_program(program, version, values):
    return save_versioned(program, version, **values)


def set_archived(program, version, archived):
    return save_versioned(program, version, archived=archived)


def programs_of(organisation, archived=False):
    """The organisation's programs with how many объединения each has."""
    return (Program.select(Program, fn.COUNT(Association.id).alias('association_count'))
            .join(Association, JOIN.LEFT_OUTER)
            .where(Program.organisation == organisation, Program.archived == archived)
            .group_by(Program.id)
            .order_by(Program.name))


# --- Объединения ----------------------------------------------------------------

def teachers_of(organisation):
    """Employees who can lead an объединение: not dismissed."""
    return (Employment.select(Employment, Person).join(Person)
            .where(Employment.organisation == organisation, Employment.dismissed_on.is_null())
            .order_by(Person.surname_key, Person.name_key))


def years_of(organisation):
    return (SchoolYear.select().where(SchoolYear.organisation == organisation)
            .order_by(SchoolYear.start_year.desc()))


def parse_association(form, organisation, program, association=None):
    """Read an объединение form for ``program``; returns (values, errors by field)."""
    values, errors = {}, {}
    values['name'] = re.sub(r'\s+', ' ', form.get('name', '')).strip()
    if not values['name']:
        errors['name'] = 'Укажите название объединения, например «1а Бисер».'
    elif len(values['name']) > 255:
        errors['name'] = 'Название — не длиннее 255 знаков.'
    values['study_year'] = parse_int(form.get('study_year'))
    if values['study_year'] is None or not 1 <= values['study_year'] <= program.duration_years:
        errors['study_year'] = (f'Год обучения: от 1 до {program.duration_years} '
                                f'(программа рассчитана на {program.duration_years} г.).')
    values['capacity'] = parse_int(form.get('capacity'))
    if values['capacity'] is None or not 1 <= values['capacity'] <= MAX_CAPACITY:
        errors['capacity'] = f'Наполняемость: целое число от 1 до {MAX_CAPACITY}.'
    teacher_id = parse_int(form.get('teacher'))
    values['teacher'] = None
    if teacher_id:
        values['teacher'] = teachers_of(organisation).where(Employment.id == teacher_id).first()
        if values['teacher'] is None:
            errors['teacher'] = 'Выберите педагога из списка сотрудников организации.'
    if association is None:
        year_id = parse_int(form.get('school_year'))
        values['school_year'] = (SchoolYear.get_or_none((SchoolYear.id == year_id)
                                                        & (SchoolYear.organisation == organisation))
                                 if year_id else None)
        if values['school_year'] is None:
            errors['school_year'] = 'Выберите учебный год.'
        elif values['school_year'].state == SchoolYear.CLOSED:
            errors['school_year'] = f'Учебный год {values["school_year"].title} закрыт.'
    return values, errors


def _name_taken(school_year, name):
    return (f'Объединение «{name}» уже есть в {school_year.title} учебном году. '
            'Дайте другое название, например с буквой группы: «1б …».')


def create_association(organisation, program, values):
    if program.archived:
        raise Refused(f'Программа «{program.name}» в архиве: новые объединения по ней не создаются.')
    try:
        with db.atomic():
            return Association.create(organisation=organisation, program=program,
                                      kind='association', **values)
    except IntegrityError:
        raise Refused(_name_taken(values['school_year'], values['name'])) from None


def update_association(association, version, values):
    if association.school_year.state == SchoolYear.CLOSED:
        raise Refused(f'Учебный год {association.school_year.title} закрыт: его объединения только '
                      'для просмотра.')
    if values['study_year'] != association.study_year and is_used(association):
        raise Refused(f'В «{association.name}» уже есть движения учащихся: год обучения менять '
                      'нельзя. Создайте новое объединение.')
    members = open_count(association)
    if values['capacity'] < members:
        raise Refused(f'В «{association.name}» сейчас {russian.count(members, "учащийся")}: '
                      'наполняемость не может быть меньше.')
    try:
        with db.atomic():
            return save_versioned(association, version, **values)
    except IntegrityError:
        raise Refused(_name_taken(association.school_year, values['name'])) from None


def is_used(association):
    return (OrderLine.select().where((OrderLine.association_from == association)
                                     | (OrderLine.association_to == association)).exists()
            or Membership.select().where(Membership.association == association).exists())


def open_count(association):
    return (Membership.select().where(Membership.association == association,
                                      Membership.ended_on.is_null()).count())


def associations_of(organisation, school_year, program=None):
    """Объединения of a year with their current number of children (one query)."""
    children = (Membership.select(fn.COUNT(Membership.id))
                .where(Membership.association == Association.id, Membership.ended_on.is_null()))
    query = (Association.select(Association, Program, Employment, Person,
                                children.alias('children'))
             .join_from(Association, Program, JOIN.LEFT_OUTER)
             .join_from(Association, Employment, JOIN.LEFT_OUTER)
             .join_from(Employment, Person, JOIN.LEFT_OUTER)
             .where(Association.organisation == organisation, Association.kind == 'association'))
    if school_year is not None:
        query = query.where(Association.school_year == school_year)
    if program is not None:
        query = query.where(Association.program == program)
    return query.order_by(Association.study_year, Association.name)
