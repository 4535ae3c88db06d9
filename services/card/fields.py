"""The fields of «Карточка ОО»: code → (label, section, anchor of its input on the card).

The card helper of each section reads its fields from here; the fill counts the region's
required ones (DEFAULT_REQUIRED until the region chooses its own).
"""
SECTIONS = {
    'general': 'Общие сведения',
    'management': 'Руководство',
    'contacts': 'Контакты',
    'requisites': 'Реквизиты',
    'licence': 'Лицензия',
    'conditions': 'Условия',
    'internet': 'Интернет',
}

FIELDS = {
    'full_name': ('Полное наименование', 'general'),
    'short_name': ('Краткое наименование', 'general'),
    'legal_form': ('Организационно-правовая форма', 'general'),
    'founders': ('Учредители', 'general'),
    'director': ('Руководитель', 'management'),
    'deputies': ('Заместители руководителя', 'management'),
    'legal_address': ('Юридический адрес', 'contacts'),
    'actual_address': ('Фактический адрес', 'contacts'),
    'phone': ('Телефон', 'contacts'),
    'email': ('Электронная почта', 'contacts'),
    'website': ('Официальный сайт', 'contacts'),
    'inn': ('ИНН', 'requisites'),
    'kpp': ('КПП', 'requisites'),
    'ogrn': ('ОГРН', 'requisites'),
    'okpo': ('ОКПО', 'requisites'),
    'licence_number': ('Номер лицензии', 'licence'),
    'licence_date': ('Дата выдачи лицензии', 'licence'),
    'capacity': ('Проектная мощность', 'conditions'),
    'accessibility': ('Доступная среда', 'conditions'),
    'internet': ('Подключение к интернету', 'internet'),
}
DEFAULT_REQUIRED = tuple(FIELDS)


def label_of(code):
    """(label, anchor) of a card field: the anchor is the input's id on the card page."""
    return FIELDS[code][0], f'field-{code}'
