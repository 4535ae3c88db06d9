"""Merging a duplicate child into the record that stays (the survivor), and undoing it.

The survivor takes every row that pointed at the duplicate — memberships, order lines,
documents (as former ones), parents, consents, the history of changes — and the duplicate's
row is deleted.  The merge keeps a snapshot (the duplicate's row and the ids of what moved), so
within MERGE_DAYS it can be undone: the duplicate comes back under its own id with what it had.
"""
import datetime
import json

import clock
from models import (ALL_MODELS, EnrolmentSelection, ForeignKeyField, IdentityDocument, Membership,
                    Order, OrderLine, Person, PersonalFile, PersonMerge)
from services.common import Refused, ru_date, write_transaction
from services.personal_file.edits import record

MERGE_DAYS = 30
FILLED = ('snils', 'address', 'phone', 'email')  # the survivor's empty fields the duplicate fills
_SPECIAL = (PersonalFile, EnrolmentSelection)


def _references():
    """(model, field) of every column that points at a person, the special ones aside."""
    return [(model, field) for model in ALL_MODELS if model not in _SPECIAL
            for field in model._meta.sorted_fields
            if isinstance(field, ForeignKeyField) and field.rel_model is Person]


def _plain(value):
    return value.isoformat() if isinstance(value, (datetime.date, datetime.datetime)) else value


def _conflicts(survivor, duplicate):
    both = (Membership.select(Membership.association).where(Membership.person == survivor,
                                                             Membership.ended_on.is_null())
            & Membership.select(Membership.association).where(Membership.person == duplicate,
                                                               Membership.ended_on.is_null()))
    if both.exists():
        return ('Обе записи сейчас в одном объединении: сначала оформите выбытие одной из них, '
                'затем объедините.')
    same_order = (OrderLine.select(OrderLine.order).where(OrderLine.person == survivor)
                  & OrderLine.select(OrderLine.order).where(OrderLine.person == duplicate))
    order = Order.get_or_none(Order.id.in_(same_order))
    if order is not None:
        return (f'Обе записи есть в приказе №{order.number or "б/н"} от {ru_date(order.document_date)}: '
                'удалите одну из них из приказа, затем объедините.')
    return None


def merge_people(survivor, duplicate, user, organisation):
    """Merge ``duplicate`` into ``survivor``; returns the PersonMerge."""
    if survivor.id == duplicate.id:
        raise Refused('Нельзя объединить запись с самой собой.')
    with write_transaction():
        problem = _conflicts(survivor, duplicate)
        if problem:
            raise Refused(problem)
        snapshot = {'person': {k: _plain(v) for k, v in duplicate.__data__.items()},
                    'current_documents': [d.id for d in duplicate.documents if d.is_current],
                    'moved': [], 'filled': {}, 'file': None, 'survivor_file': None}
        IdentityDocument.update(is_current=False).where(IdentityDocument.person == duplicate).execute()
        for model, field in _references():
            ids = [row.id for row in model.select(model.id).where(field == duplicate.id)]
            if ids:
                model.update({field: survivor.id}).where(model.id.in_(ids)).execute()
                snapshot['moved'].append([model.__name__, field.name, ids])
        EnrolmentSelection.delete().where(EnrolmentSelection.person == duplicate).execute()
        _merge_files(survivor, duplicate, snapshot)
        filled = {f: getattr(duplicate, f) for f in FILLED
                  if not getattr(survivor, f) and getattr(duplicate, f)}
        if filled.get('snils'):
            duplicate.snils = None  # the one copy of a СНИЛС goes to the survivor
            Person.update(snils=None).where(Person.id == duplicate.id).execute()
        if filled:
            Person.update(**filled).where(Person.id == survivor.id).execute()
        snapshot['filled'] = filled
        Person.delete().where(Person.id == duplicate.id).execute()
        Person.update(version=Person.version + 1).where(Person.id == survivor.id).execute()
        Membership.copy_person_keys([survivor.id])
        Person.mark_staff([survivor.id])
        merge = PersonMerge.create(survivor=survivor, merged_id=duplicate.id,
                                   merged_name=f'{duplicate.full_name}, {ru_date(duplicate.birth_date)}',
                                   snapshot=json.dumps(snapshot, ensure_ascii=False),
                                   at=clock.now().replace(tzinfo=None), user=user,
                                   organisation=organisation)
        record(survivor.id, user, organisation,
               [('merge', '', f'присоединена запись {merge.merged_name} (№{duplicate.id})')])
    return merge


