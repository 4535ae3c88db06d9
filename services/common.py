"""What every area shares: the refusal, a versioned save, the write transaction, parsing of
what people type.  No Flask here."""
import datetime
import re

from peewee import SqliteDatabase

from models import db

STALE = ('Запись изменил другой пользователь, пока у вас была открыта форма. '
         'Обновите страницу и внесите изменения ещё раз.')


class Refused(Exception):
    """An action the rules forbid; ``messages`` are sentences for the user."""

    def __init__(self, *messages):
        super().__init__(' '.join(messages))
        self.messages = list(messages)


def ru_date(value):
    return value.strftime('%d.%m.%Y') if value else ''


def parse_date(text):
    """'2026-09-01' (a date input) or '01.09.2026' (typed) → date; anything else → None."""
    text = (text or '').strip()
    for pattern in ('%Y-%m-%d', '%d.%m.%Y'):
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def parse_int(text):
    text = (text or '').strip()
    return int(text) if re.fullmatch(r'-?\d{1,9}', text) else None


def write_transaction():
    """A transaction whose reads and writes cannot interleave with another writer's."""
    if isinstance(db.obj, SqliteDatabase):
        return db.atomic('IMMEDIATE')
    return db.atomic()


def locked(query):
    """The rows of ``query``, locked until the transaction ends (PostgreSQL; SQLite is already serial)."""
    return query if isinstance(db.obj, SqliteDatabase) else query.for_update()


def save_versioned(instance, version, **changes):
    """Write ``changes`` only if nobody saved the record since ``version`` was read."""
    model = type(instance)
    written = (model.update(version=model.version + 1, **changes)
               .where(model.id == instance.id, model.version == version).execute())
    if not written:
        raise Refused(STALE)
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.version = version + 1
    return instance


def age_on(birth_date, day):
    """Full years of a person born on ``birth_date`` on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
