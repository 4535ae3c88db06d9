"""The region's staff settings: the positions offered on the card and the fields a complete card
and portfolio need.  Both live on the region (``Region.staff_positions``,
``Region.staff_fill_fields``); an empty setting means the defaults below."""
import json

DEFAULT_POSITIONS = (
    'Директор', 'Заместитель директора', 'Руководитель структурного подразделения',
    'Педагог дополнительного образования', 'Старший педагог дополнительного образования',
    'Методист', 'Старший методист', 'Педагог-организатор', 'Педагог-психолог',
    'Социальный педагог', 'Концертмейстер', 'Тренер-преподаватель',
    'Старший тренер-преподаватель', 'Педагог-библиотекарь',
)

# Card fields a region may require: code → (label, the anchor of its input on the card).
CARD_FIELDS = {
    'patronymic': ('Отчество (или отметка «Нет отчества»)', 'patronymic'),
    'snils': ('СНИЛС', 'snils'),
    'position': ('Должность', 'position'),
    'started_on': ('Дата приёма на работу', 'started_on'),
    'education': ('Образование: уровень, учреждение, год окончания, специальность', 'education'),
    'qualification': ('Квалификационная категория (для присвоенной — дата и номер приказа)',
                      'qualification_category'),
    'experience': ('Общий стаж', 'experience_years'),
    'pedagogical_experience': ('Педагогический стаж', 'pedagogical_experience_years'),
    'work_phone': ('Рабочий телефон', 'work_phone'),
    'work_email': ('Рабочая электронная почта', 'work_email'),
    'esia': ('Связь с Госуслугами (сотрудник входит через ЕСИА)', 'esia'),
}
DEFAULT_CARD_FIELDS = ('snils', 'position', 'started_on', 'education', 'qualification',
                       'experience', 'pedagogical_experience', 'work_phone', 'work_email')

# Portfolio checks: code → label.  See README «Сведения о сотрудниках» for what each one means.
PORTFOLIO_FIELDS = {
    'recent_course': 'Курсы повышения квалификации за последние 3 года',
    'attestation': 'Аттестация за последние 5 лет',
    'complete_items': ('Сведения о каждом документе портфолио: дата и кем выдан, для курсов — '
                       'часы и номер документа'),
}
DEFAULT_PORTFOLIO_FIELDS = ('recent_course', 'attestation', 'complete_items')


def positions_of(region):
    """The positions a card offers in this region, in the region's order."""
    lines = [line.strip() for line in (region.staff_positions or '').splitlines()]
    return [line for line in lines if line] or list(DEFAULT_POSITIONS)


def required_fields(region):
    """(card codes, portfolio codes) the region requires; unknown codes are ignored."""
    try:
        chosen = json.loads(region.staff_fill_fields) if region.staff_fill_fields else {}
    except ValueError:
        chosen = {}
    if not isinstance(chosen, dict):
        chosen = {}
    card = chosen.get('card', DEFAULT_CARD_FIELDS)
    portfolio = chosen.get('portfolio', DEFAULT_PORTFOLIO_FIELDS)
    return (tuple(code for code in CARD_FIELDS if code in card),
            tuple(code for code in PORTFOLIO_FIELDS if code in portfolio))