def _merge_files(survivor, duplicate, snapshot):
    theirs = PersonalFile.get_or_none(PersonalFile.person == duplicate)
    if theirs is None:
        return
    snapshot['file'] = {'registration_address': theirs.registration_address, 'categories': theirs.categories}
    mine = PersonalFile.get_or_none(PersonalFile.person == survivor)
    if mine is None:
        PersonalFile.create(person=survivor, **snapshot['file'])
        snapshot['survivor_file'] = 'created'
    else:
        snapshot['survivor_file'] = {'registration_address': mine.registration_address,
                                     'categories': mine.categories}
        categories = [c for c in mine.categories.splitlines() if c]
        categories += [c for c in theirs.categories.splitlines() if c and c not in categories]
        mine.registration_address = mine.registration_address or theirs.registration_address
        mine.categories = '\n'.join(categories)
        mine.save()
    theirs.delete_instance()


def may_undo(merge):
    return merge.undone_at is None and clock.now().replace(tzinfo=None) <= merge.at + datetime.timedelta(days=MERGE_DAYS)


def undo_merge(merge, user, organisation):
    """Bring the duplicate back under its own id with what moved from it (what still points at
    the survivor; what was added to the survivor since stays there)."""
    if merge.undone_at is not None:
        raise Refused(f'Объединение уже отменено {ru_date(merge.undone_at)}.')
    if not may_undo(merge):
        raise Refused(f'Объединение можно отменить в течение {MERGE_DAYS} дней; этот срок прошёл '
                      f'{ru_date((merge.at + datetime.timedelta(days=MERGE_DAYS)).date())}.')
    snapshot = json.loads(merge.snapshot)
    survivor_id = merge.survivor_id
    models = {model.__name__: model for model in ALL_MODELS}
    with write_transaction():
        person = dict(snapshot['person'])
        for name in ('birth_date',):
            person[name] = datetime.date.fromisoformat(person[name])
        person['created_at'] = datetime.datetime.fromisoformat(person['created_at'])
        Person.insert(**person).execute()
        for model_name, field_name, ids in snapshot['moved']:
            model = models[model_name]
            field = model._meta.fields[field_name]
            model.update({field: merge.merged_id}).where(model.id.in_(ids), field == survivor_id).execute()
        if snapshot['current_documents']:
            (IdentityDocument.update(is_current=True)
             .where(IdentityDocument.id.in_(snapshot['current_documents']),
                    IdentityDocument.person == merge.merged_id).execute())
        filled = snapshot['filled']
        for field, value in filled.items():
            Person.update({field: None if field == 'snils' else ''}).where(
                Person.id == survivor_id, getattr(Person, field) == value).execute()
        if filled.get('snils'):
            Person.update(snils=filled['snils']).where(Person.id == merge.merged_id).execute()
        if snapshot['file'] is not None:
            if snapshot['survivor_file'] == 'created':
                PersonalFile.delete().where(PersonalFile.person == survivor_id).execute()
            elif snapshot['survivor_file']:
                PersonalFile.update(**snapshot['survivor_file']).where(PersonalFile.person == survivor_id).execute()
            PersonalFile.create(person=merge.merged_id, **snapshot['file'])
        Person.update(version=Person.version + 1).where(Person.id == survivor_id).execute()
        Membership.copy_person_keys([survivor_id, merge.merged_id])
        Person.mark_staff([survivor_id, merge.merged_id])
        PersonMerge.update(undone_at=clock.now().replace(tzinfo=None)).where(PersonMerge.id == merge.id).execute()
        record(survivor_id, user, organisation,
               [('merge', f'присоединена запись {merge.merged_name} (№{merge.merged_id})', 'объединение отменено')])
    return Person.get_by_id(merge.merged_id)
