"""The audit log: who did what, to which object, from where, with what result.

Details are free text written by the code, never user input copied verbatim, and never
СНИЛС, document numbers, passwords, session ids, codes or tokens.
"""
import hashlib
import hmac

from models import AuditEvent, utcnow


def record(event, *, user=None, login='', organisation=None, ip='', object_type='',
           object_id='', result='ok', details=''):
    return AuditEvent.create(
        at=utcnow(), event=event, user=user, login=(login or '')[:64],
        organisation=organisation, ip=ip or '', object_type=object_type,
        object_id=str(object_id or ''), result=result, details=details)


def typed_login(user, typed, key):
    """What the log keeps of a login typed at sign-in: the account's own login, or, when no
    account matches (people type passwords and СНИЛС there), a keyed hash that lets repeated
    attempts be told apart without keeping the text."""
    if user is not None:
        return user.login
    digest = hmac.new(key.encode(), (typed or '').strip().lower().encode(), hashlib.sha256)
    return 'unknown:' + digest.hexdigest()[:12]
