"""«Запросить отчисление из объединения»: a message to another ОДО where a child being imported
attends an объединение of the same направленность as the one they are enrolling into.

A school or a kindergarten is never asked: a child keeps studying there while attending an ОДО,
and a withdrawal request would read as one from the school itself.
"""
import json
from dataclasses import dataclass

from models import Association, Membership, Message, Organisation, Person, Program
from services import russian


@dataclass(frozen=True)
class Place:
    organisation_id: int
    organisation: str
    association_id: int
    association: str


def departure_places(job, rows):
    """{row id: {person id: [Place]}}: for each row's candidates in other organisations, the
    объединения of other ОДО whose program has the направленность of the row's объединение."""
    focus_of = _row_focuses(rows)
    wanted = {c['person_id'] for row in rows if focus_of.get(row.id)
              for c in json.loads(row.candidates) if c['group'] == 'other'}
    if not wanted:
        return {}
    held = {}
    query = (Membership.select(Membership.person, Organisation.id, Organisation.short_name,
                               Association.id, Association.name, Program.focus)
             .join(Organisation, on=(Membership.organisation == Organisation.id))
             .join_from(Membership, Association).join(Program)
             .where(Membership.person.in_(sorted(wanted)), Membership.ended_on.is_null(),
                    Organisation.kind == ODO, Organisation.id != job.organisation_id)
             .order_by(Organisation.short_name, Association.name).tuples())
    for person_id, org_id, org_name, association_id, name, focus in query:
        held.setdefault(person_id, []).append((focus, Place(org_id, org_name, association_id, name)))
    found = {}
    for row in rows:
        focus = focus_of.get(row.id)
        for c in json.loads(row.candidates):
            places = [place for f, place in held.get(c['person_id'], ()) if f == focus]
            if c['group'] == 'other' and places:
                found.setdefault(row.id, {})[c['person_id']] = places
    return found


ODO = 'odo'  # the one organisation kind that runs объединения a child may leave


def _row_focuses(rows):
    """Row id → the направленность of the program of the row's объединение."""
    association_of = {row.id: json.loads(row.values).get('association_id') for row in rows}
    ids = sorted({a for a in association_of.values() if a})
    focus = dict(Association.select(Association.id, Program.focus).join(Program)
                 .where(Association.id.in_(ids)).tuples()) if ids else {}
    return {row_id: focus.get(a) for row_id, a in association_of.items() if focus.get(a)}


def focus_genitive(label):
    """«Художественная» → «художественной»: every направленность is a feminine adjective."""
    return label[:-2].lower() + 'ой' if label.endswith('ая') else label.lower()


def request_departure(job, row, person_id, association_id, organisation, user):
    """Send the request; None when this child and объединение are not offered for the row."""
    place = next((p for p in departure_places(job, [row]).get(row.id, {}).get(person_id, ())
                  if p.association_id == association_id), None)
    if place is None:
        return None
    person = Person.get_by_id(person_id)
    target = Association.get_or_none(Association.id == json.loads(row.values).get('association_id'))
    focus = focus_genitive(target.program.focus_label)
    he, his = ('она', 'её') if person.gender == 'F' else ('он', 'его')
    Message.create(
        sender_organisation=organisation, sender=user, recipient_organisation=place.organisation_id,
        person=person,
        subject=f'Запрос об отчислении из объединения «{place.association}»: {person.full_name}'[:300],
        body=(f'Организация «{organisation.short_name}» зачисляет в объединение «{target.name}» '
              f'{focus} направленности ребёнка {russian.decline(person, "accs")}, '
              f'{person.birth_date.strftime("%d.%m.%Y")} г. р. В вашей организации {he} занимается '
              f'в объединении «{place.association}» той же направленности. Если ребёнок больше '
              f'не посещает это объединение, оформите, пожалуйста, {his} отчисление из объединения '
              f'приказом о выбытии. Запрос касается только этого объединения дополнительного '
              f'образования. Контакт: {user.display_name}.'))
    return place
