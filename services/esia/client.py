"""Talking to ЕСИА from the server: exchange the code for tokens, read the person's data.

Codes, tokens and signatures never reach the log or an exception message: errors carry
ЕСИА's error code and a sentence for the user (services/esia/errors.py).
"""
import datetime
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from services.esia import errors, gost, messages, tokens
from services.normalize import digits_key

MAX_ANSWER = 256 * 1024


@dataclass
class EsiaPerson:
    oid: str
    surname: str
    name: str
    patronymic: str
    birth_date: datetime.date | None
    gender: str
    snils: str  # 11 digits or ''
    trusted: bool


def _call(request, timeout):
    """(status, parsed JSON or None) of an HTTP call; network failures become EsiaError."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, body = response.status, response.read(MAX_ANSWER)
    except urllib.error.HTTPError as answer:
        status, body = answer.code, answer.read(MAX_ANSWER)
    except TimeoutError:
        raise errors.EsiaError('timeout') from None
    except urllib.error.URLError as exc:
        reason = 'timeout' if isinstance(exc.reason, TimeoutError) else 'unreachable'
        raise errors.EsiaError(reason) from None
    except OSError:
        raise errors.EsiaError('unreachable') from None
    try:
        return status, json.loads(body) if body else None
    except ValueError:
        return status, None


def _raise_for(status, answer):
    if status >= 500:
        raise errors.EsiaError('unavailable')
    if status >= 400 or not isinstance(answer, dict):
        answer = answer if isinstance(answer, dict) else {}
        raise errors.EsiaError(str(answer.get('error') or 'bad_answer'),
                               str(answer.get('error_description') or ''))


def exchange_code(config, signer, code, now=None):
    """Trade the one-time code for verified tokens; return (oid, access_token)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    url, form = messages.token_request(config, signer, code, str(uuid.uuid4()), now)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                     headers={'Content-Type': 'application/x-www-form-urlencoded'})
    status, answer = _call(request, config['ESIA_TIMEOUT'])
    _raise_for(status, answer)
    if answer.get('state') != form['state']:
        raise errors.EsiaError('bad_answer', 'state of the token answer does not match')
    idp_key = gost.Certificate.from_file(config['ESIA_VERIFY_TOKENS']).public_key()
    checked = []
    for name in ('access_token', 'id_token'):
        if name == 'id_token' and not answer.get(name):
            continue
        try:
            checked.append(tokens.verify(answer.get(name), idp_key, config['ESIA_ISSUER'],
                                         config['ESIA_CLIENT_ID'], time.time()))
        except tokens.TokenError as exc:
            raise errors.EsiaError('bad_token', f'{name}: {exc}') from None
    oids = {str(claims[tokens.SUBJECT_CLAIM]) for claims in checked}
    if len(oids) != 1:
        raise errors.EsiaError('bad_token', 'tokens name different people')
    return oids.pop(), answer['access_token']


def _date(text):
    try:
        return datetime.datetime.strptime(text or '', '%d.%m.%Y').date()
    except ValueError:
        return None


def fetch_person(config, access_token, oid):
    """GET {base}/rs/prns/{oid} with the bearer token."""
    if not re.fullmatch(r'\d{1,20}', oid):
        raise errors.EsiaError('bad_token', 'person id is not numeric')
    request = urllib.request.Request(f"{config['ESIA_BASE_URL']}/rs/prns/{oid}",
                                     headers={'Authorization': f'Bearer {access_token}',
                                              'Accept': 'application/json'})
    status, answer = _call(request, config['ESIA_TIMEOUT'])
    _raise_for(status, answer)
    return EsiaPerson(
        oid=oid, surname=str(answer.get('lastName') or ''), name=str(answer.get('firstName') or ''),
        patronymic=str(answer.get('middleName') or ''), birth_date=_date(answer.get('birthDate')),
        gender={'M': 'M', 'F': 'F', 'MALE': 'M', 'FEMALE': 'F'}.get(str(answer.get('gender', '')).upper(), ''),
        snils=digits_key(answer.get('snils')), trusted=answer.get('trusted') is True)
