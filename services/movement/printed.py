"""An order as the document an office files: its title, the operative points per kind, the
lists they name and who signs.  Plain data for the print template; no Flask here."""
import re
from dataclasses import dataclass, field

from models import WITHDRAWAL_REASONS, Employment, Order
from services.card import director_of
from services.common import ru_date

TITLES = {
    Order.ENROLMENT: 'О зачислении обучающихся',
    Order.WITHDRAWAL: 'Об отчислении обучающихся',
    Order.TRANSFER: 'О переводе обучающихся из одного объединения в другое',
    Order.NEXT_YEAR: 'О переводе обучающихся на следующий год обучения',
    Order.REPEAT: 'Об оставлении обучающихся на повторное обучение',
    Order.GRADUATION: 'О выпуске обучающихся',
}
# The list's columns after «№» and «Фамилия, имя, отчество обучающегося»: where the order
# names both объединения in its point, the list repeats neither.
EXTRA_COLUMNS = {Order.WITHDRAWAL: ('Причина выбытия', 'Куда выбыл')}
HEAD_POSITIONS = ('директор', 'заведующий', 'заведующая', 'начальник', 'руководитель')
DEFAULT_HEAD_POSITION = 'Директор'


@dataclass
class Point:
    """One numbered point of the order: its sentence and the children it names, each as
    (line, the cells of ``EXTRA_COLUMNS``)."""
    wording: str
    rows: list = field(default_factory=list)


def _named(association):
    return f'«{association.name}»' if association is not None else '«…»'


def _program(association):
    program = association.program if association is not None and association.program_id else None
    return f' по программе «{program.name}»' if program is not None else ''


def _study_year(association):
    return f'{association.study_year}-й год обучения' if association is not None else 'год обучения'


def wording(order, source, target):
    """The operative sentence of one point, ending with «следующих обучающихся:»."""
    since = f' с {ru_date(order.act_date)} г.' if order.act_date else ''
    kind = order.kind
    if kind == Order.ENROLMENT:
        text = f'Зачислить в объединение {_named(target)}{_program(target)}{since}'
    elif kind == Order.WITHDRAWAL:
        text = f'Отчислить из объединения {_named(source)}{since}'
    elif kind == Order.TRANSFER:
        text = f'Перевести из объединения {_named(source)} в объединение {_named(target)}{since}'
    elif kind == Order.NEXT_YEAR:
        text = (f'Перевести на {_study_year(target)} из объединения {_named(source)} в '
                f'объединение {_named(target)}{_program(target)}{since}')
    elif kind == Order.REPEAT:
        text = (f'Оставить на повторное обучение ({_study_year(target)}) в объединении '
                f'{_named(target)}{_program(target)}{since}')
    else:
        text = (f'Отчислить из объединения {_named(source)} в связи с завершением обучения'
                f'{_program(source)}{since}')
    return text + ' следующих обучающихся:'


def points(order, lines):
    """The order's points: one per объединение (per pair of them for a transfer), in the order
    the lines' объединения sort, each with its children in the list's order."""
    groups = {}
    for line in lines:
        source = line.association_from if line.association_from_id else None
        target = line.association_to if line.association_to_id else None
        key = (source.name if source else '', target.name if target else '',
               line.association_from_id or 0, line.association_to_id or 0)
        groups.setdefault(key, (source, target, []))[2].append(line)
    return [Point(wording(order, source, target), [(line, extra_cells(order, line)) for line in group])
            for _, (source, target, group) in sorted(groups.items(), key=lambda item: item[0])]


def extra_cells(order, line):
    """The cells of ``EXTRA_COLUMNS`` for one line."""
    if order.kind == Order.WITHDRAWAL:
        return (WITHDRAWAL_REASONS.get(line.reason, ''), line.destination)
    return ()


def initials(full_name):
    """«Петрова Мария Ивановна» → «М. И. Петрова», as a signature line writes the name."""
    parts = (full_name or '').split()
    if not parts:
        return ''
    surname, given = parts[0], parts[1:3]
    return ' '.join([f'{part[0]}.' for part in given] + [surname])


def head_position(organisation, director=None):
    """The position of the organisation's head: the director's chosen on the card, else as its
    staff records name it («Директор», «Заведующий»), or «Директор»."""
    if director is not None:
        return director.position[:1].upper() + director.position[1:]
    position = (Employment.select(Employment.position)
                .where(Employment.organisation == organisation, Employment.dismissed_on.is_null(),
                       Employment.position.in_([p.capitalize() for p in HEAD_POSITIONS]
                                               + list(HEAD_POSITIONS)))
                .order_by(Employment.id).scalar())
    return position.capitalize() if position else DEFAULT_HEAD_POSITION


def settlement_as_written(settlement):
    """«Южно-Сахалинск, г.» (the registry's order) → «г. Южно-Сахалинск» (a document's)."""
    if settlement is None:
        return ''
    found = re.fullmatch(r'(.+?),\s*([а-яё]+\.?)', settlement.name.strip())
    return f'{found.group(2)} {found.group(1)}' if found else settlement.name


def document(order, lines):
    """Everything the printed order shows beyond the order itself."""
    organisation = order.organisation
    director = director_of(organisation)
    return {
        'title': TITLES.get(order.kind, order.kind_label),
        'points': points(order, lines),
        'extra_columns': EXTRA_COLUMNS.get(order.kind, ()),
        'place': settlement_as_written(organisation.settlement if organisation.settlement_id else None),
        'head_position': head_position(organisation, director),
        'head_name': initials(director.person.full_name if director else ''),
    }
