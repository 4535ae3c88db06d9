"""The organisation's children: whom it knows, whom to pick for an order, a new child's form."""

import clock
from keys import name_key, prefix_upper_bound
from models import Membership, Order, OrderLine, Person
from services.common import age_on, parse_date
from services.registry import documents
from services import russian


def _name_matches(text):
    """'Иван', 'ивАнов пётр' → surname (and name) prefixes, ё and case ignored."""
    parts = name_key(text).split(' ')
    condition = (Person.surname_key >= parts[0]) & (Person.surname_key < prefix_upper_bound(parts[0]))
    if len(parts) > 1 and parts[1]:
        condition &= (Person.name_key >= parts[1]) & (Person.name_key < prefix_upper_bound(parts[1]))
    return condition


def known_to(person_ids, organisation):
    """Which of these children the organisation has taught or put into one of its orders."""
    person_ids = list(person_ids)
    members = (Membership.select(Membership.person)
               .where(Membership.organisation == organisation, Membership.person.in_(person_ids)))
    lined = (OrderLine.select(OrderLine.person).join(Order)
             .where(Order.organisation == organisation, OrderLine.person.in_(person_ids)))
    return {row.person_id for row in members} | {row.person_id for row in lined}


def children_of(organisation, text='', limit=50):
    """Children who have been in the organisation's объединения, by surname (never staff)."""
    known = Membership.select(Membership.person).where(Membership.organisation == organisation)
    query = Person.select().where(Person.id.in_(known), Person.is_staff == False)  # noqa: E712
    if text:
        query = query.where(_name_matches(text))
    return query.order_by(Person.surname_key, Person.name_key, Person.birth_date).limit(limit)


def members_of(association):
    return (Person.select(Person, Membership.started_on)
            .join(Membership, on=(Membership.person == Person.id))
            .where(Membership.association == association, Membership.ended_on.is_null())
            .order_by(Person.surname_key, Person.name_key))


# --- A new child, minimal (the registry ways come with enrolment) -----------------

def parse_new_child(form, today=None):
    """ФИО, дата рождения, пол → (values, errors by field, warnings)."""
    today = today or clock.today()
    values, errors, warnings = {}, {}, []
    for name, label, required in (('surname', 'Фамилия', True), ('name', 'Имя', True),
                                  ('patronymic', 'Отчество', False)):
        value = documents.normalise_name(form.get(name, ''))[:100]
        values[name] = value
        if not value:
            if required:
                errors[name] = f'Заполните поле «{label}».'
        elif documents.latin_lookalikes(value):
            letters = ', '.join(sorted(set(documents.latin_lookalikes(value))))
            errors[name] = (f'В поле «{label}» латинские буквы ({letters}) среди русских. '
                            'Наберите их в русской раскладке.')
        elif not documents.is_valid_name(value):
            errors[name] = (f'«{label}» пишется русскими буквами с заглавной, '
                            'допустимы дефис, апостроф и пробел.')
    values['no_patronymic'] = bool(form.get('no_patronymic'))
    if not values['patronymic'] and not values['no_patronymic'] and 'patronymic' not in errors:
        errors['patronymic'] = 'Заполните отчество или отметьте «Нет отчества».'
    values['birth_date'] = parse_date(form.get('birth_date'))
    if values['birth_date'] is None:
        errors['birth_date'] = 'Укажите дату рождения в виде ДД.ММ.ГГГГ.'
    elif values['birth_date'] >= today:
        errors['birth_date'] = 'Дата рождения должна быть в прошлом.'
    else:
        age = age_on(values['birth_date'], today)
        if not 3 <= age <= 18:
            warnings.append(f'Ребёнку {russian.count(age, "год", "nomn")} — проверьте дату рождения.')
    values['gender'] = form.get('gender', '')
    if values['gender'] not in ('M', 'F'):
        errors['gender'] = 'Выберите пол.'
    return values, errors, warnings


