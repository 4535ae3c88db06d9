"""The demo region: a Sakhalin-like region with organisations, staff and children.

A plain module (no Flask).  The caller initialises ``models.db`` on an empty,
migrated database and calls :func:`load_demo_region`; :func:`demo_sign_ins`
lists the demo accounts and :func:`print_progress` is a progress printer for
command-line callers.

Speed: rows are generated in memory in chunks of children and written in bulk
(COPY on PostgreSQL, ``executemany`` on SQLite) with ids chosen here, so related
rows reference each other without round trips.  The normalised key columns are
filled exactly as the models' ``save()`` methods fill them.  Everything random
comes from one ``random.Random(seed)``, so a seed and a date give one region.
"""
import bisect
import datetime
import queue
import sys
import threading
import zlib
from itertools import accumulate

from peewee import PostgresqlDatabase

import models
from models import (
    Association, Employment, IdentityDocument, Membership, Municipality, Order,
    OrderLine, Organisation, Person, PortfolioItem, Program, Region, Role,
    SchoolYear, Settlement, User, UserRole,
)
from services.documents import snils_check_number
from services.normalize import document_key, name_key

DEMO_PASSWORD = 'Demo-2024!'

# Fixed, valid СНИЛС of the demo accounts (digits only, as stored).
DEMO_SNILS = {
    'odo-admin': '11223344595',      # 112-233-445 95
    'odo-teacher': '12345678964',    # 123-456-789 64
    'uo-specialist': '34567891226',  # 345-678-912 26
    'child-13': '45678912344',       # 456-789-123 44
    'child-15': '56789123453',       # 567-891-234 53
}

REGION_NAME = 'Сахалинская обл'
REGION_CODE = '65'
HOME_MUNICIPALITY = 'Городской округ Южно-Сахалинск'
HOME_SETTLEMENT = 'Южно-Сахалинск, г.'
HOME_ODO = 'МАУДО Центр детского творчества'
HOME_ODO_FULL = ('Муниципальное автономное учреждение дополнительного образования '
                 'Центр детского творчества')
REGIONAL_BODY = 'Министерство образования Сахалинской области'

CHUNK = 20000  # children generated and written per transaction

# --- Places ---------------------------------------------------------------------
# name, kind, population weight, genitive, dative, ЗАГС (genitive), phone code,
# passport division code, post code, settlements (name, «в названиях», weight).
MUNICIPALITIES = [
    ('Городской округ Южно-Сахалинск', 'city_district', 200,
     'города Южно-Сахалинска', 'городу Южно-Сахалинску', 'города Южно-Сахалинска',
     '4242', '650-001', '693000',
     [('Южно-Сахалинск, г.', 'г. Южно-Сахалинска', 90), ('Хомутово, с.', 'с. Хомутово', 2),
      ('Синегорск, с.', 'с. Синегорск', 2), ('Березняки, с.', 'с. Березняки', 2),
      ('Дальнее, с.', 'с. Дальнее', 2), ('Санаторное, с.', 'с. Санаторное', 1)]),
    ('Александровск-Сахалинский муниципальный округ', 'municipal_okrug', 9,
     'Александровск-Сахалинского муниципального округа',
     'Александровск-Сахалинскому муниципальному округу', 'Александровск-Сахалинского района',
     '42434', '650-002', '694420',
     [('Александровск-Сахалинский, г.', 'г. Александровск-Сахалинского', 85),
      ('Мгачи, с.', 'с. Мгачи', 5), ('Арково, с.', 'с. Арково', 4), ('Хоэ, с.', 'с. Хоэ', 3),
      ('Виахту, с.', 'с. Виахту', 3)]),
    ('Анивский городской округ', 'city_district', 20,
     'Анивского городского округа', 'Анивскому городскому округу', 'Анивского района',
     '42441', '650-003', '694030',
     [('Анива, г.', 'г. Анивы', 45), ('Троицкое, с.', 'с. Троицкое', 20),
      ('Новотроицкое, с.', 'с. Новотроицкое', 12), ('Огоньки, с.', 'с. Огоньки', 10),
      ('Успенское, с.', 'с. Успенское', 8), ('Таранай, с.', 'с. Таранай', 5)]),
    ('Долинский городской округ', 'city_district', 22,
     'Долинского городского округа', 'Долинскому городскому округу', 'Долинского района',
     '42442', '650-004', '694051',
     [('Долинск, г.', 'г. Долинска', 55), ('Сокол, с.', 'с. Сокол', 15), ('Быков, с.', 'с. Быков', 10),
      ('Стародубское, с.', 'с. Стародубское', 8), ('Покровка, с.', 'с. Покровка', 7),
      ('Взморье, с.', 'с. Взморье', 5)]),
    ('Корсаковский городской округ', 'city_district', 40,
     'Корсаковского городского округа', 'Корсаковскому городскому округу', 'Корсаковского района',
     '42435', '650-005', '694020',
     [('Корсаков, г.', 'г. Корсакова', 80), ('Озерский, с.', 'с. Озерский', 6),
      ('Соловьёвка, с.', 'с. Соловьёвка', 4), ('Раздольное, с.', 'с. Раздольное', 4),
      ('Новиково, с.', 'с. Новиково', 3), ('Чапаево, с.', 'с. Чапаево', 3)]),
    ('Курильский городской округ', 'city_district', 6,
     'Курильского городского округа', 'Курильскому городскому округу', 'Курильского района',
     '42454', '650-006', '694530',
     [('Курильск, г.', 'г. Курильска', 45), ('Рейдово, с.', 'с. Рейдово', 25),
      ('Китовый, с.', 'с. Китовый', 15), ('Горячие Ключи, с.', 'с. Горячие Ключи', 15)]),
    ('Макаровский городской округ', 'city_district', 6.5,
     'Макаровского городского округа', 'Макаровскому городскому округу', 'Макаровского района',
     '42443', '650-007', '694140',
     [('Макаров, г.', 'г. Макарова', 75), ('Восток, с.', 'с. Восток', 10),
      ('Поречье, с.', 'с. Поречье', 8), ('Новое, с.', 'с. Новое', 7)]),
    ('Невельский городской округ', 'city_district', 15,
     'Невельского городского округа', 'Невельскому городскому округу', 'Невельского района',
     '42436', '650-008', '694740',
     [('Невельск, г.', 'г. Невельска', 65), ('Горнозаводск, с.', 'с. Горнозаводск', 20),
      ('Шебунино, с.', 'с. Шебунино', 8), ('Ясноморский, с.', 'с. Ясноморский', 7)]),
    ('Ногликский муниципальный округ', 'municipal_okrug', 10,
     'Ногликского муниципального округа', 'Ногликскому муниципальному округу', 'Ногликского района',
     '42444', '650-009', '694450',
     [('Ноглики, пгт', 'пгт Ноглики', 85), ('Вал, с.', 'с. Вал', 8), ('Ныш, с.', 'с. Ныш', 7)]),
    ('Охинский муниципальный округ', 'municipal_okrug', 19,
     'Охинского муниципального округа', 'Охинскому муниципальному округу', 'Охинского района',
     '42437', '650-010', '694490',
     [('Оха, г.', 'г. Охи', 90), ('Некрасовка, с.', 'с. Некрасовка', 5),
      ('Москальво, с.', 'с. Москальво', 3), ('Тунгор, с.', 'с. Тунгор', 2)]),
    ('Поронайский городской округ', 'city_district', 21,
     'Поронайского городского округа', 'Поронайскому городскому округу', 'Поронайского района',
     '42431', '650-011', '694240',
     [('Поронайск, г.', 'г. Поронайска', 70), ('Вахрушев, с.', 'с. Вахрушев', 12),
      ('Леонидово, с.', 'с. Леонидово', 7), ('Гастелло, с.', 'с. Гастелло', 6),
      ('Тихменево, с.', 'с. Тихменево', 5)]),
    ('Северо-Курильский городской округ', 'city_district', 2.5,
     'Северо-Курильского городского округа', 'Северо-Курильскому городскому округу',
     'Северо-Курильского района', '42453', '650-012', '694550',
     [('Северо-Курильск, г.', 'г. Северо-Курильска', 100)]),
    ('Смирныховский муниципальный район', 'municipal_district', 11,
     'Смирныховского муниципального района', 'Смирныховскому муниципальному району',
     'Смирныховского района', '42452', '650-013', '694350',
     [('Смирных, пгт', 'пгт Смирных', 60), ('Победино, с.', 'с. Победино', 10),
      ('Онор, с.', 'с. Онор', 10), ('Первомайск, с.', 'с. Первомайск', 10),
      ('Буюклы, с.', 'с. Буюклы', 10)]),
    ('Томаринский городской округ', 'city_district', 8,
     'Томаринского городского округа', 'Томаринскому городскому округу', 'Томаринского района',
     '42446', '650-014', '694820',
     [('Томари, г.', 'г. Томари', 65), ('Красногорск, с.', 'с. Красногорск', 20),
      ('Ильинский, с.', 'с. Ильинский', 10), ('Пензенское, с.', 'с. Пензенское', 5)]),
    ('Тымовский муниципальный район', 'municipal_district', 13,
     'Тымовского муниципального района', 'Тымовскому муниципальному району', 'Тымовского района',
     '42447', '650-015', '694400',
     [('Тымовское, пгт', 'пгт Тымовское', 60), ('Кировское, с.', 'с. Кировское', 12),
      ('Адо-Тымово, с.', 'с. Адо-Тымово', 10), ('Воскресеновка, с.', 'с. Воскресеновка', 10),
      ('Арги-Паги, с.', 'с. Арги-Паги', 8)]),
    ('Углегорский муниципальный округ', 'municipal_okrug', 20,
     'Углегорского муниципального округа', 'Углегорскому муниципальному округу',
     'Углегорского района', '42432', '650-016', '694920',
     [('Углегорск, г.', 'г. Углегорска', 55), ('Шахтёрск, пгт', 'пгт Шахтёрск', 30),
      ('Бошняково, с.', 'с. Бошняково', 5), ('Лесогорское, с.', 'с. Лесогорское', 5),
      ('Краснополье, с.', 'с. Краснополье', 5)]),
    ('Холмский муниципальный округ', 'municipal_okrug', 38,
     'Холмского муниципального округа', 'Холмскому муниципальному округу', 'Холмского района',
     '42433', '650-017', '694620',
     [('Холмск, г.', 'г. Холмска', 75), ('Чехов, с.', 'с. Чехов', 7), ('Правда, с.', 'с. Правда', 6),
      ('Яблочный, с.', 'с. Яблочный', 5), ('Костромское, с.', 'с. Костромское', 4),
      ('Пионеры, с.', 'с. Пионеры', 3)]),
    ('Южно-Курильский городской округ', 'city_district', 12,
     'Южно-Курильского городского округа', 'Южно-Курильскому городскому округу',
     'Южно-Курильского района', '42455', '650-018', '694500',
     [('Южно-Курильск, пгт', 'пгт Южно-Курильск', 65), ('Малокурильское, с.', 'с. Малокурильское', 15),
      ('Крабозаводское, с.', 'с. Крабозаводское', 10), ('Головнино, с.', 'с. Головнино', 10)]),
]

