"""Roles as bundles of rights: the standard roles, a region's own, what a set of roles holds
and what a role would give beyond it."""
import secrets

from keys import name_key
from models import MOVEMENT_BOOK_ACCESS, RIGHTS, Role
from services.common import Refused, save_versioned

LEVELS = {'none': 0, 'view': 1, 'edit': 2}
FLAGS = tuple(right for right in RIGHTS if right != 'movement_book')
STUDENT = 'student'  # the children's role: given with a password account, never granted by hand
REGIONAL_BODY = 'regional_body'
NAME_MAX = 200


def held_rights(roles):
    """What the roles give together: {'movement_book': 'edit', 'pool': True, …}."""
    held = {'movement_book': 'none', **{right: False for right in FLAGS}}
    for role in roles:
        if LEVELS[role.movement_book] > LEVELS[held['movement_book']]:
            held['movement_book'] = role.movement_book
        for right in FLAGS:
            held[right] = held[right] or bool(getattr(role, right))
    return held


def rights_beyond(role, held):
    """The role's rights that ``held`` lacks, as «quoted» labels."""
    beyond = []
    if LEVELS[role.movement_book] > LEVELS[held['movement_book']]:
        level = MOVEMENT_BOOK_ACCESS[role.movement_book].lower()
        beyond.append(f'«{RIGHTS["movement_book"]}: {level}»')
    return beyond + [f'«{RIGHTS[right]}»' for right in FLAGS
                     if getattr(role, right) and not held[right]]


def roles_of_region(region):
    """The standard roles in their own order, then the region's by name."""
    roles = Role.select().where(Role.region.is_null() | (Role.region == region)).order_by(Role.id)
    return sorted(roles, key=lambda role: (not role.is_standard,
                                           '' if role.is_standard else name_key(role.name)))


def grantable_roles(organisation):
    """The roles an administrator may grant to an employee here (the children's role aside)."""
    return [role for role in roles_of_region(organisation.region_id) if role.code != STUDENT]


def role_of_region(region, role_id):
    """A standard role or one of the region's, or None."""
    if role_id is None:
        return None
    return Role.get_or_none((Role.id == role_id)
                            & (Role.region.is_null() | (Role.region == region)))


def may_define_roles(organisation, held):
    """A region's roles are defined in its regional management body, by whoever there holds
    «Пользователи и роли»; every organisation's administrator sees them."""
    return organisation.kind == REGIONAL_BODY and held['users']


def parse_role(form):
    """The role form → (values, errors by field). Only the name and the rights are read."""
    name = ' '.join((form.get('name') or '').split())
    values = {'name': name[:NAME_MAX], 'movement_book': form.get('movement_book', 'none')}
    errors = {}
    if not name:
        errors['name'] = 'Укажите название роли.'
    elif len(name) > NAME_MAX:
        errors['name'] = f'Название роли длиннее {NAME_MAX} символов — сократите его.'
    if values['movement_book'] not in MOVEMENT_BOOK_ACCESS:
        values['movement_book'] = 'none'
        errors['movement_book'] = 'Выберите доступ к книге движения из списка.'
    for right in FLAGS:
        values[right] = form.get(right) in ('1', 'on')
    return values, errors


def _name_taken(region, name, role=None):
    same = [r for r in roles_of_region(region) if name_key(r.name) == name_key(name)]
    return any(role is None or r.id != role.id for r in same)


def create_regional_role(region, values):
    if _name_taken(region, values['name']):
        raise Refused(f'Роль «{values["name"]}» уже есть. Назовите новую роль иначе.')
    return Role.create(code=f'region{region.id}_{secrets.token_hex(6)}', region=region, **values)


def update_regional_role(role, version, values):
    if role.is_standard:
        raise Refused('Стандартные роли региона не изменяются. Создайте свою роль с нужными правами.')
    if _name_taken(role.region_id, values['name'], role):
        raise Refused(f'Роль «{values["name"]}» уже есть. Назовите роль иначе.')
    return save_versioned(role, version, **values)
