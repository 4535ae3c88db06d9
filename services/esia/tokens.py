"""ЕСИА tokens: JWTs signed GOST3410_2012_256, which PyJWT cannot verify.

``verify`` checks the signature against the identity provider's certificate, then the
issuer, the client (``aud`` of an id_token, ``client_id`` of an access token) and the
expiry. ``issue`` exists for the development identity provider and for tests.
"""
import json

from services.esia.messages import b64url, b64url_decode

ALGORITHM = 'GOST3410_2012_256'
LEEWAY_SECONDS = 60
SUBJECT_CLAIM = 'urn:esia:sbj_id'


class TokenError(ValueError):
    """Why a token was refused, in English for the log; never contains the token."""


def issue(claims, key, k=None):
    header = {'alg': ALGORITHM, 'typ': 'JWT', 'sbt': 'access', 'ver': 1}
    signing_input = (b64url(json.dumps(header, separators=(',', ':')).encode()) + '.' +
                     b64url(json.dumps(claims, ensure_ascii=False, separators=(',', ':')).encode()))
    return signing_input + '.' + b64url(key.sign(signing_input.encode('ascii'), k=k))


def verify(token, public_key, issuer, client_id, now):
    """Return the claims of a valid token or raise TokenError. ``now`` is a Unix time."""
    parts = (token or '').split('.')
    if len(parts) != 3:
        raise TokenError('token is not a JWT')
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        raise TokenError('token is not valid base64url JSON') from None
    if not isinstance(header, dict) or header.get('alg') != ALGORITHM:
        raise TokenError('unexpected token algorithm')
    if not public_key.verify(f'{parts[0]}.{parts[1]}'.encode('ascii'), signature):
        raise TokenError('token signature does not verify')
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
    if not str(claims.get(SUBJECT_CLAIM) or '').strip():
        raise TokenError('token carries no ЕСИА person id')
    return claims