STREETS = ['Ленина', 'Мира', 'Советская', 'Комсомольская', 'Сахалинская', 'Пограничная',
           'Чехова', 'Пушкина', 'Горького', 'Победы', 'Школьная', 'Октябрьская', 'Садовая',
           'Лесная', 'Набережная', 'Молодёжная', 'Центральная', 'Вокзальная', 'Гагарина',
           'Невельского', 'Крюкова', 'Емельянова', 'Есенина', 'Украинская', 'Полевая']

# --- Programs -------------------------------------------------------------------
# focus → (name, short name for объединения, years, age from, age to, hours a week)
PROGRAM_CATALOG = {
    'technical': [
        ('Робототехника', 'Робо', 2, 10, 17, 4), ('Лего-конструирование', 'Лего', 2, 5, 9, 2),
        ('3D-моделирование', '3D', 2, 11, 17, 4), ('Начальное техническое моделирование', 'НТМ', 1, 7, 11, 2),
        ('Судомоделирование', 'Судомод', 3, 9, 16, 4), ('Авиамоделирование', 'Авиамод', 3, 9, 16, 4),
        ('Программирование на Python', 'Python', 2, 12, 18, 4), ('Радиоэлектроника', 'Радио', 2, 11, 17, 4),
        ('Юный инженер', 'Инженер', 1, 8, 12, 2), ('Картинг', 'Картинг', 3, 10, 17, 6),
    ],
    'natural_science': [
        ('Юные экологи', 'Эколог', 1, 7, 12, 2), ('Юный натуралист', 'Натуралист', 2, 8, 13, 2),
        ('Занимательная химия', 'Химия', 1, 12, 16, 2), ('Астрономия для школьников', 'Астро', 1, 11, 17, 2),
        ('Морская биология Сахалина', 'Морбио', 2, 12, 17, 3), ('Юный исследователь', 'Исслед', 1, 9, 14, 2),
        ('Цветоводство', 'Цветы', 1, 7, 14, 2),
    ],
    'sport': [
        ('Шахматы', 'Шахматы', 3, 6, 16, 4), ('Футбол', 'Футбол', 4, 7, 17, 6), ('Волейбол', 'Волейбол', 3, 10, 17, 6),
        ('Дзюдо', 'Дзюдо', 4, 7, 17, 6), ('Лыжные гонки', 'Лыжи', 3, 9, 17, 6),
        ('Настольный теннис', 'Теннис', 2, 8, 17, 4), ('Спортивная гимнастика', 'Гимнаст', 4, 5, 14, 6),
        ('Самбо', 'Самбо', 3, 8, 17, 6), ('Общая физическая подготовка', 'ОФП', 1, 5, 10, 2),
    ],
    'arts': [
        ('Бисероплетение', 'Бисер', 3, 7, 15, 4), ('Вокальная студия «Звонкие голоса»', 'Вокал', 4, 7, 17, 4),
        ('Хореографический ансамбль «Улыбка»', 'Хорео', 4, 5, 16, 6), ('Изостудия «Палитра»', 'Изо', 3, 6, 15, 4),
        ('Мир оригами', 'Оригами', 1, 5, 10, 2), ('Театральная студия «Маска»', 'Театр', 3, 8, 17, 4),
        ('Гитара', 'Гитара', 2, 10, 18, 2), ('Декоративно-прикладное творчество', 'ДПИ', 2, 7, 14, 4),
        ('Керамика', 'Керамика', 2, 8, 16, 4), ('Фотостудия «Кадр»', 'Фото', 1, 12, 18, 2),
        ('Мягкая игрушка', 'Игрушка', 1, 6, 12, 2),
    ],
    'tourism': [
        ('Юный турист', 'Турист', 2, 10, 16, 4), ('Мой Сахалин', 'Краевед', 1, 10, 15, 2),
        ('Спортивное ориентирование', 'Ориент', 2, 9, 17, 4), ('Школьный музей', 'Музей', 1, 11, 17, 2),
        ('Юные экскурсоводы', 'Экскурс', 1, 12, 17, 2), ('Скалолазание', 'Скалол', 2, 10, 17, 4),
    ],
    'social': [
        ('Лидер', 'Лидер', 1, 12, 17, 2), ('Юный журналист', 'Журналист', 2, 11, 17, 2),
        ('ЮИД «Светофор»', 'ЮИД', 1, 9, 13, 2), ('Английский для малышей', 'Англ', 2, 5, 8, 2),
        ('Школа вожатых', 'Вожатый', 1, 14, 18, 2), ('Волонтёры Победы', 'Волонтёр', 1, 13, 18, 2),
        ('Дебаты', 'Дебаты', 1, 13, 18, 2), ('Подготовка к школе «Умники и умницы»', 'Умники', 1, 5, 7, 2),
    ],
}
# The home ОДО's programs; the demo teacher teaches the technical ones.
HOME_ODO_PROGRAMS = ['Робототехника', '3D-моделирование', 'Лего-конструирование', 'Бисероплетение',
                     'Вокальная студия «Звонкие голоса»', 'Хореографический ансамбль «Улыбка»',
                     'Юные экологи', 'Шахматы', 'Юный турист', 'Мой Сахалин', 'Лидер',
                     'Юный журналист']
HOME_TEACHER_PROGRAMS = ('Робототехника', '3D-моделирование', 'Лего-конструирование')

# ОДО types: short stem, full stem, favoured focus (None: all).
ODO_TYPES = [
    ('Дом детского творчества', None), ('Детско-юношеская спортивная школа', 'sport'),
    ('Станция юных техников', 'technical'), ('Центр внешкольной работы', None),
    ('Детская школа искусств', 'arts'), ('Станция юных натуралистов', 'natural_science'),
    ('Центр детско-юношеского туризма и экскурсий', 'tourism'),
    ('Центр дополнительного образования детей', None), ('Детско-юношеский центр', None),
]
KINDERGARTEN_NAMES = ['Солнышко', 'Ромашка', 'Теремок', 'Колокольчик', 'Радуга', 'Светлячок',
                      'Журавушка', 'Берёзка', 'Сказка', 'Золотой ключик', 'Рябинка', 'Одуванчик',
                      'Звёздочка', 'Улыбка', 'Родничок', 'Чебурашка', 'Алёнушка', 'Ёлочка', 'Лучик',
                      'Аленький цветочек', 'Буратино', 'Дюймовочка', 'Малыш', 'Росинка', 'Снежинка',
                      'Белочка', 'Золотая рыбка', 'Кораблик', 'Непоседы', 'Незабудка']
COLLEGE_NAMES = ['Сахалинский техникум сервиса', 'Сахалинский базовый медицинский колледж',
                 'Сахалинский педагогический колледж', 'Сахалинский индустриальный техникум',
                 'Сахалинский колледж искусств', 'Сахалинский техникум отраслевых технологий и сервиса',
                 'Сахалинский техникум строительства и жилищно-коммунального хозяйства',
                 'Сахалинский горный техникум', 'Сахалинский техникум механизации лесного хозяйства']
COLLEGE_SPECIALITIES = ['ПК', 'ТМ', 'ДО', 'ЭМ', 'СВ', 'АТ', 'ИС', 'МС']
KG_AGE_LABELS = ['Младшая', 'Средняя', 'Старшая', 'Подготовительная']
LOWER_LETTERS = 'абвгдежзиклмнопрстуфхцчшэюя'
UPPER_LETTERS = LOWER_LETTERS.upper()

SUBJECT_TEACHERS = ['Учитель математики', 'Учитель русского языка и литературы', 'Учитель истории',
                    'Учитель английского языка', 'Учитель физической культуры', 'Учитель информатики',
                    'Учитель биологии', 'Учитель физики', 'Учитель химии', 'Учитель географии',
                    'Педагог-психолог', 'Социальный педагог', 'Учитель-логопед']
EDUCATIONS = [
    'Высшее, Сахалинский государственный университет, «Педагогическое образование»',
    'Высшее, Южно-Сахалинский государственный педагогический институт, «Педагогика и методика начального образования»',
    'Высшее, Дальневосточный федеральный университет, «Психолого-педагогическое образование»',
    'Среднее профессиональное, Сахалинский педагогический колледж, «Дошкольное образование»',
    'Среднее профессиональное, Сахалинский педагогический колледж, «Преподавание в начальных классах»',
    'Высшее, Хабаровский государственный институт культуры, «Народная художественная культура»',
    'Высшее, Тихоокеанский государственный университет, «Информатика и вычислительная техника»',
    'Среднее профессиональное, Сахалинский колледж искусств, «Хореографическое творчество»',
    'Высшее, Сахалинский государственный университет, «Физическая культура»',
    'Высшее, Дальневосточный государственный гуманитарный университет, «Филология»',
]
PORTFOLIO = {
    'course': ['Курсы «Современные образовательные технологии в дополнительном образовании детей»',
               'Курсы «Оказание первой помощи»', 'Курсы «Организация работы с одарёнными детьми»',
               'Курсы «Инклюзивное образование детей с ОВЗ»'],
    'qualification': ['Повышение квалификации «Проектирование дополнительных общеразвивающих программ»',
                      'Повышение квалификации «Цифровая образовательная среда»',
                      'Повышение квалификации «Навигатор дополнительного образования: работа с системой»',
                      'Повышение квалификации «Реализация обновлённых ФГОС»'],
    'award': ['Почётная грамота Министерства образования Сахалинской области',
              'Благодарственное письмо управления образования',
              'Грамота Министерства просвещения Российской Федерации',
              'Нагрудный знак «Почётный работник воспитания и просвещения Российской Федерации»'],
    'publication': ['Статья «Робототехника как средство развития инженерного мышления»',
                    'Методическая разработка «Нетрадиционные техники рисования»',
                    'Статья «Краеведение Сахалина в работе с младшими школьниками»'],
    'attestation': ['Аттестация на первую квалификационную категорию',
                    'Аттестация на высшую квалификационную категорию',
                    'Аттестация на соответствие занимаемой должности'],
}
PORTFOLIO_ISSUERS = ['ГАУ ДПО «Институт развития образования Сахалинской области»',
                     'Министерство образования Сахалинской области',
                     'ФГАОУ ДПО «Академия Минпросвещения России»',
                     'ООО «Центр инновационного образования и воспитания»']
MOVED_TO = ['г. Хабаровск', 'г. Владивосток', 'г. Новосибирск', 'г. Москва', 'г. Санкт-Петербург',
            'г. Благовещенск', 'г. Петропавловск-Камчатский', 'Приморский край', 'г. Краснодар']
WITHDRAWAL_DESTINATIONS = {
    'parents_request': ['Продолжит обучение в общеобразовательной организации',
                        'Занятия в частной студии', 'По месту жительства'],
    'health': ['По месту жительства', 'Домашнее обучение'],
    'completed': ['Продолжит обучение в общеобразовательной организации'],
    'absence': ['По месту жительства'],
    'other': ['По месту жительства', 'Не указано родителями'],
}

