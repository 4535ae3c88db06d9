"""Portfolio items: reading the form, saving an item (versioned) with its scan, deleting it.

The scan's bytes are checked before anything is written; the file is stored before the row and
removed again if the row cannot be written, and a replaced or deleted item's old file goes only
after the row is saved, so a row never names a file that is not there."""
import datetime
import re

from models import PORTFOLIO_KINDS, PortfolioItem
from services import staff
from services.common import Refused, parse_date, parse_int, save_versioned, write_transaction
from services.portfolio import scans

EARLIEST = datetime.date(1950, 1, 1)
MAX_HOURS = 3000
# The least hours of ДПО (приказ Минобрнауки России № 499): a qualification course, a retraining.
MIN_HOURS = {PortfolioItem.QUALIFICATION: 16, PortfolioItem.RETRAINING: 250}
TEXTS = (('title', 500, 'Название'), ('issuer', 500, 'Кем выдан'),
         ('document_number', 100, 'Номер документа'))
FIELDS = ('kind', 'title', 'issued_on', 'issuer', 'hours', 'document_number', 'started_on', 'finished_on')


def _clean(value):
    return re.sub(r'\s+', ' ', value or '').strip()


def is_course(kind):
    """Kinds with a period, hours and a document number: the fill rule's courses."""
    return kind in staff.COURSE_KINDS


def _date(form, name, errors, today, label):
    typed = _clean(form.get(name))
    if not typed:
        return None
    day = parse_date(typed)
    if day is None:
        errors[name] = f'{label}: дата в виде ДД.ММ.ГГГГ.'
    elif day > today:
        errors[name] = f'{label} не может быть позже сегодняшнего дня ({today.strftime("%d.%m.%Y")}).'
    elif day < EARLIEST:
        errors[name] = f'{label}: проверьте год — дата раньше 1950 года.'
    else:
        return day
    return None


def parse_item(form, today):
    """The item's values from the form and the errors by field."""
    values, errors = {}, {}
    values['kind'] = form.get('kind', '')
    if values['kind'] not in PORTFOLIO_KINDS:
        errors['kind'] = 'Выберите вид записи из списка.'
    for name, limit, label in TEXTS:
        values[name] = _clean(form.get(name))
        if len(values[name]) > limit:
            errors[name] = f'«{label}» — не длиннее {limit} знаков (сейчас {len(values[name])}).'
    if not values['title'] and 'title' not in errors:
        errors['title'] = 'Укажите название: тему курсов, награду, публикацию или конкурс.'
    values['issued_on'] = _date(form, 'issued_on', errors, today, 'Дата документа')
    if values['issued_on'] is None and 'issued_on' not in errors:
        errors['issued_on'] = 'Укажите дату документа в виде ДД.ММ.ГГГГ: без даты запись не учитывается.'
    course = is_course(values['kind'])
    values['started_on'] = _date(form, 'started_on', errors, today, 'Начало обучения') if course else None
    values['finished_on'] = _date(form, 'finished_on', errors, today, 'Окончание обучения') if course else None
    start, finish, issued = values['started_on'], values['finished_on'], values['issued_on']
    if start and finish and start > finish:
        errors['finished_on'] = 'Обучение не может закончиться раньше, чем началось: проверьте даты.'
    elif finish and issued and finish > issued:
        errors['finished_on'] = ('Обучение закончилось позже даты документа: документ выдают по '
                                 'окончании, проверьте даты.')
    values['hours'] = None
    typed_hours = _clean(form.get('hours'))
    if course and typed_hours:
        values['hours'] = parse_int(typed_hours)
        least = MIN_HOURS.get(values['kind'], 1)
        if values['hours'] is None or not 1 <= values['hours'] <= MAX_HOURS:
            errors['hours'] = f'Часы — целое число от 1 до {MAX_HOURS}.'
            values['hours'] = None
        elif values['hours'] < least:
            errors['hours'] = (f'{PORTFOLIO_KINDS[values["kind"]]} — не меньше {least} часов: '
                               'проверьте число часов по документу.')
    return values, errors


def items_of(employment):
    return list(employment.portfolio.order_by(PortfolioItem.issued_on.desc(nulls='LAST'),
                                              PortfolioItem.id.desc()))


def _scan_fields(scan):
    """Columns for a new scan ((name, kind, size, original) or None: no scan)."""
    if scan is None:
        return {'scan_name': '', 'scan_type': '', 'scan_size': None, 'scan_original': ''}
    name, kind, size, original = scan
    return {'scan_name': name, 'scan_type': kind, 'scan_size': size, 'scan_original': original[:255]}


def checked_scan(data, file_name):
    """(kind, data, original name) of an upload that passed the checks; Refused otherwise."""
    original = _clean(file_name.replace('\\', '/').rsplit('/', 1)[-1])
    return scans.check(data, original), data, original


def add_item(employment, values, scan, root):
    """A new item; ``scan`` is what :func:`checked_scan` returned, or None."""
    stored = _store(scan, root)
    try:
        with write_transaction():
            return PortfolioItem.create(employment=employment, **values, **_scan_fields(stored))
    except Exception:
        _discard(stored, root)
        raise


def update_item(item, version, values, scan, remove_scan, root):
    """Save the item if nobody changed it since ``version``; a new scan replaces the old one."""
    stored = _store(scan, root)
    old = item.scan_name
    changes = dict(values)
    if stored is not None or remove_scan:
        changes.update(_scan_fields(stored))
    try:
        with write_transaction():
            if version is None:
                raise Refused('Форма устарела: обновите страницу и внесите изменения ещё раз.')
            save_versioned(item, version, **changes)
    except Exception:
        _discard(stored, root)
        raise
    if old and item.scan_name != old:
        scans.remove(root, old)
    return item


def delete_item(item, root):
    with write_transaction():
        deleted = PortfolioItem.delete().where(PortfolioItem.id == item.id).execute()
    if deleted and item.scan_name:
        scans.remove(root, item.scan_name)
    return deleted


def _store(scan, root):
    if scan is None:
        return None
    kind, data, original = scan
    return scans.store(root, data, kind), kind, len(data), original


def _discard(stored, root):
    if stored is not None:
        scans.remove(root, stored[0])


def dismissed_refusal(employment):
    return (f'Сотрудник уволен {employment.dismissed_on.strftime("%d.%m.%Y")}: его портфолио только '
            'для чтения.')
