"""Reading and saving «Карточка ОО»: the card's values, the form parsed with the card's rules,
a save that carries a reason, writes the change log and refuses an outdated card by naming
the fields changed meanwhile."""
import re

from peewee import JOIN

from keys import name_key
from models import (CardParameterValue, Employment, Organisation, OrganisationCardChange,
                    OrganisationManager, Person, User, utcnow)
from services.card import fields, licence, validation
from services.card.settings import parameters_of
from services.common import Refused, locked, parse_date, parse_int, ru_date, write_transaction

REASON_MAX = 1000
PARAMETER_TEXT_MAX = 1000


class Stale(Refused):
    """The card was saved by someone else since the form was read; ``fields`` changed meanwhile."""

    def __init__(self, changed, who, before=None):
        self.fields = [code for code, _ in changed]
        self.before = before or {}  # code → the value as the outdated form had it (as shown)
        labels = ', '.join(f'«{label}»' for _, label in changed) or 'карточку целиком'
        people = f' ({", ".join(who)})' if who else ''
        super().__init__(f'Пока карточка была открыта у вас, её сохранили снова{people}: изменены {labels}. '
                         'Ваши изменения не записаны и остались в форме; в изменённых полях стоит '
                         'сохранённое сейчас, а под ними — то, что вводили вы. Проверьте и сохраните ещё раз.')


class MissingReason(Refused):
    pass


# --- What the card holds ---------------------------------------------------------------------

def staff_of(organisation):
    """The organisation's current employees, to choose the director and deputies from:
    [(employment id, 'Фамилия Имя Отчество — должность')] by surname."""
    query = (Employment.select(Employment.id, Employment.position, Person.surname, Person.name,
                               Person.patronymic)
             .join(Person)
             .where(Employment.organisation == organisation, Employment.dismissed_on.is_null())
             .order_by(Person.surname, Person.name, Person.patronymic, Employment.id))
    return [(e.id, f'{e.person.full_name} — {e.position}') for e in query]


def managers_of(organisation):
    """(director employment id or None, frozenset of deputies' employment ids) — current staff only."""
    director, deputies = None, set()
    for eid, kind in (OrganisationManager.select(OrganisationManager.employment, OrganisationManager.kind)
                      .join(Employment)
                      .where(OrganisationManager.organisation == organisation,
                             Employment.dismissed_on.is_null()).tuples()):
        if kind == 'director':
            director = eid
        else:
            deputies.add(eid)
    return director, frozenset(deputies)


def director_of(organisation):
    """The current director's Employment (with the person), or None."""
    return (Employment.select(Employment, Person).join(Person)
            .switch(Employment).join(OrganisationManager, on=(OrganisationManager.employment == Employment.id))
            .where(OrganisationManager.organisation == organisation, OrganisationManager.kind == 'director',
                   Employment.dismissed_on.is_null()).first())


def values_of(organisation, parameters):
    """{code: stored value} of every field of the card, the region's parameters included."""
    values = {code: getattr(organisation, code) for code in fields.FIELDS
              if code not in fields.STAFF and code not in fields.FILES}
    values['director'], values['deputies'] = managers_of(organisation)
    values['licence_scan'] = ((organisation.licence_scan_name, organisation.licence_scan_type,
                               organisation.licence_scan_size) if organisation.licence_scan_name else None)
    stored = dict(CardParameterValue.select(CardParameterValue.parameter, CardParameterValue.value)
                  .where(CardParameterValue.organisation == organisation).tuples())
    for parameter in parameters:
        values[fields.parameter_code(parameter.id)] = stored.get(parameter.id, '')
    return values


def form_values(values):
    """The stored values as the form's inputs show them."""
    shown = {}
    for code, value in values.items():
        if value is None:
            shown[code] = ''
        elif code == 'deputies':
            shown[code] = [str(eid) for eid in value]
        elif code in fields.FILES:
            shown[code] = ''  # a file input shows no value
        elif hasattr(value, 'isoformat'):
            shown[code] = value.isoformat()
        else:
            shown[code] = str(value)
    return shown


def display(code, value, staff_names, parameters_by_code):
    """A value as a person reads it (the log, the export, «сохранено сейчас»)."""
    if code == 'director':
        return staff_names.get(value, '') if value else ''
    if code == 'deputies':
        return '; '.join(sorted(staff_names.get(eid, '') for eid in value))
    if code in fields.FILES:
        return licence.label(value)
    parameter = parameters_by_code.get(code)
    if parameter is not None:
        if parameter.kind == 'yes_no':
            return fields.YES_NO.get(value, value)
        if parameter.kind == 'date' and value:
            day = parse_date(value)
            return ru_date(day) if day else value
        return value
    if value is None:
        return ''
    if code in fields.CHOICES:
        return fields.CHOICES[code].get(value, value)
    if hasattr(value, 'strftime'):
        return ru_date(value)
    return str(value)