# --- Names ----------------------------------------------------------------------
# Relative weights over Faker's ru_RU lists: modern children's names, parents'
# generation (fathers → patronymics), staff.  Names not listed keep a small weight.
BOYS = {'Александр': 60, 'Максим': 50, 'Артём': 55, 'Михаил': 50, 'Иван': 45, 'Дмитрий': 45,
        'Даниил': 40, 'Кирилл': 35, 'Матвей': 40, 'Егор': 35, 'Никита': 30, 'Андрей': 25, 'Илья': 30,
        'Алексей': 20, 'Тимофей': 25, 'Роман': 20, 'Сергей': 15, 'Владислав': 12, 'Ярослав': 18,
        'Марк': 20, 'Лев': 20, 'Тимур': 12, 'Арсений': 20, 'Глеб': 15, 'Денис': 8, 'Степан': 15,
        'Фёдор': 12, 'Богдан': 12, 'Константин': 8, 'Владимир': 10, 'Евгений': 6, 'Павел': 8,
        'Захар': 10, 'Семён': 10, 'Святослав': 6, 'Макар': 10, 'Мирон': 10, 'Савелий': 8,
        'Платон': 8, 'Георгий': 8, 'Вадим': 3, 'Артур': 5, 'Артем': 6, 'Семен': 2, 'Федор': 2,
        'Данила': 6, 'Всеволод': 4, 'Давид': 6, 'Елисей': 6, 'Николай': 6, 'Антон': 6}
GIRLS = {'Анастасия': 50, 'Мария': 55, 'Дарья': 45, 'Анна': 50, 'Полина': 45, 'Виктория': 40,
         'Елизавета': 40, 'Екатерина': 35, 'София': 45, 'Софья': 25, 'Ксения': 30, 'Алиса': 35,
         'Варвара': 30, 'Александра': 30, 'Вероника': 25, 'Арина': 25, 'Валерия': 20, 'Алина': 15,
         'Ульяна': 20, 'Ева': 25, 'Милана': 20, 'Кира': 15, 'Таисия': 12, 'Василиса': 20,
         'Ангелина': 12, 'Юлия': 10, 'Диана': 12, 'Маргарита': 15, 'Елена': 6, 'Ольга': 4,
         'Злата': 12, 'Алёна': 12, 'Алена': 3, 'Есения': 8, 'Кристина': 8, 'Татьяна': 4,
         'Евгения': 6, 'Яна': 8, 'Мирослава': 10, 'Майя': 8, 'Вера': 8, 'Амелия': 5, 'Эмилия': 8}
FATHERS = {'Александр': 100, 'Сергей': 100, 'Андрей': 80, 'Алексей': 80, 'Дмитрий': 80,
           'Евгений': 60, 'Владимир': 60, 'Иван': 40, 'Николай': 40, 'Михаил': 50, 'Игорь': 40,
           'Олег': 40, 'Юрий': 30, 'Максим': 40, 'Денис': 40, 'Виктор': 30, 'Роман': 40, 'Павел': 40,
           'Артём': 30, 'Анатолий': 20, 'Вячеслав': 30, 'Константин': 30, 'Виталий': 30,
           'Валерий': 20, 'Геннадий': 15, 'Антон': 30, 'Илья': 20, 'Владислав': 20, 'Вадим': 20,
           'Руслан': 20, 'Станислав': 20, 'Кирилл': 20, 'Григорий': 10, 'Пётр': 10, 'Василий': 15,
           'Борис': 10, 'Леонид': 10, 'Эдуард': 10, 'Тимур': 10, 'Артур': 10, 'Степан': 8,
           'Фёдор': 5, 'Семён': 5, 'Ярослав': 5, 'Аркадий': 5, 'Георгий': 8, 'Никита': 8}
STAFF_WOMEN = {'Елена': 60, 'Ольга': 55, 'Наталья': 55, 'Татьяна': 50, 'Ирина': 50, 'Светлана': 45,
               'Анна': 35, 'Юлия': 35, 'Марина': 30, 'Екатерина': 35, 'Галина': 15, 'Людмила': 20,
               'Надежда': 20, 'Оксана': 25, 'Лариса': 15, 'Валентина': 10, 'Анастасия': 20,
               'Мария': 15, 'Евгения': 15, 'Алла': 8, 'Вера': 8, 'Любовь': 10, 'Нина': 6,
               'Виктория': 15, 'Ксения': 10, 'Дарья': 10, 'Алёна': 8}
STAFF_MEN = {'Александр': 50, 'Сергей': 50, 'Андрей': 40, 'Алексей': 40, 'Дмитрий': 40,
             'Владимир': 30, 'Евгений': 30, 'Игорь': 25, 'Николай': 20, 'Михаил': 25, 'Олег': 20,
             'Юрий': 15, 'Виктор': 15, 'Павел': 20, 'Максим': 15, 'Денис': 15, 'Роман': 15}
KOREAN_SURNAMES = ['Ким', 'Пак', 'Ли', 'Цой', 'Хан', 'Тен', 'Шин', 'Югай', 'Кан', 'Пен']
YO_SURNAMES = [('Королёв', 'Королёва'), ('Ковалёв', 'Ковалёва'), ('Журавлёв', 'Журавлёва'),
               ('Воробьёв', 'Воробьёва'), ('Соловьёв', 'Соловьёва'), ('Пискарёв', 'Пискарёва')]
PATRONYMIC_EXCEPTIONS = {
    'Илья': ('Ильич', 'Ильинична'), 'Кузьма': ('Кузьмич', 'Кузьминична'),
    'Лука': ('Лукич', 'Лукинична'), 'Фома': ('Фомич', 'Фоминична'),
    'Никита': ('Никитич', 'Никитична'), 'Савва': ('Саввич', 'Саввична'),
    'Лев': ('Львович', 'Львовна'), 'Павел': ('Павлович', 'Павловна'),
    'Пётр': ('Петрович', 'Петровна'), 'Петр': ('Петрович', 'Петровна'),
    'Дмитрий': ('Дмитриевич', 'Дмитриевна'), 'Георгий': ('Георгиевич', 'Георгиевна'),
    'Арсений': ('Арсеньевич', 'Арсеньевна'), 'Данила': ('Данилович', 'Даниловна'),
    'Гаврила': ('Гаврилович', 'Гавриловна'), 'Мина': ('Минич', 'Минична'),
    'Сила': ('Силич', 'Силична'), 'Фока': ('Фокич', 'Фокична'),
    'Михаил': ('Михайлович', 'Михайловна'), 'Гавриил': ('Гаврилович', 'Гавриловна'),
}
LATIN_LOOKALIKE = {'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'х': 'x', 'у': 'y',
                   'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
                   'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X'}
DUPLICATE_VARIANTS = ('yo', 'typo', 'swap_day_month', 'no_patronymic', 'latin')


def patronymics(father):
    """A father's first name → (son's, daughter's) patronymic."""
    if father in PATRONYMIC_EXCEPTIONS:
        return PATRONYMIC_EXCEPTIONS[father]
    if father.endswith(('ей', 'ай')):
        stem = father[:-1] + 'е'
    elif father.endswith('ий'):
        stem = father[:-2] + 'ье'
    elif father.endswith('ь'):
        stem = father[:-1] + 'е'
    elif father.endswith(('а', 'я')):
        return father[:-1] + 'ич', father[:-1] + 'ична'
    elif father[-1] in 'жшчщц':
        stem = father + 'е'
    else:
        stem = father + 'о'
    return stem + 'вич', stem + 'вна'


class _Pick:
    """Weighted choice by bisection over cumulative weights (fast for hot loops)."""
    __slots__ = ('items', 'cum', 'total')

    def __init__(self, weighted):
        weighted = [(item, w) for item, w in weighted if w > 0]
        self.items = [item for item, _ in weighted]
        self.cum = list(accumulate(w for _, w in weighted))
        self.total = self.cum[-1]

    def __call__(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def _overlay(base, weights, default):
    """Faker's list with our weights; names we weight but Faker lacks are added."""
    out = {name: default for name in base}
    out.update(weights)
    return list(out.items())


class _Names:
    """Name pools taken once from Faker's ru_RU provider lists, with weights."""

    def __init__(self):
        from faker.providers.person.ru_RU import Provider
        self.boys = _Pick(_overlay(Provider.first_names_male, BOYS, 0.05))
        self.girls = _Pick(_overlay(Provider.first_names_female, GIRLS, 0.1))
        self.men = _Pick(_overlay(Provider.first_names_male, STAFF_MEN, 0.05))
        self.women = _Pick(_overlay(Provider.first_names_female, STAFF_WOMEN, 0.1))
        fathers = _overlay(Provider.first_names_male, FATHERS, 0.03)
        # Faker's ranked surname pairs (Смирнов/Смирнова …) with a Zipf-like weight,
        # plus ё-surnames and the Korean surnames common on Sakhalin (no gender forms).
        pairs = [((m, f), 1.0 / (rank + 8))
                 for rank, (m, f) in enumerate(zip(Provider.last_names_male, Provider.last_names_female))]
        pairs += [(pair, 0.02) for pair in YO_SURNAMES]
        pairs += [((k, k), 0.015) for k in KOREAN_SURNAMES]
        self.surnames = _Pick(pairs)
        self.patronymics = _Pick([(patronymics(name), w) for name, w in fathers])


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _inn_check(first9):
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return str(sum(int(d) * w for d, w in zip(first9, weights)) % 11 % 10)


def _nominative(settlement):
    """'Корсаков, г.' → 'г. Корсаков'."""
    base, _, abbr = settlement.rpartition(', ')
    return f'{abbr} {base}' if base else settlement


# --- Bulk writing ----------------------------------------------------------------

def _convert(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime.datetime):
        return value.strftime('%Y-%m-%d %H:%M:%S')
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


class _Writer:
    """COPY on PostgreSQL, executemany on SQLite; rows are tuples of str/int/None."""

    def __init__(self, database):
        self.database = database
        self.postgres = isinstance(database, PostgresqlDatabase)
        self._sql = {}

    def write(self, model, names, rows):
        if not rows:
            return
        key = (model, tuple(names))
        sql = self._sql.get(key)
        if sql is None:
            table = model._meta.table_name
            cols = ', '.join(f'"{model._meta.fields[n].column_name}"' for n in names)
            if self.postgres:
                sql = f'COPY "{table}" ({cols}) FROM STDIN'
            else:
                marks = ', '.join('?' * len(names))
                sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
            self._sql[key] = sql
        if self.postgres:
            with self.database.cursor() as cursor:
                with cursor.copy(sql) as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row)
        else:
            self.database.cursor().executemany(sql, rows)


# Column orders of the rows generated in hot loops.
PERSON_F = ['id', 'surname', 'name', 'patronymic', 'no_patronymic', 'birth_date', 'gender', 'snils',
            'citizenship', 'phone', 'email', 'address', 'surname_key', 'name_key', 'patronymic_key',
            'is_staff', 'created_at', 'version']
DOC_F = ['id', 'person', 'kind', 'foreign_kind', 'series', 'number', 'number_key', 'issued_on',
         'issued_by', 'division_code', 'civil_record_number', 'is_current']
MEMBER_F = ['id', 'person', 'association', 'organisation', 'started_on', 'ended_on', 'start_line',
            'end_line', 'end_kind', 'end_reason', 'destination', 'surname_key', 'gender']
LINE_F = ['id', 'order', 'person', 'association_from', 'association_to', 'moved_on', 'reason',
          'destination']
