"""The fields of «Карточка ОО»: code → (label, section), and how each one is typed.

The card page lays its sections out from here; the fill counts the region's required ones
(DEFAULT_REQUIRED until the region chooses its own) plus the region's own required parameters,
whose codes are ``param-<id>`` in the section «Параметры региона».
"""
SECTIONS = {
    'general': 'Общие сведения',
    'management': 'Руководство',
    'contacts': 'Контакты',
    'requisites': 'Реквизиты',
    'licence': 'Лицензия',
    'conditions': 'Условия',
    'internet': 'Интернет',
    'region': 'Параметры региона',
}

FIELDS = {
    'full_name': ('Полное наименование', 'general'),
    'short_name': ('Краткое наименование', 'general'),
    'legal_form': ('Организационно-правовая форма', 'general'),
    'organisation_type': ('Тип организации', 'general'),
    'founders': ('Учредители', 'general'),
    'founded_on': ('Дата создания', 'general'),
    'status': ('Статус', 'general'),
    'director': ('Руководитель', 'management'),
    'deputies': ('Заместители руководителя', 'management'),
    'legal_address': ('Юридический адрес', 'contacts'),
    'actual_address': ('Фактический адрес', 'contacts'),
    'buildings': ('Дополнительные здания', 'contacts'),
    'phone': ('Телефоны', 'contacts'),
    'email': ('Электронная почта', 'contacts'),
    'website': ('Официальный сайт', 'contacts'),
    'inn': ('ИНН', 'requisites'),
    'kpp': ('КПП', 'requisites'),
    'ogrn': ('ОГРН', 'requisites'),
    'okpo': ('ОКПО', 'requisites'),
    'okato': ('ОКАТО', 'requisites'),
    'oktmo': ('ОКТМО', 'requisites'),
    'okogu': ('ОКОГУ', 'requisites'),
    'okopf': ('ОКОПФ', 'requisites'),
    'okfs': ('ОКФС', 'requisites'),
    'okved': ('ОКВЭД (основной)', 'requisites'),
    'bank_name': ('Банк', 'requisites'),
    'bik': ('БИК банка', 'requisites'),
    'settlement_account': ('Расчётный счёт', 'requisites'),
    'correspondent_account': ('Корреспондентский счёт', 'requisites'),
    'licence_number': ('Номер лицензии', 'licence'),
    'licence_date': ('Дата выдачи лицензии', 'licence'),
    'licence_issuer': ('Кем выдана лицензия', 'licence'),
    'licence_url': ('Ссылка на лицензию в реестре или её скан', 'licence'),
    'licence_scan': ('Скан лицензии', 'licence'),
    'capacity': ('Проектная мощность, мест', 'conditions'),
    'capacity_per_shift': ('Мест в одну смену', 'conditions'),
    'shifts': ('Число смен', 'conditions'),
    'accessibility': ('Доступная (безбарьерная) среда', 'conditions'),
    'video_surveillance': ('Видеонаблюдение', 'conditions'),
    'internet': ('Интернет-провайдер', 'internet'),
    'internet_technology': ('Технология подключения', 'internet'),
    'internet_speed_contract': ('Скорость по договору, Мбит/с', 'internet'),
    'internet_speed_actual': ('Фактическая скорость, Мбит/с', 'internet'),
    'content_filtering': ('Контентная фильтрация', 'internet'),
    'computers': ('Компьютеров с доступом в интернет', 'internet'),
}

# How a field is typed on the card; anything not named is one line of text.
TEXTAREAS = ('founders', 'buildings', 'accessibility')
WIDE = TEXTAREAS + ('full_name', 'director', 'legal_address', 'actual_address', 'licence_url')
DATES = ('founded_on', 'licence_date')
NUMBERS = {'capacity': 100_000, 'capacity_per_shift': 100_000, 'shifts': 3,
           'internet_speed_contract': 100_000, 'internet_speed_actual': 100_000, 'computers': 100_000}
STATUSES = {'active': 'Действующая', 'reorganising': 'В стадии реорганизации',
            'liquidating': 'В стадии ликвидации'}
YES_NO = {'yes': 'Есть', 'no': 'Нет'}
TECHNOLOGIES = {'fiber': 'Оптоволокно', 'adsl': 'ADSL (телефонная линия)', 'radio': 'Радиодоступ',
                'mobile': 'Мобильная сеть (3G/4G/5G)', 'satellite': 'Спутник', 'other': 'Другая'}
CHOICES = {'status': STATUSES, 'video_surveillance': YES_NO, 'content_filtering': YES_NO,
           'internet_technology': TECHNOLOGIES}
STAFF = ('director', 'deputies')  # chosen from the organisation's current staff
FILES = ('licence_scan',)  # a PDF, JPEG or PNG kept outside static/ (services/card/licence.py)
# A link to the licence or its scan: either fills «Ссылка на лицензию в реестре или её скан».
EITHER = {'licence_url': 'licence_scan'}
LENGTHS = {'full_name': 1000, 'short_name': 255, 'legal_form': 200, 'organisation_type': 200,
           'founders': 2000, 'legal_address': 500, 'actual_address': 500, 'buildings': 2000,
           'phone': 100, 'email': 200, 'website': 200, 'bank_name': 300, 'licence_number': 100,
           'licence_issuer': 500, 'licence_url': 500, 'accessibility': 2000, 'internet': 200}
HINTS = {
    'phone': 'Несколько номеров — через запятую; сохраняются в виде +7 (XXX) XXX-XX-XX.',
    'inn': '10 цифр (для организации).', 'kpp': '9 знаков.', 'ogrn': '13 цифр.',
    'okpo': '8 или 10 цифр.', 'okato': '11 цифр.', 'oktmo': '8 или 11 цифр.', 'okogu': '7 цифр.',
    'okopf': '5 цифр.', 'okfs': '2 цифры.', 'okved': 'Например, 85.41.', 'bik': '9 цифр, начинается с 04 или 01.',
    'settlement_account': '20 цифр.', 'correspondent_account': '20 цифр, начинается с 301.',
    'buildings': 'По одному адресу в строке.', 'website': 'Например, https://cdt.edu65.ru',
    'licence_url': 'Адрес записи в реестре лицензий, https://… — или загрузите скан ниже.',
    'licence_scan': 'PDF, JPEG или PNG, не больше 5 МБ.',
}

# Not required until the region says so: not every organisation has them.
OPTIONAL = ('buildings', 'okato', 'correspondent_account', 'licence_scan')
DEFAULT_REQUIRED = tuple(code for code in FIELDS if code not in OPTIONAL)
PARAMETER = 'param-'


def section_fields(section):
    return [code for code, (_, of) in FIELDS.items() if of == section]


def label_of(code):
    """(label, anchor) of a standard card field: the anchor is the input's id on the card page."""
    return FIELDS[code][0], f'field-{code}'


def parameter_code(parameter_id):
    return f'{PARAMETER}{parameter_id}'