# --- The form --------------------------------------------------------------------------------

def _line(text):
    return ' '.join((text or '').split())


def _lines(text):
    return '\n'.join(line for line in (' '.join(part.split()) for part in (text or '').splitlines()) if line)


def _parse_field(code, form, today, values, errors):
    label = fields.FIELDS[code][0]
    text = form.get(code, '')
    if code in fields.DATES:
        typed = (text or '').strip()
        day = parse_date(typed)
        if typed and day is None:
            errors[code] = f'{label}: дата в виде ДД.ММ.ГГГГ.'
        elif day is not None:
            day, errors[code] = validation.check_past_date(day, today, label)
        values[code] = day
    elif code in fields.NUMBERS:
        typed, top = _line(text), fields.NUMBERS[code]
        number = parse_int(typed)
        low = 1 if code == 'shifts' else 0
        if typed and (number is None or not low <= number <= top):
            errors[code] = f'{label} — целое число от {low} до {top:,}.'.replace(',', '\u00a0')
        values[code] = number
    elif code in fields.CHOICES:
        values[code] = _line(text)
        if values[code] and values[code] not in fields.CHOICES[code]:
            errors[code] = f'{label}: выберите значение из списка.'
    elif code in validation.CODES:
        typed = _line(text)
        values[code], errors[code] = validation.CODES[code](typed) if typed else ('', None)
    elif code in ('settlement_account', 'correspondent_account'):
        typed = _line(text)
        values[code], errors[code] = (validation.check_account(typed, values.get('bik', ''),
                                                               code == 'correspondent_account')
                                      if typed else ('', None))
    else:
        values[code] = _lines(text) if code in fields.TEXTAREAS else _line(text)
        top = fields.LENGTHS.get(code, 200)
        if len(values[code]) > top:
            errors[code] = f'{label}: не длиннее {top} символов — сократите текст.'
    if errors.get(code) is None:
        errors.pop(code, None)


def _parse_staff(form, staff_ids, values, errors):
    director = form.get('director', type=int) if form.get('director') else None
    if director is not None and director not in staff_ids:
        errors['director'] = 'Выберите руководителя из списка сотрудников организации.'
        director = None
    values['director'] = director
    deputies = set()
    for text in form.getlist('deputies'):
        eid = parse_int(text)
        if eid is None or eid not in staff_ids:
            errors['deputies'] = 'Заместителей выбирают из списка сотрудников организации.'
        else:
            deputies.add(eid)
    if director is not None and director in deputies:
        errors['deputies'] = 'Руководитель не может быть одновременно своим заместителем: снимите отметку.'
    values['deputies'] = frozenset(deputies)


def _parse_parameter(parameter, form, values, errors):
    code = fields.parameter_code(parameter.id)
    typed = _line(form.get(code, ''))
    if parameter.kind == 'number' and typed:
        cleaned = typed.replace(',', '.').replace('\u00a0', '').replace(' ', '')
        if not re.fullmatch(r'-?\d{1,12}(\.\d{1,4})?', cleaned):
            errors[code] = f'«{parameter.name}» — число, например 12 или 3,5.'
        typed = cleaned.replace('.', ',')
    elif parameter.kind == 'date' and typed:
        day = parse_date(typed)
        if day is None:
            errors[code] = f'«{parameter.name}»: дата в виде ДД.ММ.ГГГГ.'
        else:
            typed = day.isoformat()
    elif parameter.kind == 'yes_no' and typed and typed not in fields.YES_NO:
        errors[code] = f'«{parameter.name}»: выберите «Есть» или «Нет».'
    elif len(typed) > PARAMETER_TEXT_MAX:
        errors[code] = f'«{parameter.name}»: не длиннее {PARAMETER_TEXT_MAX} символов.'
    values[code] = typed


def parse_card(form, staff_ids, parameters, today):
    """The card form → (values by code, errors by code); only the card's own fields are read.
    The licence's scan is the view's (a file to store first): absent from ``values`` means kept."""
    values, errors = {}, {}
    for code in fields.FIELDS:
        if code not in fields.STAFF and code not in fields.FILES:
            _parse_field(code, form, today, values, errors)
    if not values['short_name'] and 'short_name' not in errors:
        errors['short_name'] = 'Краткое наименование нужно всегда: по нему организацию находят в списках.'
    _parse_staff(form, set(staff_ids), values, errors)
    for parameter in parameters:
        _parse_parameter(parameter, form, values, errors)
    return values, errors


