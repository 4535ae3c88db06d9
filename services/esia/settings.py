"""ЕСИА settings: app.config keys, each overridable by an environment variable of the same name.

In development (KRUZHOK_ENV=development) the defaults point at the development identity
provider (devidp, http://127.0.0.1:8001) and its development-only keys; in any other
environment nothing points at it: every ЕСИА setting must be given explicitly.
"""
import os
from urllib.parse import urlsplit

DEV_IDP_URL = 'http://127.0.0.1:8001'
DEV_CLIENT_ID = 'KRUZHOK-DEV'
DEV_KEYS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                        'devidp', 'keys')
DEFAULT_SCOPE = 'openid fullname birthdate gender snils'
ESIA_ISSUER = 'http://esia.gosuslugi.ru/'

REQUIRED = ('ESIA_BASE_URL', 'ESIA_CLIENT_ID', 'ESIA_REDIRECT_URI', 'ESIA_CERT_PATH',
            'ESIA_VERIFY_TOKENS', 'ESIA_ISSUER')


def from_environment(environment, environ=os.environ):
    dev = environment == 'development'

    def setting(name, development_default='', default=''):
        return environ.get(name, development_default if dev else default)

    base_url = setting('ESIA_BASE_URL', DEV_IDP_URL).rstrip('/')
    return {
        'ESIA_BASE_URL': base_url,
        'ESIA_CLIENT_ID': setting('ESIA_CLIENT_ID', DEV_CLIENT_ID),
        'ESIA_REDIRECT_URI': setting('ESIA_REDIRECT_URI', 'http://127.0.0.1:8000/esia/return'),
        'ESIA_SCOPE': environ.get('ESIA_SCOPE', DEFAULT_SCOPE),
        'ESIA_PROTOCOL': environ.get('ESIA_PROTOCOL', 'v2'),
        'ESIA_SIGNER': setting('ESIA_SIGNER', 'pure', 'openssl'),
        'ESIA_KEY_PATH': setting('ESIA_KEY_PATH', os.path.join(DEV_KEYS, 'client.key')),
        'ESIA_CERT_PATH': setting('ESIA_CERT_PATH', os.path.join(DEV_KEYS, 'client.crt')),
        'ESIA_OPENSSL': environ.get('ESIA_OPENSSL', 'openssl'),
        # Token signatures: auto (OpenSSL's GOST engine when it loads, else pure Python), openssl, pure.
        'ESIA_VERIFY_WITH': environ.get('ESIA_VERIFY_WITH', 'auto'),
        'ESIA_CSPTEST': environ.get('ESIA_CSPTEST', '/opt/cprocsp/bin/amd64/csptest'),
        'ESIA_CRYPTOPRO_CONTAINER': environ.get('ESIA_CRYPTOPRO_CONTAINER', ''),
        'ESIA_CRYPTOPRO_PIN': environ.get('ESIA_CRYPTOPRO_PIN', ''),
        'ESIA_SIGNER_URL': environ.get('ESIA_SIGNER_URL', ''),
        'ESIA_SIGNER_TOKEN': environ.get('ESIA_SIGNER_TOKEN', ''),
        'ESIA_VERIFY_TOKENS': setting('ESIA_VERIFY_TOKENS', os.path.join(DEV_KEYS, 'idp.crt')),
        'ESIA_ISSUER': environ.get('ESIA_ISSUER', issuer_of(base_url)),
        'ESIA_CA_FILE': environ.get('ESIA_CA_FILE', ''),
        'ESIA_KEY_PASSWORD': environ.get('ESIA_KEY_PASSWORD', ''),
        'ESIA_CRYPTOPRO_KEYTYPE': environ.get('ESIA_CRYPTOPRO_KEYTYPE', 'exchange'),
        'ESIA_LOG_CLAIM_NAMES': environ.get('ESIA_LOG_CLAIM_NAMES') == '1',
        'ESIA_TIMEOUT': float(environ.get('ESIA_TIMEOUT', 10)),
        # Re-allows password sign-in of staff after the region's ЕСИА date: local development only.
        'STAFF_PASSWORD_SIGN_IN': dev and environ.get('KRUZHOK_ALLOW_STAFF_PASSWORD') == '1',
    }


def issuer_of(base_url):
    """The ``iss`` of tokens from the ЕСИА at ``base_url``. ЕСИА's own environments, production
    and test alike, write ``http://esia.gosuslugi.ru/`` (a token signed by the test environment
    in tests/data/esia-vectors shows it); any other provider, its own host."""
    host = urlsplit(base_url).netloc
    if not host:
        return ''
    if host == 'gosuslugi.ru' or host.endswith('.gosuslugi.ru'):
        return ESIA_ISSUER
    return f'http://{host}/'


def missing(config):
    """The names of required settings that are empty (ЕСИА sign-in is off until they are set)."""
    absent = [name for name in REQUIRED if not config.get(name)]
    if config.get('ESIA_SIGNER') in ('pure', 'openssl') and not config.get('ESIA_KEY_PATH'):
        absent.append('ESIA_KEY_PATH')
    if config.get('ESIA_SIGNER') == 'cryptopro' and not config.get('ESIA_CRYPTOPRO_CONTAINER'):
        absent.append('ESIA_CRYPTOPRO_CONTAINER')
    if config.get('ESIA_SIGNER') == 'remote' and not config.get('ESIA_SIGNER_URL'):
        absent.append('ESIA_SIGNER_URL')
    return absent
