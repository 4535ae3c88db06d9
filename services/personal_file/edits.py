"""Editing the shared record: identity, contacts, documents, parents, categories, consents.

Every save names the version of the person the form was read at; a second saver is told the
record changed (``common.STALE``) and nothing is overwritten.  Every change is a
``PersonChange`` row: who, from which organisation, when, the old and the new value.
"""
import re

from peewee import JOIN

import clock
from keys import document_key, digits_key
from models import (DOCUMENT_KINDS, GENDERS, GUARDIAN_RELATIONS, Consent, Guardian,
                    IdentityDocument, Membership, Organisation, Person, PersonalFile, PersonChange,
                    User)
from services.common import Refused, parse_date, ru_date, save_versioned, write_transaction
from services import movement
from services.registry import documents as rules
from services.registry import similar_people
from services.registry.documents import format_snils

DEFAULT_CATEGORIES = (
    'Ребёнок с ограниченными возможностями здоровья (ОВЗ)',
    'Ребёнок-инвалид',
    'Дети-сироты и дети, оставшиеся без попечения родителей',
    'Дети из многодетных семей',
    'Дети из малоимущих семей',
    'Дети, находящиеся в трудной жизненной ситуации',
    'Дети участников специальной военной операции',
)
CONSENT_SCOPE = ('Сбор, запись, систематизация, хранение, уточнение, использование и передача '
                 'персональных данных ребёнка в региональной информационной системе учёта '
                 'дополнительного образования детей')
