"""Talking to ЕСИА from the server: exchange the code for tokens, read the person's data.

Codes, tokens and signatures never reach the log or an exception message: errors carry
ЕСИА's error code and a sentence for the user (services/esia/errors.py).
"""
import datetime
import functools
import json
import logging
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

import clock
from services.esia import errors, gost, messages, tokens, verifiers
from keys import digits_key

MAX_ANSWER = 256 * 1024
log = logging.getLogger(__name__)


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


@functools.lru_cache(maxsize=4)
def _tls(ca_file):
    """TLS for calls to ЕСИА: the Минцифры root of esia.gosuslugi.ru is not in Debian's store,
    so a CA bundle can be configured (ESIA_CA_FILE)."""
    return ssl.create_default_context(cafile=ca_file or None)


def _call(config, request):
    """(status, parsed JSON or None) of an HTTP call; network failures become EsiaError."""
    try:
        with urllib.request.urlopen(request, timeout=config['ESIA_TIMEOUT'],
                                    context=_tls(config.get('ESIA_CA_FILE', ''))) as response:
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
    now = now or clock.wall_now()  # ЕСИА checks our timestamp against its own clock
    url, form = messages.token_request(config, signer, code, str(uuid.uuid4()), now)
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(),
                                     headers={'Content-Type': 'application/x-www-form-urlencoded'})
    status, answer = _call(config, request)
    _raise_for(status, answer)
    if answer.get('state') != form['state']:
        raise errors.EsiaError('bad_answer', 'state of the token answer does not match')
    keys = [verifiers.verifying_key(path, config) for path in _certificate_paths(config)]
    checked = {}
    for name in ('access_token', 'id_token'):
        if name == 'id_token' and not answer.get(name):
            continue
        try:
            claims = tokens.verify(answer.get(name), keys, config['ESIA_ISSUER'],
                                   config['ESIA_CLIENT_ID'], clock.wall_now().timestamp())
            if config.get('ESIA_LOG_CLAIM_NAMES'):  # onboarding: which claims come, never their values
                log.warning('esia %s claims: %s', name, ', '.join(sorted(claims)))
            checked[name] = (tokens.access_token_person(claims) if name == 'access_token'
                             else tokens.id_token_person(claims))
        except tokens.TokenError as exc:
            raise errors.EsiaError('bad_token', f'{name}: {exc}') from None
    if len(set(checked.values())) != 1:
        raise errors.EsiaError('bad_token', 'access token and id_token name different people')
    return checked['access_token'], answer['access_token']


def _certificate_paths(config):
    paths = []
    for entry in filter(None, (p.strip() for p in config.get('ESIA_VERIFY_TOKENS', '').split(','))):
        if os.path.isdir(entry):
            paths += sorted(os.path.join(entry, name) for name in os.listdir(entry)
                            if name.lower().endswith(('.cer', '.crt', '.pem')))
        else:
            paths.append(entry)
    return paths


def verification_certificates(config):
    """[(path, Certificate)] that may sign ЕСИА's tokens: ESIA_VERIFY_TOKENS names files
    (separated by commas) or a folder of .cer/.crt/.pem files, so a new key can be trusted
    before ЕСИА switches to it. Each file is parsed once while it stays the same."""
    return [(path, verifiers.certificate(path)) for path in _certificate_paths(config)]


def expired_certificates(config, now=None):
    """Names of the configured token certificates past their notAfter (for the log and /healthz)."""
    now = now or clock.wall_now()
    try:
        found = verification_certificates(config)
    except (OSError, ValueError):
        return []
    return [os.path.basename(path) for path, certificate in found if certificate.validity()[1] < now]


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
    status, answer = _call(config, request)
    _raise_for(status, answer)
    return EsiaPerson(
        oid=oid, surname=str(answer.get('lastName') or ''), name=str(answer.get('firstName') or ''),
        patronymic=str(answer.get('middleName') or ''), birth_date=_date(answer.get('birthDate')),
        gender={'M': 'M', 'F': 'F', 'MALE': 'M', 'FEMALE': 'F'}.get(str(answer.get('gender', '')).upper(), ''),
        snils=digits_key(answer.get('snils')), trusted=answer.get('trusted') is True)
