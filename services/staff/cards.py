"""The employee card: reading what the form posts, saving it versioned, adding an employee after
the region's registry has been searched for the same person."""
import re

from models import (EDUCATION_LEVELS, GENDERS, QUALIFICATION_CATEGORIES, Employment,
                    EmploymentEducation, EmploymentPosition, Membership, Organisation, Person, User)
from keys import digits_key
from services.common import Refused, age_on, parse_date, parse_int, save_versioned, write_transaction
from services.registry import people, similar_people
from services.registry.documents import (EXAMPLE_SNILS, is_valid_name, is_valid_snils,
                                         latin_lookalikes, normalise_name)

MAX_EDUCATIONS = 10
MAX_EXPERIENCE = 70
EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
PHONE = re.compile(r'^[0-9+()\-.,; доб]+$')
PERSON_FIELDS = ('surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'gender', 'snils')
EMPLOYMENT_FIELDS = ('position', 'started_on', 'qualification_category', 'qualification_assigned_on',
                     'qualification_order', 'experience_years', 'pedagogical_experience_years',
                     'work_phone', 'work_email')
ASSIGNED = ('conformity', 'first', 'highest')  # categories given by an order, on a date
NAME_LABELS = {'surname': 'фамилию', 'name': 'имя', 'patronymic': 'отчество'}


def _clean(value):
    return re.sub(r'\s+', ' ', value or '').strip()


def _too_long(errors, name, value, limit, label):
    if len(value) > limit:
        errors[name] = f'«{label}» — не длиннее {limit} знаков (сейчас {len(value)}).'


# --- Reading the forms -------------------------------------------------------------

def parse_person(form, today):
    """ФИО, birth date, gender and СНИЛС of an employee; returns (values, errors by field)."""
    values, errors = {}, {}
    typed = {'surname': form.get('surname'), 'name': form.get('name'), 'patronymic': form.get('patronymic')}
    for name, text in typed.items():
        values[name] = normalise_name(text or '')
        if not values[name]:
            if name != 'patronymic':
                errors[name] = f'Укажите {NAME_LABELS[name]}.'
            continue
        if len(values[name]) > 100:
            errors[name] = 'Не длиннее 100 знаков.'
        elif latin_lookalikes(values[name]):
            letters = ', '.join(sorted(set(latin_lookalikes(values[name]))))
            errors[name] = f'В тексте есть латинские буквы ({letters}): перепечатайте их русскими.'
        elif not is_valid_name(values[name]):
            errors[name] = 'Только русские буквы, дефис и пробел; первая буква заглавная.'
    values['no_patronymic'] = form.get('no_patronymic') == '1'
    if values['no_patronymic'] and values['patronymic']:
        errors['patronymic'] = 'Отметка «Нет отчества» стоит, а отчество указано: оставьте что-то одно.'
    values['birth_date'] = parse_date(form.get('birth_date'))
    if values['birth_date'] is None:
        errors['birth_date'] = 'Укажите дату рождения в виде ДД.ММ.ГГГГ.'
    elif not 14 <= age_on(values['birth_date'], today) <= 100:
        errors['birth_date'] = 'Сотруднику должно быть от 14 до 100 лет: проверьте год рождения.'
    values['gender'] = form.get('gender', '')
    if values['gender'] not in GENDERS:
        errors['gender'] = 'Выберите пол.'
    snils = _clean(form.get('snils'))
    values['snils'] = digits_key(snils) or None
    if snils and (len(values['snils'] or '') != 11 or len(snils) > 14):
        errors['snils'] = f'СНИЛС — 11 цифр, например {EXAMPLE_SNILS}.'
    elif snils and not is_valid_snils(values['snils']):
        errors['snils'] = 'Контрольное число СНИЛС не сходится: проверьте цифры по документу.'
    return values, errors


def parse_position(form, offered, errors):
    position = _clean(form.get('position'))
    if position not in offered:
        errors['position'] = 'Выберите должность из списка.'
    extra = []
    for value in form.getlist('extra_position'):
        value = re.sub(r'\s+', ' ', value or '').strip()
        if value not in offered:
            errors['extra_position'] = 'Выберите другие должности из списка.'
        elif value != position and value not in extra:
            extra.append(value)
    return position, extra


def parse_started_on(form, birth_date, today, errors):
    text = _clean(form.get('started_on'))
    started = parse_date(text)
    if text and started is None:
        errors['started_on'] = 'Дата приёма — в виде ДД.ММ.ГГГГ.'
    elif started and started > today:
        errors['started_on'] = 'Дата приёма не может быть позже сегодняшней.'
    elif started and birth_date and age_on(birth_date, started) < 14:
        errors['started_on'] = 'В день приёма сотруднику было меньше 14 лет: проверьте даты.'
    return started


def parse_card(form, offered, today):
    """The whole card form; returns (person values, employment values, educations, extra
    positions, errors by field)."""
    person, errors = parse_person(form, today)
    values = {}
    values['position'], extra = parse_position(form, offered, errors)
    values['started_on'] = parse_started_on(form, person.get('birth_date'), today, errors)
    category = form.get('qualification_category', '')
    values['qualification_category'] = category
    if category not in QUALIFICATION_CATEGORIES:
        errors['qualification_category'] = 'Выберите квалификационную категорию из списка.'
    assigned_text = _clean(form.get('qualification_assigned_on'))
    values['qualification_assigned_on'] = parse_date(assigned_text)
    values['qualification_order'] = _clean(form.get('qualification_order'))
    if assigned_text and values['qualification_assigned_on'] is None:
        errors['qualification_assigned_on'] = 'Дата присвоения — в виде ДД.ММ.ГГГГ.'
    elif values['qualification_assigned_on'] and values['qualification_assigned_on'] > today:
        errors['qualification_assigned_on'] = 'Дата присвоения не может быть позже сегодняшней.'
    _too_long(errors, 'qualification_order', values['qualification_order'], 100, 'Номер приказа')
    if category not in ASSIGNED and (assigned_text or values['qualification_order']):
        errors['qualification_assigned_on'] = ('Дата и номер приказа указываются только для '
                                               'присвоенной категории: выберите её или очистите поля.')
    typed = {'experience_years': form.get('experience_years'),
             'pedagogical_experience_years': form.get('pedagogical_experience_years')}
    for name, text in typed.items():
        text = _clean(text)
        values[name] = parse_int(text)
        if text and (values[name] is None or not 0 <= values[name] <= MAX_EXPERIENCE):
            errors[name] = f'Стаж — целое число лет от 0 до {MAX_EXPERIENCE}.'
            values[name] = None
    if (values['experience_years'] is not None and values['pedagogical_experience_years'] is not None
            and values['pedagogical_experience_years'] > values['experience_years']):
        errors['pedagogical_experience_years'] = 'Педагогический стаж не может быть больше общего.'
    values['work_phone'] = _clean(form.get('work_phone'))
    if values['work_phone'] and not PHONE.match(values['work_phone']):
        errors['work_phone'] = 'Телефон — цифры, «+», скобки и дефисы, например +7 (4242) 12-34-56.'
    _too_long(errors, 'work_phone', values['work_phone'], 100, 'Рабочий телефон')
    values['work_email'] = _clean(form.get('work_email'))
    if values['work_email'] and not EMAIL.match(values['work_email']):
        errors['work_email'] = 'Адрес электронной почты — в виде name@example.ru.'
    _too_long(errors, 'work_email', values['work_email'], 200, 'Рабочая электронная почта')
    educations = parse_educations(form, today, errors)
    return person, values, educations, extra, errors


def parse_educations(form, today, errors):
    """The education rows of the card (parallel fields); a row left empty is no education."""
    columns = [form.getlist('education_level'), form.getlist('education_institution'),
               form.getlist('education_year'), form.getlist('education_speciality')]
    rows = []
    for level, institution, year_text, speciality in zip(*columns):
        institution, speciality = (re.sub(r'\s+', ' ', v or '').strip() for v in (institution, speciality))
        year_text = (year_text or '').strip()
        if not (level or institution or year_text or speciality):
            continue
        year = parse_int(year_text)
        number = len(rows) + 1
        if level not in EDUCATION_LEVELS:
            errors['education'] = f'Образование {number}: выберите уровень из списка.'
        elif not institution:
            errors['education'] = f'Образование {number}: укажите учебное заведение.'
        elif year_text and (year is None or not 1940 <= year <= today.year):
            errors['education'] = f'Образование {number}: год окончания — от 1940 до {today.year}.'
        elif len(institution) > 500 or len(speciality) > 500:
            errors['education'] = f'Образование {number}: не длиннее 500 знаков в поле.'
        rows.append({'level': level, 'institution': institution,
                     'graduation_year': year if year_text else None, 'speciality': speciality})
    if len(rows) > MAX_EDUCATIONS:
        errors['education'] = f'Не больше {MAX_EDUCATIONS} записей об образовании.'
    return rows


# --- Saving the card ------------------------------------------------------------

def _person_keys(values):
    probe = Person(**values)
    probe.fill_keys()
    return {name: getattr(probe, name) for name in
            (*PERSON_FIELDS, 'surname_key', 'name_key', 'patronymic_key')}


def _snils_taken(snils, person_id):
    if not snils:
        return None
    return Person.select().where(Person.snils == snils, Person.id != person_id).first()


def save_card(employment, employment_version, person_version, person_values, values, educations,
              extra_positions):
    """Write the card if nobody saved it (or the person) since the form was read; returns the
    names of the fields changed."""
    with write_transaction():
        current = Employment.get_by_id(employment.id)
        if current.dismissed_on is not None:
            raise Refused(dismissed_refusal(current))
        person = Person.get_by_id(employment.person_id)
        changed = [name for name in PERSON_FIELDS if getattr(person, name) != person_values[name]]
        if changed:
            other = _snils_taken(person_values['snils'], person.id)
            if 'snils' in changed and other is not None:
                raise Refused('Этот СНИЛС уже записан в регистре у другого человека. Проверьте '
                              'цифры; если это тот же человек, обратитесь в техподдержку, чтобы '
                              'объединить записи.')
            save_versioned(person, person_version, **_person_keys(person_values))
            Membership.copy_person_keys([person.id])
        changed += [name for name in EMPLOYMENT_FIELDS if getattr(current, name) != values[name]]
        old_educations = [(e.level, e.institution, e.graduation_year, e.speciality)
                          for e in educations_of(employment)]
        new_educations = [(e['level'], e['institution'], e['graduation_year'], e['speciality'])
                          for e in educations]
        if old_educations != new_educations:
            changed.append('education')
        if positions_of(employment)[1:] != extra_positions:
            changed.append('extra_position')
        save_versioned(employment, employment_version, **values)
        EmploymentEducation.delete().where(EmploymentEducation.employment == employment).execute()
        if educations:
            EmploymentEducation.insert_many([dict(e, employment=employment.id) for e in educations]).execute()
        EmploymentPosition.delete().where(EmploymentPosition.employment == employment).execute()
        if extra_positions:
            EmploymentPosition.insert_many([{'employment': employment.id, 'position': p}
                                            for p in extra_positions]).execute()
    employment.person = Person.get_by_id(employment.person_id)
    return changed


def dismissed_refusal(employment):
    return (f'Сотрудник уволен {employment.dismissed_on.strftime("%d.%m.%Y")}: его карточка только '
            'для чтения. Если он снова работает у вас, добавьте его как нового сотрудника — '
            'регистр найдёт его запись.')


def educations_of(employment):
    return list(EmploymentEducation.select().where(EmploymentEducation.employment == employment)
                .order_by(EmploymentEducation.id))


def positions_of(employment):
    """The main position first, then the others."""
    extra = (EmploymentPosition.select(EmploymentPosition.position)
             .where(EmploymentPosition.employment == employment).order_by(EmploymentPosition.id))
    return [employment.position] + [row.position for row in extra]


def esia_linked(person_id):
    return User.select().where(User.person == person_id, User.esia_oid.is_null(False)).exists()


# --- Adding an employee ---------------------------------------------------------

def registry_matches(person_values, organisation):
    """People of the region's registry who look like the newcomer (by СНИЛС, by name and birth
    date), best first, with where each works now."""
    incoming = similar_people.incoming_from_form(
        person_values['surname'], person_values['name'], person_values['patronymic'],
        person_values['birth_date'], person_values['gender'], person_values['snils'] or '')
    candidates = similar_people.find_similar([incoming], organisation.id, children=False)[0]
    ids = [c.person_id for c in candidates]
    works = {}
    for job in (Employment.select(Employment, Organisation).join(Organisation)
                .where(Employment.person.in_(ids), Employment.dismissed_on.is_null())
                .order_by(Organisation.short_name)):
        works.setdefault(job.person_id, []).append(job)
    for c in candidates:
        c.employments = works.get(c.person_id, [])
        c.same_snils = bool(person_values['snils']) and c.person['snils'] == person_values['snils']
        c.agreeing = [similar_people.FIELD_LABELS[name].lower() for name in c.agree
                      if name in similar_people.FIELD_LABELS]
    return candidates


def add_employee(organisation, person_values, position, started_on, existing_id, candidates):
    """Hire: the chosen person of ``candidates`` (``existing_id``), or a new registry person
    when ``existing_id`` is 0.  Returns (employment, reused)."""
    offered = {c.person_id: c for c in candidates}
    if existing_id and existing_id not in offered:
        raise Refused('Выберите человека из найденных в регистре или «Это другой человек».')
    if not existing_id:
        same = [c for c in candidates if c.same_snils]
        if same:
            raise Refused(f'В регистре уже есть {same[0].person["full_name"]} с этим СНИЛС: '
                          'это тот же человек — выберите его, а не новую запись.')
    with write_transaction():
        if existing_id:
            working_here = (Employment.select().where(
                Employment.person == existing_id, Employment.organisation == organisation,
                Employment.dismissed_on.is_null()).first())
            if working_here is not None:
                raise Refused(f'{offered[existing_id].person["full_name"]} уже работает в '
                              f'«{organisation.short_name}»: откройте его карточку в списке сотрудников.')
            person_id = existing_id
        else:
            values = dict(person_values, birth_date=person_values['birth_date'].isoformat())
            person_id = people.create_people([values])[0]
        employment = Employment.create(person=person_id, organisation=organisation,
                                       position=position, started_on=started_on)
    return employment, bool(existing_id)


def employment_of(organisation, employment_id, working=False):
    """The organisation's employment ``employment_id`` with its person, or None; ``working``:
    only while not dismissed."""
    query = (Employment.select(Employment, Person).join(Person)
             .where(Employment.id == employment_id, Employment.organisation == organisation))
    return (query.where(Employment.dismissed_on.is_null()) if working else query).first()