FIELD_LABELS = {
    'surname': 'Фамилия', 'name': 'Имя', 'patronymic': 'Отчество', 'no_patronymic': 'Нет отчества',
    'birth_date': 'Дата рождения', 'gender': 'Пол', 'citizenship': 'Гражданство', 'snils': 'СНИЛС',
    'address': 'Адрес проживания', 'registration_address': 'Адрес регистрации',
    'phone': 'Телефон', 'email': 'Электронная почта', 'document': 'Документ, удостоверяющий личность',
    'guardian': 'Родители (законные представители)', 'categories': 'Категории',
    'consent': 'Согласие на обработку персональных данных', 'merge': 'Объединение дубликатов',
}
SENSITIVE = ('snils', 'document')  # shown only to organisations that see the numbers
IDENTITY = ('surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'gender', 'snils')
_EMAIL = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')


def shown(field, value):
    """A value as the history shows it."""
    if value is None or value == '':
        return ''
    if field == 'birth_date':
        return ru_date(value)
    if field == 'gender':
        return GENDERS.get(value, value)
    if field == 'no_patronymic':
        return 'да' if value else 'нет'
    if field == 'snils':
        return format_snils(value)
    return str(value)


def record(person_id, user, organisation, changes):
    """Write the history rows of one save: ``changes`` are (field, old, new) as shown."""
    rows = [{'person': person_id, 'at': clock.now().replace(tzinfo=None), 'user': user,
             'organisation': organisation, 'field': field, 'old_value': old or '', 'new_value': new or ''}
            for field, old, new in changes]
    if rows:
        PersonChange.insert_many(rows).execute()


def _touch(person, version):
    """Claim the record: the version moves on, or the save is refused as stale."""
    save_versioned(person, version)


def file_of(person):
    return PersonalFile.get_or_none(PersonalFile.person == person) or PersonalFile(person=person)


def changes_of(person, limit=200):
    return (PersonChange.select(PersonChange, User, Organisation)
            .join_from(PersonChange, User, JOIN.LEFT_OUTER)
            .join_from(PersonChange, Organisation, JOIN.LEFT_OUTER)
            .where(PersonChange.person == person)
            .order_by(PersonChange.at.desc(), PersonChange.id.desc()).limit(limit))


# --- Identity ----------------------------------------------------------------------

def parse_identity(form, today):
    """ФИО, «Нет отчества», дата рождения, пол, гражданство, СНИЛС → (values, errors, warnings)."""
    values, errors, warnings = movement.parse_new_child(form, today)
    values['citizenship'] = rules.normalise_name(form.get('citizenship', ''))[:100] or 'Российская Федерация'
    snils = (form.get('snils') or '').strip()
    values['snils'] = None
    if snils:
        if rules.is_valid_snils(snils):
            values['snils'] = digits_key(snils)
        else:
            errors['snils'] = ('СНИЛС неверен: нужно 11 цифр с верным контрольным числом, '
                               f'например {rules.EXAMPLE_SNILS}.')
    return values, errors, warnings


def identity_changes(person, values):
    return {f: v for f, v in values.items()
            if f in IDENTITY + ('citizenship',) and getattr(person, f) != v}


def possible_duplicates(person, values=None, document=None, organisation_id=None):
    """People of the registry who look like this child with ``values`` (and ``document``, a
    (kind, key) pair) applied: candidates of the similar-person check, the child left out."""
    v = {f: getattr(person, f) for f in IDENTITY}
    v.update(values or {})
    docs = [(d.kind, d.number_key) for d in person.documents]
    if document:
        docs.append(document)
    incoming = similar_people.Incoming(v['surname'], v['name'], v['patronymic'], v['birth_date'],
                                       v['gender'], v['snils'] or '', docs)
    found = similar_people.find_similar([incoming], organisation_id, children=True)[0]
    return [c for c in found if c.person_id != person.id]


def save_identity(person, version, values, user, organisation):
    """Write the identity fields that changed; their history; a СНИЛС of another person is refused."""
    changes = identity_changes(person, values)
    with write_transaction():
        if changes.get('snils') and (Person.select().where(Person.snils == changes['snils'],
                                                           Person.id != person.id).exists()):
            raise Refused(f'СНИЛС {format_snils(changes["snils"])} уже записан у другого человека '
                          'в регистре. Проверьте номер; если это тот же ребёнок, объедините записи '
                          '(«Возможные дубликаты» внизу личного дела).')
        old = {f: getattr(person, f) for f in changes}
        keyed = Person(**{f: values.get(f, getattr(person, f)) for f in ('surname', 'name', 'patronymic', 'snils')})
        keyed.fill_keys()
        keys = {'surname_key': keyed.surname_key, 'name_key': keyed.name_key,
                'patronymic_key': keyed.patronymic_key}
        save_versioned(person, version, **changes, **keys)
        Membership.copy_person_keys([person.id])
        record(person.id, user, organisation,
               [(f, shown(f, old[f]), shown(f, changes[f])) for f in changes])
    return list(changes)


# --- Contacts and addresses ----------------------------------------------------------

def parse_contacts(form):
    values, errors = {}, {}
    for f, limit in (('address', 500), ('registration_address', 500), ('phone', 100), ('email', 200)):
        values[f] = re.sub(r'\s+', ' ', form.get(f, '') or '').strip()[:limit]
    if values['email'] and not _EMAIL.match(values['email']):
        errors['email'] = 'Адрес электронной почты не распознан: напишите его как имя@домен.ru.'
    return values, errors


def save_contacts(person, version, values, user, organisation):
    pf = file_of(person)
    changes = [(f, getattr(person, f), values[f]) for f in ('address', 'phone', 'email')
               if getattr(person, f) != values[f]]
    if pf.registration_address != values['registration_address']:
        changes.append(('registration_address', pf.registration_address, values['registration_address']))
    with write_transaction():
        save_versioned(person, version, **{f: new for f, _, new in changes if f != 'registration_address'})
        if any(f == 'registration_address' for f, _, _ in changes):
            pf.registration_address = values['registration_address']
            pf.save()
        record(person.id, user, organisation, changes)
    return changes


# --- Identity documents ----------------------------------------------------------------

def describe_document(doc):
    if doc is None:
        return ''
    kind = doc.foreign_kind if doc.kind == 'foreign' and doc.foreign_kind else doc.kind_label
    text = f'{kind} {doc.series} № {doc.number}'.replace('  ', ' ')
    return text + (f', выдан {ru_date(doc.issued_on)}' if doc.issued_on else '')


def parse_document(form, person, today, require_issue=True):
    """A new identity document from the form → (values, errors), by the region's rules."""
    errors = {}
    kind = form.get('kind', '')
    if kind not in DOCUMENT_KINDS:
        return {}, {'kind': 'Выберите вид документа.'}
    series, number = (form.get('series') or '').strip(), (form.get('number') or '').strip()
    issued_on = parse_date(form.get('issued_on'))
    values = {'kind': kind, 'series': series[:32], 'number': number[:64], 'issued_on': issued_on,
              'issued_by': re.sub(r'\s+', ' ', form.get('issued_by', '') or '').strip()[:500],
              'division_code': (form.get('division_code') or '').strip()[:7],
              'civil_record_number': re.sub(r'[\s-]', '', form.get('civil_record_number', '') or '')[:32],
              'foreign_kind': re.sub(r'\s+', ' ', form.get('foreign_kind', '') or '').strip()[:200],
              'make_current': form.get('make_current') == '1'}
    if kind == 'passport_rf':
        values['series'] = rules.normalise_passport_series(series)
        values['number'] = digits_key(number)
        if not rules.is_valid_passport_series(series):
            errors['series'] = 'Серия паспорта — 4 цифры, например 64 08.'
        if not rules.is_valid_six_digit_number(number):
            errors['number'] = 'Номер паспорта — 6 цифр.'
        if values['division_code'] and not rules.is_valid_division_code(values['division_code']):
            errors['division_code'] = 'Код подразделения пишется как 650-001.'
        if issued_on and issued_on < _years_after(person.birth_date, 14):
            errors['issued_on'] = 'Паспорт выдают с 14 лет: проверьте дату выдачи.'
    elif kind == 'birth_certificate_rf':
        values['series'] = rules.normalise_birth_certificate_series(series)
        values['number'] = digits_key(number)
        if not rules.is_valid_birth_certificate_series(series):
            errors['series'] = 'Серия свидетельства — римские цифры, дефис и две русские буквы, например II-ФВ.'
        if not rules.is_valid_six_digit_number(number):
            errors['number'] = 'Номер свидетельства — 6 цифр.'
        if values['civil_record_number'] and not values['civil_record_number'].isdigit():
            errors['civil_record_number'] = 'Номер актовой записи — только цифры.'
        if issued_on and issued_on < person.birth_date:
            errors['issued_on'] = 'Свидетельство не может быть выдано раньше дня рождения.'
    else:
        if not values['foreign_kind']:
            errors['foreign_kind'] = 'Укажите вид иностранного документа.'
        if not number:
            errors['number'] = 'Укажите номер документа.'
    if form.get('issued_on') and issued_on is None or require_issue and kind != 'foreign' and issued_on is None:
        errors['issued_on'] = 'Укажите дату выдачи в виде ДД.ММ.ГГГГ.'
    elif issued_on and issued_on > today:
        errors['issued_on'] = 'Дата выдачи не может быть в будущем.'
    if require_issue and kind != 'foreign' and not values['issued_by']:
        errors['issued_by'] = 'Укажите, кем выдан документ.'
    return values, errors


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def current_document(person):
    return (IdentityDocument.select().where(IdentityDocument.person == person,
                                            IdentityDocument.is_current == True)  # noqa: E712
            .first())


def add_document(person, version, values, user, organisation):
    """A new document of the child; as the current one the former current stays listed as former."""
    key = document_key(values['series'], values['number'])
    with write_transaction():
        _touch(person, version)
        holder = (IdentityDocument.select(IdentityDocument.person)
                  .where(IdentityDocument.number_key == key).first())
        if holder is not None and holder.person_id == person.id:
            raise Refused('Этот документ уже есть в личном деле.')
        if holder is not None:
            raise Refused('Документ с такими серией и номером записан у другого человека в регистре. '
                          'Проверьте серию и номер; если это тот же ребёнок, объедините записи.')
        before = current_document(person)
        current = values['make_current'] or before is None
        if current and before is not None:
            IdentityDocument.update(is_current=False).where(IdentityDocument.person == person).execute()
        doc = IdentityDocument.create(
            person=person, is_current=current,
            **{f: values[f] for f in ('kind', 'series', 'number', 'issued_on', 'issued_by',
                                      'division_code', 'foreign_kind')},
            civil_record_number=values['civil_record_number'] if values['kind'] == 'birth_certificate_rf' else '')
        old = describe_document(before) if current else ''
        new = describe_document(doc) + ('' if current else ' (не текущий)')
        record(person.id, user, organisation, [('document', old, new)])
    return doc


def parse_new_identifiers(form, birth_date, today):
    """СНИЛС and a document of the new-child form (``doc_*`` fields, the document optional)
    → ({'snils', 'document'}, errors by the form's field names)."""
    errors, found = {}, {'snils': None, 'document': None}
    snils = (form.get('snils') or '').strip()
    if snils:
        if rules.is_valid_snils(snils):
            found['snils'] = digits_key(snils)
        else:
            errors['snils'] = f'СНИЛС неверен: нужно 11 цифр с верным контрольным числом, например {rules.EXAMPLE_SNILS}.'
    if form.get('doc_kind') and (form.get('doc_number') or form.get('doc_series')):
        fields = {name: form.get(f'doc_{name}', '') for name in
                  ('kind', 'series', 'number', 'issued_on', 'issued_by', 'civil_record_number', 'foreign_kind')}
        values, doc_errors = parse_document(dict(fields, make_current='1'), _Born(birth_date or today), today,
                                            require_issue=False)
        errors.update({f'doc_{name}': message for name, message in doc_errors.items()})
        found['document'] = values
    return found, errors


class _Born:
    def __init__(self, birth_date):
        self.birth_date = birth_date


def similar_for_new(values, identifiers, organisation_id):
    """The similar-person check before a new child is written: the candidates, best first."""
    doc = identifiers.get('document')
    docs = [(doc['kind'], document_key(doc['series'], doc['number']))] if doc else []
    incoming = similar_people.Incoming(values['surname'], values['name'], values['patronymic'],
                                       values['birth_date'], values['gender'], identifiers.get('snils') or '', docs)
    return list(similar_people.find_similar([incoming], organisation_id, children=True)[0])


def create_child(values, identifiers):
    """A new registry child with its СНИЛС and document; a number someone holds is refused."""
    doc = identifiers.get('document')
    with write_transaction():
        if identifiers.get('snils') and Person.select().where(Person.snils == identifiers['snils']).exists():
            raise Refused(f'СНИЛС {format_snils(identifiers["snils"])} уже записан у другого человека в регистре: '
                          'выберите найденного ребёнка или проверьте номер.')
        if doc and IdentityDocument.select().where(
                IdentityDocument.number_key == document_key(doc['series'], doc['number'])).exists():
            raise Refused('Документ с такими серией и номером уже записан у другого человека в регистре: '
                          'выберите найденного ребёнка или проверьте серию и номер.')
        person = Person.create(**values, snils=identifiers.get('snils'))
        if doc:
            IdentityDocument.create(person=person, is_current=True, **{
                f: doc[f] for f in ('kind', 'series', 'number', 'issued_on', 'issued_by', 'division_code',
                                    'foreign_kind', 'civil_record_number')})
    return person


# --- Parents and legal representatives ----------------------------------------------------

def parse_guardian(form, today):
    errors = {}
    relation = form.get('relation', '')
    if relation not in GUARDIAN_RELATIONS:
        errors['relation'] = 'Выберите, кем приходится ребёнку.'
    values = {'relation': relation}
    for f, label, required in (('surname', 'Фамилия', True), ('name', 'Имя', True),
                               ('patronymic', 'Отчество', False)):
        value = rules.normalise_name(form.get(f, ''))[:100]
        values[f] = value
        if not value and required:
            errors[f] = f'Заполните поле «{label}» родителя.'
        elif value and rules.latin_lookalikes(value):
            errors[f] = f'В поле «{label}» латинские буквы среди русских: наберите их в русской раскладке.'
        elif value and not rules.is_valid_name(value):
            errors[f] = f'«{label}» пишется русскими буквами с заглавной.'
    values['phone'] = re.sub(r'\s+', ' ', form.get('phone', '') or '').strip()[:100]
    values['email'] = (form.get('email') or '').strip()[:200]
    if values['email'] and not _EMAIL.match(values['email']):
        errors['email'] = 'Адрес электронной почты не распознан: напишите его как имя@домен.ru.'
    values['document'] = re.sub(r'\s+', ' ', form.get('document', '') or '').strip()[:200]
    snils = (form.get('parent_snils') or '').strip()
    values['snils'] = digits_key(snils) if snils else ''
    if snils and not rules.is_valid_snils(snils):
        errors['parent_snils'] = 'СНИЛС родителя неверен: нужно 11 цифр с верным контрольным числом.'
    values['birth_date'] = parse_date(form.get('parent_birth_date'))
    if form.get('parent_birth_date') and values['birth_date'] is None:
        errors['parent_birth_date'] = 'Дату рождения родителя укажите в виде ДД.ММ.ГГГГ.'
    elif values['birth_date'] and values['birth_date'] >= today:
        errors['parent_birth_date'] = 'Дата рождения родителя должна быть в прошлом.'
    return values, errors


def _parent_person(child, values):
    """The registry's person of the parent: found by СНИЛС, or created with the birth date."""
    if not values['snils']:
        return None
    parent = Person.get_or_none(Person.snils == values['snils'])
    if parent is not None:
        if parent.id == child.id:
            raise Refused('Это СНИЛС самого ребёнка, а не родителя.')
        return parent
    if values['birth_date'] is None:
        raise Refused('Этого СНИЛС нет в регистре: укажите и дату рождения родителя, '
                      'чтобы внести его в регистр.')
    return Person.create(surname=values['surname'], name=values['name'], patronymic=values['patronymic'],
                         no_patronymic=not values['patronymic'], birth_date=values['birth_date'],
                         gender='F' if values['relation'] == 'mother' else 'M', snils=values['snils'],
                         phone=values['phone'], email=values['email'])


def add_guardian(child, version, values, user, organisation):
    with write_transaction():
        _touch(child, version)
        parent = _parent_person(child, values)
        if parent is not None and Guardian.select().where(Guardian.child == child,
                                                          Guardian.parent == parent).exists():
            raise Refused(f'{parent.full_name} уже записан среди родителей ребёнка.')
        names = ({'surname': parent.surname, 'name': parent.name, 'patronymic': parent.patronymic}
                 if parent is not None else {f: values[f] for f in ('surname', 'name', 'patronymic')})
        guardian = Guardian.create(child=child, parent=parent, relation=values['relation'],
                                   phone=values['phone'], email=values['email'],
                                   document=values['document'], **names)
        record(child.id, user, organisation,
               [('guardian', '', f'{guardian.relation_label}: {guardian.full_name}')])
    return guardian


def remove_guardian(child, version, guardian, user, organisation):
    with write_transaction():
        _touch(child, version)
        guardian.delete_instance()
        record(child.id, user, organisation,
               [('guardian', f'{guardian.relation_label}: {guardian.full_name}', '')])


def siblings_through(guardians, child):
    """Per registry parent of the child, the other children they represent."""
    parents = [g.parent_id for g in guardians if g.parent_id]
    found = {}
    if parents:
        for g in (Guardian.select(Guardian.parent, Person).join(Person, on=(Guardian.child == Person.id))
                  .where(Guardian.parent.in_(parents), Guardian.child != child)
                  .order_by(Person.birth_date)):
            found.setdefault(g.parent_id, []).append(g.child)
    return found


# --- Categories ----------------------------------------------------------------------

def region_categories(region):
    listed = [line.strip() for line in (region.child_categories or '').splitlines() if line.strip()]
    return listed or list(DEFAULT_CATEGORIES)


def categories_of(pf):
    return [line for line in (pf.categories or '').splitlines() if line]


def save_categories(person, version, chosen, allowed, user, organisation):
    if not set(chosen) <= set(allowed):
        raise Refused('Выберите категории из списка региона.')
    chosen = [c for c in allowed if c in chosen]
    pf = file_of(person)
    before = categories_of(pf)
    with write_transaction():
        _touch(person, version)
        if before != chosen:
            pf.categories = '\n'.join(chosen)
            pf.save()
            record(person.id, user, organisation, [('categories', '; '.join(before), '; '.join(chosen))])


# --- Consent to personal-data processing ------------------------------------------------

def parse_consent(form, person, today):
    errors = {}
    values = {'signed_by': rules.normalise_name(form.get('signed_by', ''))[:300],
              'signed_on': parse_date(form.get('signed_on')),
              'scope': re.sub(r'\s+', ' ', form.get('scope', '') or '').strip()[:2000] or CONSENT_SCOPE}
    if not values['signed_by']:
        errors['signed_by'] = 'Укажите, кто подписал согласие (ФИО родителя или ребёнка с 14 лет).'
    if values['signed_on'] is None:
        errors['signed_on'] = 'Укажите дату подписания в виде ДД.ММ.ГГГГ.'
    elif values['signed_on'] > today:
        errors['signed_on'] = 'Дата подписания не может быть в будущем.'
    elif values['signed_on'] < person.birth_date:
        errors['signed_on'] = 'Дата подписания раньше дня рождения ребёнка: проверьте её.'
    return values, errors


def add_consent(person, version, values, user, organisation):
    with write_transaction():
        _touch(person, version)
        consent = Consent.create(person=person, organisation=organisation, recorded_by=user, **values)
        record(person.id, user, organisation,
               [('consent', '', f'подписано {values["signed_by"]} {ru_date(values["signed_on"])}')])
    return consent


def withdraw_consent(person, version, consent, on, user, organisation):
    if consent.withdrawn_on is not None:
        raise Refused(f'Согласие уже отозвано {ru_date(consent.withdrawn_on)}.')
    if on is None or on < consent.signed_on:
        raise Refused(f'Дата отзыва — не раньше подписания ({ru_date(consent.signed_on)}), в виде ДД.ММ.ГГГГ.')
    with write_transaction():
        _touch(person, version)
        Consent.update(withdrawn_on=on).where(Consent.id == consent.id).execute()
        record(person.id, user, organisation,
               [('consent', f'подписано {consent.signed_by} {ru_date(consent.signed_on)}',
                 f'отозвано {ru_date(on)}')])


def without_consent(person_ids):
    """Which of these children have no consent on file that is not withdrawn."""
    person_ids = list(person_ids)
    if not person_ids:
        return set()
    held = {c.person_id for c in Consent.select(Consent.person)
            .where(Consent.person.in_(person_ids), Consent.withdrawn_on.is_null())}
    return set(person_ids) - held


def consent_warnings(lines):
    """The sentence an enrolment draft shows for its children without a consent on file."""
    missing = without_consent([line.person_id for line in lines])
    names = [line.person.full_name for line in lines if line.person_id in missing]
    if not names:
        return []
    return [f'Нет согласия на обработку персональных данных в личном деле: {", ".join(sorted(set(names)))}. '
            'Зачислить можно, но получите согласие у родителей и запишите его в личном деле.']
