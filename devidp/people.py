"""The development identity provider's test people.

The teacher, the administrator, the 15-year-old and the management-body specialist carry
the СНИЛС of the demo accounts (demo/catalogue.py), so after `make run` those demo accounts
sign in through this provider. The others exercise refusals: a parent nobody has added,
an unconfirmed ЕСИА account, a person unknown to the region.
"""
import datetime

# The СНИЛС of the demo accounts, as in demo.DEMO_SNILS (a test keeps them equal).
DEMO_SNILS = {
    'odo-admin': '11223344595',
    'odo-teacher': '12345678964',
    'uo-specialist': '34567891226',
    'child-13': '45678912344',
    'child-15': '56789123453',
}


def _years_ago(years, days):
    today = datetime.date.today()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - datetime.timedelta(days=days)


def _snils(digits):
    return f'{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}'


def people():
    """(key, label, ЕСИА person) of every test person; birth dates of children move with today."""
    rows = [
        ('teacher', 'Педагог — демо-сотрудник odo-teacher', '1000000001', 'Ким', 'Дмитрий',
         'Сергеевич', datetime.date(1990, 11, 3), 'M', DEMO_SNILS['odo-teacher'], True),
        ('director', 'Заместитель директора — демо-администратор odo-admin', '1000000002',
         'Ковалёва', 'Наталья', 'Викторовна', datetime.date(1981, 4, 12), 'F',
         DEMO_SNILS['odo-admin'], True),
        ('teen', 'Обучающаяся 15 лет — демо child-15', '1000000003', 'Петрова', 'Алина',
         'Андреевна', _years_ago(15, 200), 'F', DEMO_SNILS['child-15'], True),
        ('specialist', 'Специалист управления образования — демо uo-specialist', '1000000007',
         'Лебедева', 'Ольга', 'Николаевна', datetime.date(1976, 2, 20), 'F',
         DEMO_SNILS['uo-specialist'], True),
        ('parent', 'Родитель (в системе нет учётной записи)', '1000000004', 'Соколова', 'Елена',
         'Павловна', datetime.date(1987, 6, 9), 'F', '23456789100', True),
        ('unconfirmed', 'Неподтверждённая учётная запись Госуслуг', '1000000005', 'Орлов',
         'Павел', 'Андреевич', datetime.date(1992, 1, 15), 'M', '67891234553', False),
        ('stranger', 'Человек, неизвестный региону', '1000000006', 'Иванов', 'Пётр', 'Петрович',
         datetime.date(1979, 9, 30), 'M', '78912345644', True),
    ]
    found = []
    for key, label, oid, last, first, middle, birth, gender, snils, trusted in rows:
        found.append({'key': key, 'label': label, 'oid': oid, 'person': {
            'lastName': last, 'firstName': first, 'middleName': middle,
            'birthDate': birth.strftime('%d.%m.%Y'), 'gender': gender,
            'snils': _snils(snils), 'trusted': trusted, 'citizenship': 'RUS', 'status': 'REGISTERED'}})
    return found


def by_oid(oid):
    return next((p for p in people() if p['oid'] == oid), None)


def by_key(key):
    return next((p for p in people() if p['key'] == key), None)
