"""The audit log: who did what, to which object, from where, with what result.

Details are free text written by the code, never user input copied verbatim, and never
СНИЛС, document numbers, passwords, session ids, codes or tokens.
"""
import hashlib
import hmac

from models import AuditEvent, db, utcnow

FIELDS = ('at', 'user', 'login', 'organisation', 'ip', 'event', 'object_type', 'object_id',
          'result', 'details')
_inserts = {}  # database kind → the INSERT's SQL, generated once (a page writes one row or more)


def _insert_sql(database):
    sql = _inserts.get(type(database))
    if sql is None:
        fields = AuditEvent._meta.fields
        query = AuditEvent.insert({fields[name]: None for name in FIELDS})
        sql, params = database.get_sql_context().sql(query).query()
        assert len(params) == len(FIELDS), params
        sql = _inserts[type(database)] = sql
    return sql


def record(event, *, user=None, login='', organisation=None, ip='', object_type='',
           object_id='', result='ok', details=''):
    """Write one audit row (the INSERT's SQL is built once per database kind)."""
    fields = AuditEvent._meta.fields
    values = dict(at=utcnow(), event=event, user=user, login=(login or '')[:64],
                  organisation=organisation, ip=ip or '', object_type=object_type,
                  object_id=str(object_id or ''), result=result, details=details)
    database = db.obj
    database.execute_sql(_insert_sql(database),
                         [fields[name].db_value(values[name]) for name in FIELDS])


def typed_login(user, typed, key):
    """What the log keeps of a login typed at sign-in: the account's own login, or, when no
    account matches (people type passwords and СНИЛС there), a keyed hash that lets repeated
    attempts be told apart without keeping the text."""
    if user is not None:
        return user.login
    digest = hmac.new(key.encode(), (typed or '').strip().lower().encode(), hashlib.sha256)
    return 'unknown:' + digest.hexdigest()[:12]
