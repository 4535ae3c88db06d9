"""The region's card settings: which standard fields a complete card needs
(``Region.card_fill_fields``, empty means DEFAULT_REQUIRED) and the region's own parameters
(``CardParameter``: name, type, required or not).  Set in the regional management body."""
import json

from peewee import IntegrityError

from keys import name_key
from models import CARD_PARAMETER_KINDS, CardParameter, Region
from services.card import fields
from services.common import Refused

NAME_MAX = 200


def required_of(card_fill_fields):
    """The standard codes a region requires, from its stored setting, in the card's order;
    unknown codes are ignored, an empty or broken setting means the defaults."""
    try:
        chosen = json.loads(card_fill_fields) if card_fill_fields else None
    except ValueError:
        chosen = None
    if not isinstance(chosen, list):
        chosen = fields.DEFAULT_REQUIRED
    return tuple(code for code in fields.FIELDS if code in chosen)


def required_fields(region):
    return required_of(region.card_fill_fields)


def parameters_of(region_id):
    """The region's own parameters in the order they were added."""
    return list(CardParameter.select().where(CardParameter.region == region_id).order_by(CardParameter.id))


def may_configure(organisation, may_monitor):
    """The region's card settings are set in its regional management body, by whoever there
    watches monitoring (the percentage they define) or edits cards."""
    return organisation is not None and organisation.kind == 'regional_body' and may_monitor


def save_required(region, form):
    codes = [code for code in fields.FIELDS if form.get(f'required-{code}') in ('1', 'on')]
    Region.update(card_fill_fields=json.dumps(codes)).where(Region.id == region.id).execute()
    region.card_fill_fields = json.dumps(codes)
    return codes


def parse_parameter(form):
    name = ' '.join((form.get('name') or '').split())
    kind = form.get('kind', '')
    errors = {}
    if not name:
        errors['name'] = 'Укажите название параметра, например «Число кружков технической направленности».'
    elif len(name) > NAME_MAX:
        errors['name'] = f'Название параметра длиннее {NAME_MAX} символов — сократите его.'
    if kind not in CARD_PARAMETER_KINDS:
        errors['kind'] = 'Выберите тип параметра из списка: текст, число, дата или да / нет.'
    return {'name': name[:NAME_MAX], 'kind': kind, 'required': form.get('required') in ('1', 'on')}, errors


def _taken(region, name, parameter_id=None):
    key = name_key(name)
    return any(name_key(p.name) == key and p.id != parameter_id for p in parameters_of(region.id))


def add_parameter(region, values):
    if _taken(region, values['name']):
        raise Refused(f'Параметр «{values["name"]}» в регионе уже есть — дайте новому другое название.')
    try:
        return CardParameter.create(region=region, **values)
    except IntegrityError:
        raise Refused(f'Параметр «{values["name"]}» в регионе уже есть — дайте новому другое название.')


def parameter_of(region, parameter_id):
    return CardParameter.get_or_none(CardParameter.id == parameter_id, CardParameter.region == region)


def set_required(parameter, required):
    CardParameter.update(required=required).where(CardParameter.id == parameter.id).execute()


def delete_parameter(parameter):
    """The parameter and every organisation's value of it go (the change log keeps its label)."""
    parameter.delete_instance(recursive=True)
