"""The audit log: who did what, to which object, from where, with what result.

Details are free text written by the code, never user input copied verbatim, and never
СНИЛС, document numbers, passwords, session ids, codes or tokens.
"""
from models import AuditEvent, utcnow


def record(event, *, user=None, login='', organisation=None, ip='', object_type='',
           object_id='', result='ok', details=''):
    return AuditEvent.create(
        at=utcnow(), event=event, user=user, login=(login or '')[:64],
        organisation=organisation, ip=ip or '', object_type=object_type,
        object_id=str(object_id or ''), result=result, details=details)