def parse_reason(form):
    return ' '.join((form.get('reason') or '').split())[:REASON_MAX]


# --- Saving ----------------------------------------------------------------------------------

def _labels(parameters):
    labels = {code: (label, section) for code, (label, section) in fields.FIELDS.items()}
    labels.update({fields.parameter_code(p.id): (p.name, 'region') for p in parameters})
    return labels


def changed_since(organisation, version, parameters):
    """[(code, label)] changed after ``version``, who changed them and each one's value before,
    from the change log."""
    rows = (OrganisationCardChange.select(OrganisationCardChange, User, Person)
            .join(User).join(Person, on=(User.person == Person.id), join_type=JOIN.LEFT_OUTER)
            .where(OrganisationCardChange.organisation == organisation,
                   OrganisationCardChange.version > version)
            .order_by(OrganisationCardChange.id))
    changed, who, before = [], [], {}
    for row in rows:
        if (row.field, row.label) not in changed:
            changed.append((row.field, row.label))
            before[row.field] = row.old_value
        name = row.user.display_name if row.user_id else 'система'
        if name not in who:
            who.append(name)
    return changed, who, before


def changes_between(old, new):
    return [code for code in new if new[code] != old.get(code)]


def save_card(organisation, version, values, reason, user):
    """Write the card if nobody saved it since ``version``: the columns, the director and
    deputies, the region's parameter values and one log row per field changed.  Returns the
    codes changed; raises Stale (naming the fields changed meanwhile) or MissingReason."""
    parameters = parameters_of(organisation.region_id)
    with write_transaction():
        current = locked(Organisation.select().where(Organisation.id == organisation.id)).get()
        if version is None or current.version != version:
            raise Stale(*changed_since(organisation, version or 0, parameters))
        old = values_of(current, parameters)
        changed = changes_between(old, values)
        if not changed:
            return []
        if not reason:
            raise MissingReason('Укажите причину изменения: она попадёт в журнал изменений рядом с '
                                'новыми значениями.')
        new_version = version + 1
        columns = {code: values[code] for code in changed
                   if code in fields.FIELDS and code not in fields.STAFF and code not in fields.FILES}
        if 'licence_scan' in changed:
            name, kind, size = values['licence_scan'] or ('', '', None)
            columns.update(licence_scan_name=name, licence_scan_type=kind, licence_scan_size=size)
        keys = {'name_key': name_key(values['short_name'])} if 'short_name' in columns else {}
        Organisation.update(version=new_version, **columns, **keys).where(Organisation.id == current.id).execute()
        _save_managers(current, old, values, changed)
        _save_parameters(current, values, [code for code in changed if code.startswith(fields.PARAMETER)])
        staff_names = dict(staff_of(current))
        by_code = {fields.parameter_code(p.id): p for p in parameters}
        labels, now = _labels(parameters), utcnow()
        OrganisationCardChange.insert_many([
            {'organisation': current.id, 'user': user.id if user else None, 'changed_at': now,
             'field': code, 'label': labels[code][0], 'section': labels[code][1], 'reason': reason,
             'old_value': display(code, old.get(code), staff_names, by_code),
             'new_value': display(code, values[code], staff_names, by_code), 'version': new_version}
            for code in changed]).execute()
    for code, value in columns.items():
        setattr(organisation, code, value)
    organisation.version = new_version
    return changed


def _save_managers(organisation, old, values, changed):
    """The director and deputies as chosen now (rows of dismissed staff go with them)."""
    if 'director' not in changed and 'deputies' not in changed:
        return
    OrganisationManager.delete().where(OrganisationManager.organisation == organisation).execute()
    rows = [{'organisation': organisation.id, 'employment': eid, 'kind': 'deputy'}
            for eid in sorted(values['deputies'])]
    if values['director']:
        rows.append({'organisation': organisation.id, 'employment': values['director'], 'kind': 'director'})
    if rows:
        OrganisationManager.insert_many(rows).execute()


def _save_parameters(organisation, values, codes):
    if not codes:
        return
    ids = [int(code[len(fields.PARAMETER):]) for code in codes]
    (CardParameterValue.delete()
     .where(CardParameterValue.organisation == organisation, CardParameterValue.parameter.in_(ids))
     .execute())
    rows = [{'organisation': organisation.id, 'parameter': pid, 'value': values[code]}
            for pid, code in zip(ids, codes) if values[code]]
    if rows:
        CardParameterValue.insert_many(rows).execute()