ASSOC_F = ['id', 'organisation', 'school_year', 'program', 'kind', 'name', 'study_year', 'grade',
           'teacher', 'capacity', 'version']
EMP_F = ['id', 'person', 'organisation', 'position', 'started_on', 'dismissed_on', 'education',
         'qualification_category', 'experience_years', 'pedagogical_experience_years', 'work_phone',
         'work_email', 'version']
PORTFOLIO_F = ['id', 'employment', 'kind', 'title', 'issued_on', 'issuer', 'hours', 'document_number']
ORDER_F = ['id', 'organisation', 'school_year', 'kind', 'number', 'document_date', 'act_date', 'status',
           'created_by', 'created_at', 'committed_at', 'version']
HOT_FIELDS = {Person: PERSON_F, IdentityDocument: DOC_F, Membership: MEMBER_F, OrderLine: LINE_F,
              Association: ASSOC_F, Employment: EMP_F, PortfolioItem: PORTFOLIO_F, Order: ORDER_F}
# Write order: referenced rows before the rows that reference them.
WRITE_ORDER = [Region, Municipality, Settlement, Person, Organisation, SchoolYear, Program, Employment,
               PortfolioItem, Association, Order, IdentityDocument, OrderLine, Membership, User, UserRole]


def _check_hot_fields():
    """Refuse to run if the schema moved on without this module (rows are positional)."""
    for model, names in HOT_FIELDS.items():
        expected = [f.name for f in model._meta.sorted_fields]
        if sorted(names) != sorted(expected):
            raise RuntimeError(f'services.demo is out of date with models.{model.__name__}')
    if not set(_WITHDRAWAL_REASON.items) <= set(models.WITHDRAWAL_REASONS):
        raise RuntimeError('services.demo is out of date with models.WITHDRAWAL_REASONS')


# --- In-memory state of the region --------------------------------------------------

class _Org:
    __slots__ = ('id', 'kind', 'muni', 'settlement', 'year_id', 'short_name', 'weight', 'programs',
                 'slots', 'teacher_id', 'teacher_left', 'enrol_orders', 'withdraw_orders',
                 'grad_orders', 'name_counts', 'completeness', 'staff_completeness', 'email_slug')

    def __init__(self, **kw):
        self.programs = []
        self.slots = {}
        self.teacher_id = None
        self.teacher_left = 0
        self.enrol_orders = []
        self.withdraw_orders = []
        self.grad_orders = []
        self.name_counts = {}
        for k, v in kw.items():
            setattr(self, k, v)


class _Prog:
    __slots__ = ('id', 'org', 'name', 'short', 'duration', 'age_from', 'age_to', 'slots')


class _Slot:
    """The объединение (class, group) currently taking children for one key."""
    __slots__ = ('org', 'kind', 'key', 'program', 'assoc_id', 'count', 'cap', 'index')


class _Muni:
    __slots__ = ('index', 'id', 'name', 'gen', 'dat', 'zags', 'phone', 'division', 'post',
                 'settlements', 'settlement_pick', 'weight', 'schools', 'kindergartens', 'odos',
                 'colleges', 'body', 'school_pick', 'kg_pick', 'odo_by_age')


