"""ЕСИА tokens: JWTs signed GOST3410_2012_256, which PyJWT cannot verify.

``verify`` checks the signature against any of the identity provider's certificates (ЕСИА
rotates its key about yearly), then the issuer, the client (``aud`` of an id_token,
``client_id`` of an access token) and the expiry.  The person is named differently in the
two tokens ЕСИА returns: the access token carries ``urn:esia:sbj_id``; the id_token carries
``urn:esia:sbj`` → ``urn:esia:sbj:oid`` (and ``sub``), never ``urn:esia:sbj_id``.
``issue`` exists for the development identity provider and for tests.
"""
import json

from services.esia.messages import b64url, b64url_decode

ALGORITHM = 'GOST3410_2012_256'
LEEWAY_SECONDS = 60
ACCESS_PERSON = 'urn:esia:sbj_id'
ID_SUBJECT, ID_PERSON = 'urn:esia:sbj', 'urn:esia:sbj:oid'


class TokenError(ValueError):
    """Why a token was refused, in English for the log; never contains the token."""


def issue(claims, key, subject_type='access', k=None):
    """A signed JWT with ЕСИА's header (``sbt``: access, id or authorization_code)."""
    header = {'ver': 1, 'typ': 'JWT', 'sbt': subject_type, 'alg': ALGORITHM}
    signing_input = (b64url(json.dumps(header, separators=(',', ':')).encode()) + '.' +
                     b64url(json.dumps(claims, ensure_ascii=False, separators=(',', ':')).encode()))
    return signing_input + '.' + b64url(key.sign(signing_input.encode('ascii'), k=k))


def verify(token, public_keys, issuer, client_id, now):
    """Return the claims of a valid token or raise TokenError. ``now`` is a Unix time;
    ``public_keys`` is one key or several (the current and the next certificate)."""
    parts = (token or '').split('.')
    if len(parts) != 3:
        raise TokenError('token is not a JWT')
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        raise TokenError('token is not valid base64url JSON') from None
    algorithm = header.get('alg') if isinstance(header, dict) else None
    if algorithm != ALGORITHM:
        raise TokenError(f'token algorithm {str(algorithm)[:20]!r} is not {ALGORITHM}: choose '
                         f'{ALGORITHM} as the token signature algorithm in the system\'s card '
                         'on the ЕСИА technology portal')
    keys = public_keys if isinstance(public_keys, (list, tuple)) else [public_keys]
    signed = f'{parts[0]}.{parts[1]}'.encode('ascii')
    if not any(key.verify(signed, signature) for key in keys):
        raise TokenError('token signature does not verify with any configured ЕСИА certificate')
    if not isinstance(claims, dict):
        raise TokenError('token claims are not an object')
    if claims.get('iss') != issuer:
        raise TokenError('token issuer is not the configured ЕСИА')
    audience = claims.get('aud', claims.get('client_id'))
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise TokenError('token was issued to another client')
    try:
        expires = float(claims['exp'])
    except (KeyError, TypeError, ValueError):
        raise TokenError('token has no expiry') from None
    if expires + LEEWAY_SECONDS < now:
        raise TokenError('token has expired')
    not_before = claims.get('nbf', claims.get('iat'))
    if isinstance(not_before, (int, float)) and not_before - LEEWAY_SECONDS > now:
        raise TokenError('token is not valid yet')
    return claims


def _oid(value):
    text = str(value if value is not None else '').strip()
    if not text.isdigit():
        raise TokenError('token carries no ЕСИА person id')
    return text


def access_token_person(claims):
    """The oid of the person an access token was issued for."""
    return _oid(claims.get(ACCESS_PERSON))


def id_token_person(claims):
    """The oid of an id_token: ``urn:esia:sbj`` → ``urn:esia:sbj:oid``, else ``sub``."""
    subject = claims.get(ID_SUBJECT)
    if isinstance(subject, dict) and subject.get(ID_PERSON) is not None:
        return _oid(subject[ID_PERSON])
    return _oid(claims.get('sub'))
