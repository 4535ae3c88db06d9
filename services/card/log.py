"""«Журнал изменений» of a card: filtered by section and by person, and written to .xlsx."""
from peewee import JOIN

import clock
from models import OrganisationCardChange, Person, User
from services.card import fields
from services.spreadsheets import workbook_bytes

HEADER = ('Когда', 'Кто', 'Раздел', 'Поле', 'Было', 'Стало', 'Причина изменения')
WIDTHS = (17, 30, 20, 30, 40, 40, 50)


def parse_filters(args, people):
    """The log's filters from the query: a section of the card, a person who made changes;
    anything else is no filter."""
    section = args.get('section', '')
    person = args.get('person', type=int)
    return {'section': section if section in fields.SECTIONS else '',
            'person': person if person in {uid for uid, _ in people} else None}


def changes_of(organisation, filters=None):
    """The card's changes, newest first, with who made them."""
    filters = filters or {}
    query = (OrganisationCardChange.select(OrganisationCardChange, User, Person)
             .join(User, JOIN.LEFT_OUTER).join(Person, JOIN.LEFT_OUTER, on=(User.person == Person.id))
             .where(OrganisationCardChange.organisation == organisation)
             .order_by(OrganisationCardChange.changed_at.desc(), OrganisationCardChange.id.desc()))
    if filters.get('section'):
        query = query.where(OrganisationCardChange.section == filters['section'])
    if filters.get('person'):
        query = query.where(OrganisationCardChange.user == filters['person'])
    return query


def people_of(organisation):
    """[(user id, name)] of those who changed the card, by name."""
    users = (User.select(User, Person).join(Person, JOIN.LEFT_OUTER, on=(User.person == Person.id))
             .where(User.id.in_(OrganisationCardChange.select(OrganisationCardChange.user)
                                .where(OrganisationCardChange.organisation == organisation))))
    return sorted(((u.id, u.display_name) for u in users), key=lambda pair: pair[1])


def section_label(change):
    return fields.SECTIONS.get(change.section, '')


def export(organisation, filters, zone):
    """The filtered log as an .xlsx (every cell typed by people is written as text)."""
    rows = ((clock.local(c.changed_at, zone).strftime('%d.%m.%Y %H:%M'),
             c.user.display_name if c.user_id else '', section_label(c), c.label or c.field,
             c.old_value, c.new_value, c.reason) for c in changes_of(organisation, filters))
    heading = f'Журнал изменений карточки ОО: {organisation.short_name}'
    return workbook_bytes('Журнал изменений', HEADER, rows, WIDTHS, heading)
