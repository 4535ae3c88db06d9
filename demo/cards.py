"""The cards phase: each organisation's «Карточка ОО» completed as far as its completeness says
(the organisations phase drew it, 0,45–1), so the region shows high, medium and low fill across
organisations and municipalities; the director and deputies chosen from the staff; two regional
parameters; a few change-log entries.  Its own RNG, seeded from the loader's, keeps the load
deterministic."""
import datetime
import random

import models
from models import (CardParameter, CardParameterValue, Organisation, OrganisationCardChange,
                    OrganisationManager, User, UserRole)
from services.card import fields
from services.card.validation import account_matches

TYPES = {'odo': 'Организация дополнительного образования', 'school': 'Общеобразовательная организация',
         'kindergarten': 'Дошкольная образовательная организация',
         'college': 'Профессиональная образовательная организация',
         'municipal_body': 'Орган местного самоуправления в сфере образования',
         'regional_body': 'Орган исполнительной власти субъекта РФ'}
OKVED = {'odo': '85.41', 'school': '85.14', 'kindergarten': '85.11', 'college': '85.21',
         'municipal_body': '84.11', 'regional_body': '84.11'}
BANK = ('Дальневосточный банк ПАО Сбербанк', '040813608', '30101810600000000608')
MUNICIPALITY_BONUS = (0.5, 0.2, 0.0)
BANK_FIELDS = ('bank_name', 'bik', 'settlement_account', 'correspondent_account')
# The home ОДО keeps a few fields for its administrator to fill (the card opens below 100 %).
HOME_LEFT_EMPTY = ('licence_issuer', 'internet_speed_actual', 'computers')
PARAMETERS = (('Наличие спортивного зала', 'yes_no', True),
              ('Число кружков технической направленности', 'number', False))
REASONS = ('Сменился номер телефона приёмной', 'Уточнён адрес по выписке ЕГРЮЛ',
           'Новый адрес электронной почты', 'Исправлена опечатка')


# What a changed field held before: another number, an old mailbox, another house.
OLD = {'phone': lambda new: new[:-2] + f'{(int(new[-2:]) + 11) % 100:02d}',
       'email': lambda new: 'old-' + new,
       'actual_address': lambda new: new.replace('д. ', 'д. 1', 1)}


def _account(rng, bik):
    """A settlement account whose control key (the 9th digit) matches the БИК."""
    body = f'40701810{{}}{rng.randint(10**10, 10**11 - 1)}'
    return next(body.format(d) for d in '0123456789' if account_matches(bik, body.format(d)))


def _values(rng, org, home):
    # Municipalities differ too: in some every organisation keeps its card up to date.
    bonus = MUNICIPALITY_BONUS[org.muni.index % len(MUNICIPALITY_BONUS)] if org.muni is not None else 0
    p, full = min(1.0, org.completeness + bonus), org.completeness >= 0.999
    kind = org.kind
    educational = kind in models.EDUCATIONAL_KINDS
    capacity = rng.choice((80, 120, 240, 400, 600, 850, 1100))
    speed = rng.choice((10, 50, 100, 200))
    drawn = {
        'organisation_type': TYPES[kind],
        'founded_on': datetime.date(rng.randint(1950, 2015), rng.randint(1, 12), 1),
        'status': 'active',
        'oktmo': f'64{701 + org.muni.index:03d}000' if org.muni is not None else '64000000',
        'okogu': '2300223' if kind == 'regional_body' else '3300500',
        'okopf': rng.choice(('75401', '75403')),
        'okfs': '13' if kind == 'regional_body' else '14',
        'okved': OKVED[kind],
        'bank_name': BANK[0], 'bik': BANK[1], 'settlement_account': _account(rng, BANK[1]),
        'correspondent_account': BANK[2],
        'capacity_per_shift': capacity // rng.choice((1, 2)), 'shifts': rng.choice((1, 2)),
        'video_surveillance': rng.choice(('yes', 'yes', 'no')),
        'internet_technology': rng.choice(('fiber', 'fiber', 'adsl', 'radio', 'satellite')),
        'internet_speed_contract': speed, 'internet_speed_actual': speed - rng.randint(0, speed // 5),
        'content_filtering': 'yes', 'computers': rng.randint(4, 60),
    }
    if educational:
        drawn['licence_issuer'] = 'Министерство образования Сахалинской области'
        drawn['licence_url'] = f'https://islod.obrnadzor.gov.ru/rlic/details/{org.id:08d}'
    if rng.random() < 0.2:
        drawn['buildings'] = f'{org.short_name}: корпус 2'
    kept = {}
    for code, value in drawn.items():
        if (full or rng.random() < p) and not (home and code in HOME_LEFT_EMPTY):
            kept[code] = value
    if 'bik' not in kept:  # an account is checked with its bank's БИК: all of them or none
        for code in BANK_FIELDS:
            kept.pop(code, None)
    return kept


def fill_cards(loader):
    rng = random.Random(loader.rng.getrandbits(64))
    region_id = loader.region_id
    home = loader.home_odo.id
    parameters = [CardParameter.create(region=region_id, name=name, kind=kind, required=required)
                  for name, kind, required in PARAMETERS]
    managers, values = [], []
    for org in loader.orgs:
        update = _values(rng, org, org.id == home)
        if update:
            Organisation.update(**update).where(Organisation.id == org.id).execute()
        director, deputies = loader.card_managers.get(org.id, (None, []))
        managers += [{'organisation': org.id, 'employment': eid, 'kind': 'deputy'} for eid in deputies]
        if director:
            managers.append({'organisation': org.id, 'employment': director, 'kind': 'director'})
        for parameter in parameters:
            if org.id != home and (org.completeness >= 0.999 or rng.random() < org.completeness):
                value = rng.choice(('yes', 'no')) if parameter.kind == 'yes_no' else str(rng.randint(0, 12))
                values.append({'organisation': org.id, 'parameter': parameter.id, 'value': value})
    for start in range(0, len(managers), 500):
        OrganisationManager.insert_many(managers[start:start + 500]).execute()
    for start in range(0, len(values), 500):
        CardParameterValue.insert_many(values[start:start + 500]).execute()
    _changes(loader, rng, home)


def _changes(loader, rng, home):
    """A few past edits: the home ОДО's and about one organisation in ten."""
    editors = dict(UserRole.select(UserRole.organisation, UserRole.user)
                   .join(User).where(User.person.is_null(False)).order_by(UserRole.id.desc()).tuples())
    admin = User.get_or_none(User.login == 'odo-admin')
    picked = [org for org in loader.orgs if org.id == home or rng.random() < 0.1]
    rows = []
    for org in picked:
        stored = Organisation.get_by_id(org.id)
        user = admin.id if org.id == home and admin else editors.get(org.id)
        shown = [code for code in ('phone', 'email', 'actual_address') if getattr(stored, code)]
        taken = shown[:rng.randint(1, 3)]
        for n, code in enumerate(taken):
            new = getattr(stored, code)
            old = OLD[code](new)
            at = datetime.datetime.combine(loader.today - datetime.timedelta(days=40 - 10 * n),
                                           datetime.time(2, 30 + n))
            label, section = fields.FIELDS[code]
            rows.append({'organisation': org.id, 'user': user, 'changed_at': at, 'field': code,
                         'old_value': old, 'new_value': new, 'reason': REASONS[rng.randrange(len(REASONS))],
                         'version': n + 2, 'section': section, 'label': label})
        if taken:
            Organisation.update(version=len(taken) + 1).where(Organisation.id == org.id).execute()
    for start in range(0, len(rows), 500):
        OrganisationCardChange.insert_many(rows[start:start + 500]).execute()