class _Loader:

    def __init__(self, database, children, organisations, seed, progress, today):
        import random
        _check_hot_fields()
        self.db = database
        self.writer = _Writer(database)
        self.rng = random.Random(seed)
        self.children_total = max(int(children), 2)
        self.organisations_total = max(int(organisations), 30)
        self.progress = progress
        self.today = today
        self.start_year = today.year if today.month >= 9 else today.year - 1
        self.starts_on = datetime.date(self.start_year, 9, 1)
        self.ends_on = datetime.date(self.start_year + 1, 8, 31)
        self.created_at = datetime.datetime.combine(self.starts_on, datetime.time(9, 0)).strftime(
            '%Y-%m-%d %H:%M:%S')
        self.names = _Names()
        self.buffers = {model: [] for model in WRITE_ORDER}
        self.generic_fields = {}
        self.next_id = {}
        for model in WRITE_ORDER:
            max_id = model.select(model.id).order_by(model.id.desc()).limit(1).scalar() or 0
            self.next_id[model] = max_id + 1
        self.counts = {}
        self.snils_counter = 0
        self.snils_offset = self.rng.randrange(899_000_000)
        self.doc_counters = {}
        self.civil_counter = self.rng.randrange(10_000_000)
        self.key_cache = {}
        self.roles = {r.code: r.id for r in Role.select()}
        self.staff_users = []  # (person id, organisation id, role code, login)
        self.demo = {}
        self.pool = 0
        self.duplicates = 0
        self.orgs = []
        self.pipeline = None

    # -- ids and buffers --
    def new_id(self, model):
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model, **values):
        """Buffer a row of a setup table; missing fields take the model's defaults."""
        fields = self.generic_fields.get(model)
        if fields is None:
            fields = self.generic_fields[model] = list(model._meta.sorted_fields)
        if 'id' not in values:
            values['id'] = self.new_id(model)
        row = []
        for field in fields:
            if field.name in values:
                value = values[field.name]
            else:
                default = field.default
                value = default() if callable(default) else default
            row.append(_convert(value))
        self.buffers[model].append(tuple(row))
        return values['id']

    def flush(self):
        """Write the buffered rows in one transaction (in the writer thread when one runs)."""
        batch = []
        for model in WRITE_ORDER:
            rows = self.buffers[model]
            if not rows:
                continue
            names = HOT_FIELDS.get(model) or [f.name for f in self.generic_fields[model]]
            batch.append((model, names, rows))
            self.counts[model] = self.counts.get(model, 0) + len(rows)
            self.buffers[model] = []
        if self.pipeline is not None:
            self.pipeline.submit(batch)
        else:
            self.write_batch(batch)

    def write_batch(self, batch):
        with self.db.atomic():
            for model, names, rows in batch:
                self.writer.write(model, names, rows)

    def key(self, value):
        cached = self.key_cache.get(value)
        if cached is None:
            cached = self.key_cache[value] = name_key(value)
        return cached

    # -- identity numbers --
    def snils(self):
        while True:
            self.snils_counter += 1
            body = 100_000_000 + (self.snils_counter * 7_654_322 + self.snils_offset) % 899_999_999
            first9 = str(body)
            snils = f'{first9}{snils_check_number(first9):02d}'
            if snils not in _RESERVED_SNILS:
                return snils

    def doc_number(self, series):
        count = self.doc_counters.get(series, 0)
        self.doc_counters[series] = count + 1
        return f'{(count * 7919 + zlib.crc32(series.encode())) % 1_000_000:06d}'

    # -- people --
    def person_row(self, pid, surname, name, patronymic, no_patronymic, birth, gender, snils,
                   phone='', email='', address=''):
        key = self.key
        return (pid, surname, name, patronymic, no_patronymic, birth, gender, snils,
                'Российская Федерация', phone, email, address, key(surname), key(name),
                key(patronymic), 0, self.created_at, 1)

    def adult(self, gender=None, age_from=23, age_to=64):
        rng = self.rng
        gender = gender or ('F' if rng.random() < 0.8 else 'M')
        pair = self.names.surnames(rng)
        surname = pair[0] if gender == 'M' else pair[1]
        name = (self.names.men if gender == 'M' else self.names.women)(rng)
        patronymic = self.names.patronymics(rng)[0 if gender == 'M' else 1]
        age = rng.randint(age_from, age_to)
        birth = self.today - datetime.timedelta(days=age * 365 + rng.randrange(365))
        return surname, name, patronymic, birth, gender

    def phone(self):
        rng = self.rng
        return (f'+7 ({rng.choice(("914", "924", "962", "984", "999"))}) '
                f'{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}')

    def staff(self, org, position, person=None, completeness=None, snils=None, pid=None):
        """A staff Person and their Employment; returns (employment id, person id, ФИО).

        ``person`` fixes the identity; ``pid`` reuses an existing Person (a second job).
        """
        rng = self.rng
        p = org.staff_completeness if completeness is None else completeness
        if person is None:
            surname, name, patronymic, birth, gender = self.adult()
        else:
            surname, name, patronymic, birth, gender = person
        if pid is None:
            pid = self.new_id(Person)
            email = ''
            if rng.random() < p * 0.6:
                email = f'{_translit(surname)}.{_translit(name)[:1]}{pid}@mail.ru'
            self.buffers[Person].append(self.person_row(
                pid, surname, name, patronymic, 0, birth.isoformat(), gender, snils or self.snils(),
                phone=self.phone() if rng.random() < p * 0.7 else '', email=email))
        eid = self.new_id(Employment)
        age = age_on(birth, self.today)
        experience = rng.randint(0, max(0, min(40, age - 21)))
        pedagogical = rng.randint(0, experience)
        started = self.today - datetime.timedelta(days=rng.randint(0, max(1, pedagogical) * 365))
        full = p >= 0.999
        self.buffers[Employment].append((
            eid, pid, org.id, position, started.isoformat() if full or rng.random() < p else None,
            None, rng.choice(EDUCATIONS) if full or rng.random() < p else '',
            rng.choice(('', 'first', 'highest', 'conformity')) if full or rng.random() < p else '',
            experience if full or rng.random() < p else None,
            pedagogical if full or rng.random() < p else None,
            f'+7 ({org.email_slug[1]}) {rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}'
            if full or rng.random() < p * 0.8 else '',
            f'{org.email_slug[0]}@edu65.ru' if full or rng.random() < p * 0.5 else '', 1))
        if rng.random() < p * 0.7:
            for _ in range(rng.randint(1, 4)):
                kind = rng.choice(tuple(PORTFOLIO))
                hours = rng.choice((16, 24, 36, 72, 108)) if kind in ('course', 'qualification') else None
                issued = self.today - datetime.timedelta(days=rng.randint(30, 5 * 365))
                self.buffers[PortfolioItem].append((
                    self.new_id(PortfolioItem), eid, kind, rng.choice(PORTFOLIO[kind]),
                    issued.isoformat(),
                    rng.choice(PORTFOLIO_ISSUERS) if rng.random() < 0.85 else '', hours,
                    f'65{rng.randint(10**9, 10**10 - 1)}' if hours else ''))
        return eid, pid, f'{surname} {name} {patronymic}'

    def teacher_for(self, org, slot):
        """The employment that takes the next объединение (class, group) of an organisation."""
        if org.kind in ('school', 'kindergarten') or org.teacher_left <= 0:
            if org.kind == 'school':
                position = ('Учитель начальных классов' if slot.key <= 4
                            else self.rng.choice(SUBJECT_TEACHERS[:10]))
            else:
                position = {'odo': 'Педагог дополнительного образования', 'kindergarten': 'Воспитатель',
                            'college': 'Преподаватель'}[org.kind]
            org.teacher_id = self.staff(org, position)[0]
            org.teacher_left = {'odo': self.rng.randint(3, 8), 'college': 2}.get(org.kind, 1)
        org.teacher_left -= 1
        return org.teacher_id

    # -- объединения, classes, groups --
    def slot(self, org, kind, key, program=None, teacher=None):
        slot = _Slot()
        slot.org, slot.kind, slot.key, slot.program = org, kind, key, program
        slot.index = -1
        self.open_association(slot, teacher)
        return slot

    def open_association(self, slot, teacher=None):
        rng = self.rng
        org = slot.org
        slot.index += 1
        i = slot.index
        n = len(LOWER_LETTERS)
        if slot.kind == 'association':
            sy = slot.key
            letter = LOWER_LETTERS[i % n] + (str(i // n + 1) if i >= n else '')
            name, study_year, grade = f'{sy}{letter} {slot.program.short}', sy, None
            cap = rng.randint(12, 25)
        elif slot.kind == 'class':
            grade = slot.key
            letter = UPPER_LETTERS[i % n] + (str(i // n + 1) if i >= n else '')
            name, study_year = f'{grade}{letter}', 1
            cap = rng.randint(20, 25)
        elif org.kind == 'kindergarten':
            k = slot.key
            names = KINDERGARTEN_NAMES
            j = (i + k * 7) % len(names)
            name = f'{KG_AGE_LABELS[k]} группа «{names[j]}»' + (f' {i // len(names) + 1}' if i >= len(names) else '')
            study_year, grade, cap = 1, None, rng.randint(18, 25)
        else:  # college group: speciality, course, number
            course = slot.key
            m = len(COLLEGE_SPECIALITIES)
            name = f'{COLLEGE_SPECIALITIES[i % m]}-{course}{i // m + 1}'
            study_year, grade, cap = course, None, rng.randint(20, 25)
        if teacher is None:
            teacher = self.teacher_for(org, slot)
        aid = self.new_id(Association)
        self.buffers[Association].append((
            aid, org.id, org.year_id, slot.program.id if slot.program else None, slot.kind, name,
            study_year, grade, teacher, cap, 1))
        slot.assoc_id, slot.count, slot.cap = aid, 0, cap

    # -- setup --
    def setup(self):
        rng = self.rng
        region_id = self.add(Region, name=REGION_NAME, code=REGION_CODE)
        self.region_id = region_id
        munis = []
        for index, row in enumerate(MUNICIPALITIES):
            name, kind, weight, gen, dat, zags, phone, division, post, settlements = row
            m = _Muni()
            m.index, m.name, m.gen, m.dat, m.weight = index, name, gen, dat, weight
            m.zags = f'Отдел ЗАГС {zags} агентства ЗАГС Сахалинской области'
            m.phone, m.division, m.post = phone, division, post
            m.id = self.add(Municipality, region=region_id, name=name, kind=kind)
            m.settlements = []
            for s_name, s_label, s_weight in settlements:
                sid = self.add(Settlement, municipality=m.id, name=s_name)
                m.settlements.append((sid, s_name, s_label, s_weight, _nominative(s_name)))
            m.settlement_pick = _Pick([(s, s[3]) for s in m.settlements])
            m.schools, m.kindergartens, m.odos, m.colleges = [], [], [], []
            munis.append(m)
        self.munis = munis
        home = munis[0]

        # How many organisations of each kind, and where.
        educational = self.organisations_total - len(munis) - 1
        n_school = round(educational * 0.45)
        n_kg = round(educational * 0.30)
        n_odo = max(2, round(educational * 0.18))
        n_college = max(0, educational - n_school - n_kg - n_odo)
        weights = [m.weight for m in munis]
        plan = {
            'school': _allocate(n_school, weights),
            'kindergarten': _allocate(n_kg, weights),
            'odo': _allocate(n_odo, weights, first_min=2),
            'college': _allocate(n_college, weights, spread=False),
        }

        # The ministry sits in Южно-Сахалинск, so the sign-in cascade reaches it too.
        regional = self.organisation(
            'regional_body', home, home.settlements[0], None, REGIONAL_BODY,
            'Министерство образования Сахалинской области', 'Государственное казённое учреждение',
            'Правительство Сахалинской области', completeness=0.95)
        self.regional = regional
        for m in munis:
            m.body = self.organisation(
                'municipal_body', m, m.settlements[0], regional.id,
                f'Управление образования {m.gen}',
                f'Управление образования администрации {m.gen}', 'Муниципальное казённое учреждение',
                f'Администрация {m.gen}', completeness=rng.uniform(0.6, 1.0))

        # The home ОДО first, so its ids are stable and low.
        self.home_odo = self.organisation(
            'odo', home, home.settlements[0], home.body.id, HOME_ODO, HOME_ODO_FULL,
            'Муниципальное автономное учреждение', 'Администрация города Южно-Сахалинска',
            completeness=1.0, staff_completeness=1.0)
        home.odos.append(self.home_odo)
        college_names = list(COLLEGE_NAMES)
        for m in munis:
            counters = {}
            for kind in ('school', 'kindergarten', 'odo', 'college'):
                count = plan[kind][m.index] - (1 if (kind == 'odo' and m is home) else 0)
                for i in range(count):
                    settlement = m.settlements[0] if i == 0 else m.settlement_pick(rng)
                    short, full, legal = self.org_name(kind, m, settlement, counters, college_names)
                    founder = ('Министерство образования Сахалинской области' if kind == 'college'
                               else f'Администрация {m.gen}')
                    org = self.organisation(kind, m, settlement, m.body.id, short, full, legal, founder,
                                            completeness=rng.uniform(0.45, 1.0))
                    org.weight = rng.uniform(0.6, 1.4) * (2.0 if settlement is m.settlements[0] else 0.6)
                    {'school': m.schools, 'kindergarten': m.kindergartens, 'odo': m.odos,
                     'college': m.colleges}[kind].append(org)
        self.second_odo = home.odos[1]

        # Staff of every organisation, and the demo staff.
        for org in self.orgs:
            self.setup_staff(org)
        # Programs, объединения, classes, groups.
        for m in munis:
            for org in m.odos:
                self.setup_programs(org)
            for org in m.schools:
                for grade in range(1, 12):
                    org.slots[('class', grade)] = self.slot(org, 'class', grade)
            for org in m.kindergartens:
                for k in range(4):
                    org.slots[('group', k)] = self.slot(org, 'group', k)
            for org in m.colleges:
                for course in range(1, 5):
                    org.slots[('group', course)] = self.slot(org, 'group', course)
            m.school_pick = _Pick([(o, o.weight) for o in m.schools]) if m.schools else None
            m.kg_pick = _Pick([(o, o.weight) for o in m.kindergartens]) if m.kindergartens else None
            m.odo_by_age = {age: [p for o in m.odos for p in o.programs if p.age_from <= age <= p.age_to]
                            for age in range(0, 20)}
        self.odo_by_age = {age: [p for m in munis for o in m.odos for p in o.programs
                                 if p.age_from <= age <= p.age_to] for age in range(0, 20)}
        eligible = [m for m in munis if m.schools and m.kindergartens]
        self.muni_pick = _Pick([(m, m.weight) for m in eligible])
        self.setup_orders(eligible)
        self.flush()

    def organisation(self, kind, muni, settlement, authority, short, full, legal, founder,
                     completeness, staff_completeness=None):
        rng = self.rng
        p = completeness
        full_card = p >= 0.999
        oid = self.new_id(Organisation)
        year_id = self.new_id(SchoolYear)
        slug = f'{ {"school": "school", "kindergarten": "ds", "odo": "dod", "college": "spo"}.get(kind, "uo")}{oid}'
        phone_code = muni.phone
        org = _Org(id=oid, kind=kind, muni=muni, settlement=settlement, year_id=year_id,
                   short_name=short, weight=1.0, completeness=p,
                   staff_completeness=staff_completeness if staff_completeness is not None
                   else rng.uniform(0.5, 1.0),
                   email_slug=(slug, phone_code))
        address = f'{settlement[4]}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 120)}'
        post = f'{int(muni.post) + rng.randint(0, 9):06d}'

        def maybe(value):
            return value if full_card or rng.random() < p else None

        inn9 = f'65{rng.randint(0, 9999999):07d}'
        ogrn12 = f'1{rng.randint(2, 23):02d}65{rng.randint(0, 99):02d}{rng.randint(0, 99999):05d}'
        # Director and deputies are named on the card once the staff exists (setup_staff).
        card = dict(
            legal_form=maybe(legal) or '', founders=maybe(founder) or '',
            legal_address=maybe(f'{post}, Сахалинская обл, {address}') or '',
            actual_address=maybe(f'{post}, Сахалинская обл, {address}') or '',
            phone=maybe(f'+7 ({phone_code}) ' + (f'{rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}'
                                                 if len(phone_code) == 4 else
                                                 f'{rng.randint(2, 6)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}')) or '',
            email=maybe(f'{slug}@edu65.ru') or '',
            website=maybe(f'https://{slug}.edu65.ru') or '',
            inn=maybe(inn9 + _inn_check(inn9)) or '',
            kpp=maybe(f'{inn9[:4]}01001') or '',
            ogrn=maybe(ogrn12 + str(int(ogrn12) % 11 % 10)) or '',
            okpo=maybe(f'{rng.randint(10**7, 10**8 - 1)}') or '',
            capacity=maybe(rng.choice((80, 120, 240, 400, 600, 850, 1100))),
            accessibility=maybe(rng.choice((
                'Пандус, кнопка вызова персонала, тактильные таблички',
                'Доступно частично: пандус на входе', 'Доступно условно',
                'Пандус, расширенные дверные проёмы, санитарная комната для маломобильных граждан'))) or '',
            internet=maybe(rng.choice(('Есть, 100 Мбит/с', 'Есть, 50 Мбит/с', 'Есть, спутниковый, 10 Мбит/с'))) or '',
        )
        if kind in models.EDUCATIONAL_KINDS:
            number = maybe(f'Л035-01254-65/{rng.randint(10**7, 10**8 - 1)}')
            card['licence_number'] = number or ''
            card['licence_date'] = (self.today - datetime.timedelta(days=rng.randint(400, 4000))) if number else None
        self.add(Organisation, id=oid, region=self.region_id, municipality=muni.id,
                 settlement=settlement[0], authority=authority, kind=kind,
                 short_name=short, full_name=full, name_key=name_key(short),
                 movement_period_start=self.starts_on, movement_period_end=self.ends_on, **card)
        self.add(SchoolYear, id=year_id, organisation=oid, start_year=self.start_year, state='current',
                 starts_on=self.starts_on, ends_on=self.ends_on)
        self.orgs.append(org)
        return org

    def org_name(self, kind, muni, settlement, counters, college_names):
        rng = self.rng
        place = settlement[2]
        town = settlement is muni.settlements[0]
        if kind == 'school':
            n = counters['school'] = counters.get('school', 0) + 1
            r = rng.random()
            if town and n > 1 and r < 0.12:
                return (f'МАОУ Гимназия № {n} {place}',
                        f'Муниципальное автономное общеобразовательное учреждение гимназия № {n} {place}',
                        'Муниципальное автономное учреждение')
            if town and n > 1 and r < 0.2:
                return (f'МАОУ Лицей № {n} {place}',
                        f'Муниципальное автономное общеобразовательное учреждение лицей № {n} {place}',
                        'Муниципальное автономное учреждение')
            return (f'МБОУ СОШ № {n} {place}',
                    f'Муниципальное бюджетное общеобразовательное учреждение средняя '
                    f'общеобразовательная школа № {n} {place}', 'Муниципальное бюджетное учреждение')
        if kind == 'kindergarten':
            n = counters['kg'] = counters.get('kg', 0) + 1
            title = KINDERGARTEN_NAMES[(n * 7 + muni.index) % len(KINDERGARTEN_NAMES)]
            return (f'МБДОУ Детский сад № {n} «{title}» {place}',
                    f'Муниципальное бюджетное дошкольное образовательное учреждение детский сад № {n} '
                    f'«{title}» {place}', 'Муниципальное бюджетное учреждение')
        if kind == 'odo':
            n = counters['odo'] = counters.get('odo', 0) + 1
            stem, _ = ODO_TYPES[(n - 1) % len(ODO_TYPES)]
            suffix = f' № {(n - 1) // len(ODO_TYPES) + 1}' if n > len(ODO_TYPES) else ''
            autonomous = rng.random() < 0.3
            return (f'{"МАУДО" if autonomous else "МБУДО"} {stem}{suffix} {place}',
                    f'Муниципальное {"автономное" if autonomous else "бюджетное"} учреждение '
                    f'дополнительного образования {stem}{suffix} {place}',
                    f'Муниципальное {"автономное" if autonomous else "бюджетное"} учреждение')
        n = counters['college'] = counters.get('college', 0) + 1
        title = college_names.pop(0) if college_names else f'Сахалинский политехнический центр № {n} {place}'
        return (f'ГБПОУ {title}',
                f'Государственное бюджетное профессиональное образовательное учреждение «{title}»',
                'Государственное бюджетное учреждение')

    def setup_staff(self, org):
        rng = self.rng
        kind = org.kind
        role_of_head = 'odo_admin'
        if kind == 'regional_body':
            head, deputies, others = 'Министр образования Сахалинской области', ['Заместитель министра'], \
                ['Консультант отдела общего образования', 'Консультант отдела дополнительного образования',
                 'Главный специалист-эксперт']
            role_of_head = 'authority_specialist'
        elif kind == 'municipal_body':
            head, deputies, others = 'Начальник управления образования', ['Заместитель начальника управления'], \
                ['Главный специалист', 'Ведущий специалист'][:rng.randint(1, 2)]
            role_of_head = 'authority_specialist'
        elif kind == 'school':
            head = 'Директор'
            deputies = ['Заместитель директора по учебно-воспитательной работе',
                        'Заместитель директора по воспитательной работе'][:rng.randint(1, 2)]
            others = rng.sample(SUBJECT_TEACHERS, rng.randint(3, 6))
        elif kind == 'kindergarten':
            head, deputies = 'Заведующий', ['Заместитель заведующего по воспитательно-методической работе']
            others = ['Музыкальный руководитель', 'Инструктор по физической культуре'][:rng.randint(1, 2)]
        elif kind == 'odo':
            head, deputies = 'Директор', ['Заместитель директора'] * rng.randint(1, 2)
            others = ['Методист', 'Педагог-организатор']
        else:
            head = 'Директор'
            deputies = ['Заместитель директора по учебной работе', 'Заместитель директора по воспитательной работе']
            others = ['Преподаватель', 'Мастер производственного обучения', 'Преподаватель']
        if org is self.home_odo:
            deputies = deputies[:1]
        _, director_pid, director = self.staff(org, head)
        self.staff_user(director_pid, org, role_of_head, director)
        deputy_names = []
        for position in deputies:
            _, pid, fio = self.staff(org, position)
            deputy_names.append(fio)
            self.staff_user(pid, org, 'authority_specialist' if org.kind in models.MANAGEMENT_KINDS
                            else 'deputy', fio)
        if org is self.home_odo:
            eid, pid, fio = self.staff(org, 'Заместитель директора', completeness=1.0,
                                       person=('Ковалёва', 'Наталья', 'Викторовна', datetime.date(1981, 4, 12), 'F'),
                                       snils=DEMO_SNILS['odo-admin'])
            self.demo['odo-admin'] = pid
            deputy_names.append(fio)
            # odo-admin also works at the second ОДО, so the switcher has a real place to show.
            self.staff(self.second_odo, 'Методист', completeness=1.0, pid=pid,
                       person=('Ковалёва', 'Наталья', 'Викторовна', datetime.date(1981, 4, 12), 'F'))
            eid, pid, _ = self.staff(org, 'Педагог дополнительного образования', completeness=1.0,
                                     person=('Ким', 'Дмитрий', 'Сергеевич', datetime.date(1990, 11, 3), 'M'),
                                     snils=DEMO_SNILS['odo-teacher'])
            self.demo['odo-teacher'] = pid
            self.demo['odo-teacher-employment'] = eid
        if org.kind == 'municipal_body' and org.muni.index == 0:
            _, pid, _ = self.staff(org, 'Главный специалист отдела дополнительного образования',
                                   completeness=1.0,
                                   person=('Лебедева', 'Ольга', 'Николаевна', datetime.date(1976, 2, 20), 'F'),
                                   snils=DEMO_SNILS['uo-specialist'])
            self.demo['uo-specialist'] = pid
        for position in others:
            _, pid, fio = self.staff(org, position)
            if org.kind in models.MANAGEMENT_KINDS:
                self.staff_user(pid, org, 'authority_specialist', fio)
        card = {}
        if org.completeness >= 0.999 or rng.random() < org.completeness:
            card['director'] = director
        if deputy_names and (org.completeness >= 0.999 or rng.random() < org.completeness):
            card['deputies'] = '\n'.join(deputy_names)
        if card:
            self.patch_org(org, card)

    def patch_org(self, org, values):
        """Set card fields of an organisation still in the buffer."""
        fields = self.generic_fields[Organisation]
        rows = self.buffers[Organisation]
        for i, row in enumerate(rows):
            if row[0] == org.id:
                row = list(row)
                for n, field in enumerate(fields):
                    if field.name in values:
                        row[n] = values[field.name]
                rows[i] = tuple(row)
                return

    def staff_user(self, pid, org, role, fio):
        """A user for a staff member: no password (staff sign in through ЕСИА)."""
        self.staff_users.append((pid, org.id, role, f'{_translit(fio.split()[0])}.{pid}'))

    def setup_programs(self, org):
        rng = self.rng
        home = org is self.home_odo
        if home:
            chosen = [(focus, entry) for focus, entries in PROGRAM_CATALOG.items() for entry in entries
                      if entry[0] in HOME_ODO_PROGRAMS]
        else:
            favoured = ODO_TYPES[0][1]
            for stem, focus in ODO_TYPES:
                if stem in org.short_name:
                    favoured = focus
            pool = [(focus, entry) for focus, entries in PROGRAM_CATALOG.items() for entry in entries]
            weights = [6 if focus == favoured else 1 for focus, _ in pool]
            wanted = rng.randint(4, 15)
            chosen = []
            while len(chosen) < wanted:
                item = rng.choices(pool, weights)[0]
                if item not in chosen:
                    chosen.append(item)
        teacher_eid = self.demo.get('odo-teacher-employment') if home else None
        for focus, (name, short, duration, age_from, age_to, hours) in chosen:
            prog = _Prog()
            prog.id = self.add(Program, organisation=org.id, focus=focus, name=name, duration_years=duration,
                               age_from=age_from, age_to=age_to, hours_per_week=hours,
                               hours_per_year=hours * 36,
                               description=(f'Дополнительная общеобразовательная общеразвивающая программа '
                                            f'{models.PROGRAM_FOCUSES[focus].lower()} направленности «{name}»'),
                               archived=False, created_at=self.created_at)
            prog.org, prog.name, prog.short, prog.duration = org, name, short, duration
            prog.age_from, prog.age_to = age_from, age_to
            prog.slots = []
            for sy in range(1, duration + 1):
                teacher = teacher_eid if (home and name in HOME_TEACHER_PROGRAMS) else None
                prog.slots.append(self.slot(org, 'association', sy, program=prog, teacher=teacher))
            org.programs.append(prog)
        if not home and rng.random() < 0.3:  # an archived program, no объединения
            focus, (name, short, duration, age_from, age_to, hours) = rng.choice(
                [(f, e) for f, es in PROGRAM_CATALOG.items() for e in es])
            if name not in [p.name for p in org.programs]:
                self.add(Program, organisation=org.id, focus=focus, name=name, duration_years=duration,
                         age_from=age_from, age_to=age_to, hours_per_week=hours, hours_per_year=hours * 36,
                         archived=True, created_at=self.created_at)

    def setup_orders(self, eligible):
        """Committed orders of every ОДО, numbered in date order; lines are added later."""
        rng = self.rng
        total_weight = sum(m.weight for m in eligible)
        span = (self.today - self.starts_on).days
        enrol_days = min(14, span // 3)
        leave_from = self.starts_on + datetime.timedelta(days=enrol_days + 1)
        leave_days = max(0, (self.today - leave_from).days)
        for m in self.munis:
            if not m.odos:
                continue
            kids = self.children_total * m.weight / total_weight if m in eligible else 1
            per_odo = kids * 0.83 / len(m.odos)
            for org in m.odos:
                n_enrol = min(250, max(2, round(per_odo / 40)))
                n_leave = min(80, max(1, round(per_odo * 0.06 / 15)))
                n_grad = min(10, max(1, round(per_odo * 0.02 / 15)))
                number = 0
                for j in range(n_enrol):
                    number += 1
                    day = self.starts_on + datetime.timedelta(days=j * (enrol_days + 1) // n_enrol)
                    org.enrol_orders.append((self.order(org, 'enrolment', number, day), day.isoformat()))
                kinds = ['withdrawal'] * n_leave + ['graduation'] * n_grad
                rng.shuffle(kinds)
                for j, kind in enumerate(kinds):
                    number += 1
                    day = leave_from + datetime.timedelta(days=j * (leave_days + 1) // len(kinds))
                    target = org.withdraw_orders if kind == 'withdrawal' else org.grad_orders
                    target.append((self.order(org, kind, number, day), day.isoformat()))

    def order(self, org, kind, number, day):
        oid = self.new_id(Order)
        self.buffers[Order].append((
            oid, org.id, org.year_id, kind, f'{number}-у', day.isoformat(), day.isoformat(), 'committed',
            None, f'{day.isoformat()} 10:00:00', f'{day.isoformat()} 15:00:00', 1))
        return oid

    # -- children --
    def run_children(self):
        total = self.children_total
        dup_target = max(5, round(total / 1000)) if total >= 100 else 0
        interval = max(3, total // (dup_target + 1)) if dup_target else 0
        self.birth_lo = _add_years(self.today, -19).toordinal() + 1
        self.birth_hi = _add_years(self.today, -3).toordinal()
        saved = self.drop_indexes()
        self.pipeline = _Pipeline(self)
        try:
            self.stream_children(total, dup_target, interval)
            pipeline, self.pipeline = self.pipeline, None
            pipeline.close()
        except BaseException:
            if self.pipeline is not None:
                self.pipeline.abort()
                self.pipeline = None
            try:
                self.create_indexes(saved)
            except Exception:
                pass  # the original error matters more
            raise
        self.create_indexes(saved)

    def stream_children(self, total, dup_target, interval):
        done = 0
        want_duplicate = False
        self.report(0, total, 'дети')
        while done < total:
            end = min(total, done + CHUNK)
            while done < end:
                if done == 0:
                    self.child(forced='child-13')
                    done += 1
                    continue
                if done == 1:
                    self.child(forced='child-15')
                    done += 1
                    continue
                if dup_target and self.duplicates < dup_target and done % interval == interval - 1:
                    want_duplicate = True
                if want_duplicate and done + 1 < total:
                    variant = DUPLICATE_VARIANTS[self.duplicates % len(DUPLICATE_VARIANTS)]
                    made = self.child(duplicate=variant)
                    want_duplicate = made < 2  # nowhere to put the copy: try with the next child
                    done += made
                else:
                    self.child()
                    done += 1
            self.flush()
            self.report(done, total, 'дети')

    def report(self, done, total, stage):
        if self.progress:
            self.progress(done, total, stage)

    def identity(self, gender=None):
        rng = self.rng
        names = self.names
        gender = gender or ('M' if rng.random() < 0.512 else 'F')
        pair = names.surnames(rng)
        if gender == 'M':
            surname, name = pair[0], names.boys(rng)
        else:
            surname, name = pair[1], names.girls(rng)
        if rng.random() < 0.012:
            patronymic, no_patronymic = '', 1
        else:
            patronymic, no_patronymic = names.patronymics(rng)[0 if gender == 'M' else 1], 0
        birth = datetime.date.fromordinal(rng.randint(self.birth_lo, self.birth_hi))
        return [surname, name, patronymic, no_patronymic, birth, gender]

    def document(self, pid, birth, muni):
        """The child's current identity document: a birth certificate, or a passport from 14."""
        rng = self.rng
        today = self.today
        if age_on(birth, today) >= 14:
            issued = min(_add_years(birth, 14) + datetime.timedelta(days=rng.randint(0, 60)), today)
            series = f'64{issued.year % 100:02d}'
            number = self.doc_number(series)
            issued_by = ('УМВД России по Сахалинской области' if issued.year >= 2017
                         else f'Отделом УФМС России по Сахалинской обл. по {muni.dat}')
            return (self.new_id(IdentityDocument), pid, 'passport_rf', '', series, number,
                    document_key(series, number), issued.isoformat(), issued_by, muni.division, '', 1)
        issued = min(birth + datetime.timedelta(days=rng.randint(3, 45)), today)
        series = f'{_ROMAN(rng)}-{_LETTERS(rng)}'
        number = self.doc_number(series)
        if birth.year >= 2018:
            self.civil_counter += 1
            civil = f'1{birth.year:04d}65{muni.index + 1:03d}{self.civil_counter % 100_000_000:08d}'
        else:
            civil = str(rng.randint(1, 2999))
        return (self.new_id(IdentityDocument), pid, 'birth_certificate_rf', '', series, number,
                document_key(series, number), issued.isoformat(), muni.zags, '', civil, 1)

    def main_place(self, muni, birth):
        """The class or group a child attends in their municipality."""
        rng = self.rng
        grade = self.start_year - birth.year - 6
        if grade <= 0:
            org = muni.kg_pick(rng)
            return org, org.slots[('group', min(3, max(0, grade + 3)))]
        if grade >= 10 and muni.colleges and (grade >= 12 or rng.random() < 0.2):
            org = muni.colleges[rng.randrange(len(muni.colleges))]
            return org, org.slots[('group', min(4, max(1, grade - 9)))]
        org = muni.school_pick(rng)
        return org, org.slots[('class', min(11, grade))]

    def take_seat(self, slot):
        if slot.count >= slot.cap:
            self.open_association(slot)
        slot.count += 1
        return slot.assoc_id

    def enrol(self, pid, prog, sy, used_orders, close=None):
        """An enrolment line and membership in an объединение; close=(kind, reason, destination)."""
        rng = self.rng
        org = prog.org
        slot = prog.slots[sy - 1]
        if close is None:
            aid = self.take_seat(slot)
        else:
            aid = slot.assoc_id
        orders = org.enrol_orders
        k = rng.randrange(len(orders))
        if orders[k][0] in used_orders:
            k = (k + 1) % len(orders)
        order_id, day = orders[k]
        used_orders.add(order_id)
        line = self.new_id(OrderLine)
        self.buffers[OrderLine].append((line, order_id, pid, None, aid, day, '', ''))
        ended_on, end_line, end_kind, end_reason, destination = None, None, '', '', ''
        if close is not None:
            end_kind, end_reason, destination = close
            leave = org.grad_orders if end_kind == 'graduation' else org.withdraw_orders
            leave_id, ended_on = leave[rng.randrange(len(leave))]
            end_line = self.new_id(OrderLine)
            self.buffers[OrderLine].append((end_line, leave_id, pid, aid, None, ended_on, end_reason,
                                            destination))
        self.buffers[Membership].append((self.new_id(Membership), pid, aid, org.id, day, ended_on, line,
                                         end_line, end_kind, end_reason, destination, '', ''))
        return org

    def leave_reason(self, prog, sy, muni):
        rng = self.rng
        if sy == prog.duration and rng.random() < 0.5:
            return 'graduation', '', ''
        reason = _WITHDRAWAL_REASON(rng)
        if reason == 'moved':
            destination = f'Переезд: {rng.choice(MOVED_TO)}'
        elif reason == 'other_organisation':
            others = [o for o in muni.odos if o is not prog.org] or [o for m in self.munis for o in m.odos
                                                                      if o is not prog.org]
            destination = rng.choice(others).short_name
        else:
            destination = rng.choice(WITHDRAWAL_DESTINATIONS[reason])
        return 'withdrawal', reason, destination

    def child(self, forced=None, duplicate=None):
        """One child (and, for a duplicate slot, their near-duplicate record); returns rows made."""
        rng = self.rng
        today = self.today
        if forced == 'child-13':
            ident = ['Соколов', 'Артём', 'Игоревич', 0,
                     _add_years(today, -13) - datetime.timedelta(days=100), 'M']
            muni = self.munis[0]
        elif forced == 'child-15':
            ident = ['Петрова', 'Алина', 'Андреевна', 0,
                     _add_years(today, -15) - datetime.timedelta(days=200), 'F']
            muni = self.munis[0]
        else:
            ident = self.identity()
            muni = self.muni_pick(rng)
        if duplicate:
            ident = self.prepare_original(ident, duplicate)
        surname, name, patronymic, no_patronymic, birth, gender = ident
        if forced:
            snils = DEMO_SNILS[forced]
        else:
            snils = self.snils() if rng.random() < 0.93 else None
        org, slot = self.main_place(muni, birth)
        address = ''
        if rng.random() < 0.5:
            settlement = org.settlement
            address = f'{settlement[4]}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 90)}'
            if settlement is muni.settlements[0]:
                address += f', кв. {rng.randint(1, 120)}'
        pid = self.new_id(Person)
        birth_iso = birth.isoformat()
        self.buffers[Person].append(self.person_row(pid, surname, name, patronymic, no_patronymic,
                                                    birth_iso, gender, snils, address=address))
        doc = self.document(pid, birth, muni)
        self.buffers[IdentityDocument].append(doc)
        started = self.starts_on if rng.random() < 0.92 else datetime.date.fromordinal(
            rng.randint(self.starts_on.toordinal(), max(self.starts_on, today).toordinal()))
        aid = self.take_seat(slot)
        self.buffers[Membership].append((self.new_id(Membership), pid, aid, org.id, started.isoformat(),
                                         None, None, None, '', '', '', '', ''))
        orgs = {org.id}
        age = age_on(birth, today)
        used = set()
        if forced:
            home = self.home_odo
            program = HOME_TEACHER_PROGRAMS[0] if forced == 'child-13' else HOME_TEACHER_PROGRAMS[1]
            prog = next(p for p in home.programs if p.name == program)
            self.enrol(pid, prog, 1, used)
            self.demo[forced] = pid
            return 1
        r = rng.random()
        candidates = muni.odo_by_age.get(age) or ()
        if candidates and r < 0.05:
            prog = candidates[rng.randrange(len(candidates))]
            sy = rng.randint(1, max(1, min(prog.duration, age - prog.age_from + 1)))
            orgs.add(self.enrol(pid, prog, sy, used, close=self.leave_reason(prog, sy, muni)).id)
            self.pool += 1
        elif candidates and r < 0.65:
            taken = set()
            for _ in range(2 if rng.random() < 0.3 else 1):
                prog = candidates[rng.randrange(len(candidates))]
                if prog in taken:
                    continue
                taken.add(prog)
                sy = rng.randint(1, max(1, min(prog.duration, age - prog.age_from + 1)))
                orgs.add(self.enrol(pid, prog, sy, used).id)
        if not duplicate:
            return 1
        return 1 + self.near_duplicate(ident, duplicate, snils, doc, muni, orgs)

    def prepare_original(self, ident, variant):
        """Make the original fit the variant (a ё to lose, a day ≤ 12, a patronymic)."""
        rng = self.rng
        surname, name, patronymic, no_patronymic, birth, gender = ident
        if variant == 'yo' and 'ё' not in (surname + name + patronymic):
            ident[1] = rng.choice(('Артём', 'Семён', 'Фёдор')) if gender == 'M' else 'Алёна'
        elif variant == 'swap_day_month' and (birth.day > 12 or birth.day == birth.month):
            day = rng.choice([d for d in range(1, 13) if d != birth.month])
            new = birth.replace(day=day)
            if age_on(new, self.today) > 18:
                new = _add_years(new, 1)
            elif age_on(new, self.today) < 3:
                new = _add_years(new, -1)
            ident[4] = new
        elif variant == 'no_patronymic' and not patronymic:
            ident[2] = self.names.patronymics(rng)[0 if gender == 'M' else 1]
            ident[3] = 0
        return ident

    def near_duplicate(self, ident, variant, snils, doc, muni, orgs):
        """The same child entered again in another organisation, with a classic slip.

        Returns the number of Person rows made (0 when there is nowhere else to put them).
        """
        rng = self.rng
        surname, name, patronymic, no_patronymic, birth, gender = ident
        if variant == 'yo':
            surname, name, patronymic = (s.replace('ё', 'е') for s in (surname, name, patronymic))
        elif variant == 'typo':
            if len(surname) >= 4:
                surname = self.typo(surname)
            else:
                name = self.typo(name)
        elif variant == 'swap_day_month':
            birth = birth.replace(month=birth.day, day=birth.month)
        elif variant == 'no_patronymic':
            patronymic, no_patronymic = '', 0
        elif variant == 'latin':
            positions = [i for i, ch in enumerate(surname) if ch in LATIN_LOOKALIKE and i > 0] or \
                [i for i, ch in enumerate(surname) if ch in LATIN_LOOKALIKE]
            if positions:
                i = rng.choice(positions)
                surname = surname[:i] + LATIN_LOOKALIKE[surname[i]] + surname[i + 1:]
            else:
                i = next((i for i, ch in enumerate(name) if ch in LATIN_LOOKALIKE), 0)
                name = name[:i] + LATIN_LOOKALIKE.get(name[i], name[i]) + name[i + 1:]
        # Where the second record lives: an ОДО the original does not attend, else another
        # school or kindergarten of the municipality.
        dup_age = age_on(birth, self.today)
        candidates = [p for p in (muni.odo_by_age.get(dup_age) or ()) if p.org.id not in orgs] or \
            [p for p in self.odo_by_age.get(dup_age, ()) if p.org.id not in orgs]
        place = None
        if not candidates:
            grade = self.start_year - birth.year - 6
            if grade <= 0:
                options, key = muni.kindergartens, ('group', min(3, max(0, grade + 3)))
            else:
                options, key = muni.schools, ('class', min(11, grade))
            options = [o for o in options if o.id not in orgs] or \
                [o for m in self.munis for o in (m.kindergartens if grade <= 0 else m.schools)
                 if o.id not in orgs]
            if not options:
                return 0
            place = options[rng.randrange(len(options))].slots[key]
        pid = self.new_id(Person)
        key = name_key
        self.buffers[Person].append((
            pid, surname, name, patronymic, no_patronymic, birth.isoformat(), gender,
            snils if rng.random() < 0.3 else None, 'Российская Федерация', '', '', '',
            key(surname), key(name), key(patronymic), 0, self.created_at, 1))
        if variant == 'swap_day_month':
            self.buffers[IdentityDocument].append(self.document(pid, birth, muni))
        elif rng.random() < 0.6:
            self.buffers[IdentityDocument].append((self.new_id(IdentityDocument), pid) + tuple(doc[2:]))
        if candidates:
            prog = candidates[rng.randrange(len(candidates))]
            sy = rng.randint(1, max(1, min(prog.duration, dup_age - prog.age_from + 1)))
            self.enrol(pid, prog, sy, set())
        else:
            aid = self.take_seat(place)
            self.buffers[Membership].append((self.new_id(Membership), pid, aid, place.org.id,
                                             self.starts_on.isoformat(), None, None, None, '', '', '', '', ''))
        self.duplicates += 1
        return 1

    def typo(self, word):
        """Two neighbouring letters swapped (or, for a double letter, one letter changed)."""
        if len(word) < 3:
            return word + word[-1]
        p = self.rng.randint(1, len(word) - 2)
        swapped = word[:p] + word[p + 1] + word[p] + word[p + 2:]
        if swapped == word:
            swapped = word[:p] + ('а' if word[p] != 'а' else 'о') + word[p + 1:]
        return swapped

    # -- users --
    def users(self):
        from werkzeug.security import generate_password_hash
        roles = self.roles
        for pid, org_id, role, login in self.staff_users:
            uid = self.add(User, login=login, password_hash=None, person=pid, created_at=self.created_at)
            self.add(UserRole, user=uid, organisation=org_id, role=roles[role])
        home, second = self.home_odo.id, self.second_odo.id
        body = self.munis[0].body.id
        demo = [
            ('odo-admin', [(home, 'odo_admin'), (second, 'odo_admin')]),
            ('odo-teacher', [(home, 'teacher')]),
            ('child-13', [(home, 'student')]),
            ('child-15', [(home, 'student')]),
            ('uo-specialist', [(body, 'authority_specialist')]),
        ]
        now = datetime.datetime.combine(self.today, datetime.time(8, 0))
        for login, grants in demo:
            uid = self.add(User, login=login, password_hash=generate_password_hash(DEMO_PASSWORD),
                           person=self.demo[login], password_changed_at=now, created_at=self.created_at)
            for org_id, role in grants:
                self.add(UserRole, user=uid, organisation=org_id, role=roles[role])
        self.flush()

    def drop_indexes(self):
        """Drop the secondary indexes of the bulk-loaded tables; returns their SQL to recreate.

        Building an index once over loaded rows is many times cheaper than keeping a dozen
        b-trees up to date row by row; the indexes come back exactly as they were.
        """
        db = self.db
        saved = []
        for model in HOT_FIELDS:
            table = model._meta.table_name
            keep = set()
            if self.writer.postgres:
                cursor = db.execute_sql(
                    "SELECT conindid::regclass::text FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND conindid <> 0", (f'"{table}"',))
                keep = {row[0].split('.')[-1].strip('"') for row in cursor.fetchall()}
            for index in db.get_indexes(table):
                if not index.sql or index.name in keep or index.name.startswith('sqlite_autoindex'):
                    continue
                saved.append((index.name, index.sql))
        with db.atomic():
            for name, _ in saved:
                db.execute_sql(f'DROP INDEX "{name}"')
        return saved

    def create_indexes(self, saved):
        db = self.db
        if self.writer.postgres:
            db.execute_sql("SET maintenance_work_mem TO '256MB'")
        for n, (name, sql) in enumerate(saved):
            self.report(n, len(saved), 'индексы')
            db.execute_sql(sql)
        self.report(len(saved), len(saved), 'индексы')
        if self.writer.postgres:
            db.execute_sql('RESET maintenance_work_mem')

    def finish(self):
        db = self.db
        with db.atomic():
            # Orders that no child landed in (small regions) are not kept.
            db.execute_sql('DELETE FROM "order" WHERE NOT EXISTS '
                           '(SELECT 1 FROM order_line WHERE order_line.order_id = "order".id)')
            # Staff are marked here, in one statement each (not listed as children).
            (Person.update(is_staff=True)
             .where(Person.id.in_(Employment.select(Employment.person))).execute())
            # Memberships get the child's surname key and gender here, in one statement.
            (Membership.update(surname_key=Person.surname_key, gender=Person.gender)
             .from_(Person).where(Membership.person == Person.id).execute())
        if isinstance(db, PostgresqlDatabase):
            for model in WRITE_ORDER:
                table = model._meta.table_name
                db.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)')
        db.execute_sql('ANALYZE')


class _Pipeline:
    """Writes batches in a thread of its own, so generating the next chunk overlaps the
    database's work on the last one.  At most two batches wait, which bounds memory."""

    def __init__(self, loader):
        self.loader = loader
        self.queue = queue.Queue(maxsize=2)
        self.error = None
        self.thread = threading.Thread(target=self.run, name='demo-writer', daemon=True)
        self.thread.start()

    def run(self):
        db = self.loader.db
        try:
            while True:
                batch = self.queue.get()
                if batch is None:
                    return
                if self.error is None:
                    try:
                        self.loader.write_batch(batch)
                    except BaseException as exc:  # reported to the producer
                        self.error = exc
        finally:
            if not db.is_closed():
                db.close()

    def submit(self, batch):
        if self.error is not None:
            raise self.error
        self.queue.put(batch)

    def close(self):
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            raise self.error

    def abort(self):
        self.error = self.error or RuntimeError('aborted')
        self.queue.put(None)
        self.thread.join()


_ROMAN = _Pick([('I', 40), ('II', 25), ('III', 8), ('IV', 5), ('V', 4), ('VI', 3), ('X', 3),
                ('XII', 2), ('LXIV', 2)])
_LETTERS = _Pick([('ФС', 20), ('ФВ', 20), ('ФЛ', 10), ('ФО', 5), ('АИ', 5), ('ВЛ', 5), ('ПК', 5),
                  ('ЛЖ', 3), ('ЁН', 1)])
_RESERVED_SNILS = frozenset(DEMO_SNILS.values())
# How often each reason of withdrawal is given (by parents' request most often).
_WITHDRAWAL_REASON = _Pick([('parents_request', 35), ('moved', 20), ('other_organisation', 15),
                            ('completed', 10), ('absence', 8), ('health', 7), ('other', 5)])


def _translit(text):
    from faker.providers.person.ru_RU import translit
    return translit(text.lower())


def _allocate(count, weights, first_min=0, spread=True):
    """Split ``count`` over municipalities: one each when there are enough (if spread),
    the rest by weight (largest remainder); the first gets at least ``first_min``."""
    n = len(weights)
    result = [0] * n
    rest = count
    if first_min:
        result[0] = min(first_min, rest)
        rest -= result[0]
    if spread and rest >= n:
        for i in range(n):
            if result[i] == 0:
                result[i] = 1
                rest -= 1
    total = sum(weights)
    shares = [rest * w / total for w in weights]
    floors = [int(s) for s in shares]
    for i in range(n):
        result[i] += floors[i]
    left = rest - sum(floors)
    order = sorted(range(n), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[:left]:
        result[i] += 1
    return result


# --- Public API -------------------------------------------------------------------

def load_demo_region(children=20000, organisations=300, seed=2024, progress=None, today=None):
    """Fill an empty, migrated database (``models.db``) with the demo region.

    Returns a dict of counts.  ``progress(done, total, stage)`` is called as the
    load goes; ``today`` fixes the school year and the ages (default: today).
    """
    database = models.db.obj if isinstance(models.db, models.DatabaseProxy) else models.db
    if database is None:
        raise RuntimeError('models.db is not initialised')
    if Region.select().exists():
        raise RuntimeError('the database already holds a region; the demo loads into an empty one')
    today = today or datetime.date.today()
    loader = _Loader(database, children, organisations, seed, progress, today)
    loader.report(0, 1, 'организации')
    loader.setup()
    loader.report(1, 1, 'организации')
    loader.run_children()
    loader.users()
    loader.report(0, 1, 'завершение')
    loader.finish()
    loader.report(1, 1, 'завершение')
    c = loader.counts
    kinds = {}
    for org in loader.orgs:
        kinds[org.kind] = kinds.get(org.kind, 0) + 1
    return {
        'municipalities': c.get(Municipality, 0),
        'settlements': c.get(Settlement, 0),
        'organisations': c.get(Organisation, 0),
        **{f'organisations_{kind}': n for kind, n in kinds.items()},
        'programs': c.get(Program, 0),
        'associations': c.get(Association, 0),
        'people': c.get(Person, 0),
        'children': loader.children_total,
        'staff': c.get(Employment, 0),
        'portfolio_items': c.get(PortfolioItem, 0),
        'documents': c.get(IdentityDocument, 0),
        'memberships': c.get(Membership, 0),
        'orders': Order.select().count(),
        'order_lines': c.get(OrderLine, 0),
        'pool': loader.pool,
        'duplicates': loader.duplicates,
        'users': c.get(User, 0),
    }


def demo_sign_ins():
    """(login, password, who) of the demo accounts, for printing."""
    return [
        ('odo-admin', DEMO_PASSWORD, f'Администратор ОДО: {HOME_ODO} и ещё одна организация'),
        ('odo-teacher', DEMO_PASSWORD, f'Педагог дополнительного образования, {HOME_ODO}'),
        ('child-13', DEMO_PASSWORD, f'Обучающийся 13 лет, {HOME_ODO}'),
        ('child-15', DEMO_PASSWORD, f'Обучающаяся 15 лет, {HOME_ODO}'),
        ('uo-specialist', DEMO_PASSWORD, 'Специалист управления образования города Южно-Сахалинска'),
    ]


def print_progress(done, total, stage='', stream=None, width=30):
    """A one-line text progress bar on stderr (carriage return; newline when complete)."""
    stream = stream or sys.stderr
    fraction = done / total if total else 1.0
    filled = int(width * fraction)
    bar = '#' * filled + '-' * (width - filled)
    stream.write(f'\r{stage:<12} [{bar}] {fraction * 100:5.1f}% {done}/{total}')
    if done >= total:
        stream.write('\n')
    stream.flush()
