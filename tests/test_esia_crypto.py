"""ЕСИА cryptography: GOST byte order against OpenSSL, the signers, golden vectors of the
signed messages of both protocols, and token verification."""
import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from services.esia import errors, gost, messages, signers, tokens

DATA = os.path.join(os.path.dirname(__file__), 'data', 'esia')
KEY, CERT = os.path.join(DATA, 'client.key'), os.path.join(DATA, 'client.crt')
IDP_KEY, IDP_CERT = os.path.join(DATA, 'idp.key'), os.path.join(DATA, 'idp.crt')
FIXED_K = 0x2B3F5A6C1D8E9F00112233445566778899AABBCCDDEEFF0011223344556677
CERT_HASH = '7C95E1168EDFA7ECE1FA6A08CC38D6C59413BA5B447C2AA4C6E134E33C093E87'
CONFIG = {
    'ESIA_BASE_URL': 'https://esia-portal1.test.gosuslugi.ru', 'ESIA_CLIENT_ID': 'KRUZHOK',
    'ESIA_REDIRECT_URI': 'https://kruzhok.example.ru/esia/return',
    'ESIA_SCOPE': 'openid fullname birthdate gender snils',
}
NOW = datetime.datetime(2026, 11, 29, 9, 30, 15, tzinfo=datetime.timezone.utc)
STATE = '6a1f3c2e-8b4d-4e5f-9a7b-0c1d2e3f4a5b'


def openssl_gost_available():
    if not shutil.which('openssl'):
        return False
    return subprocess.run(['openssl', 'engine', 'gost'], capture_output=True).returncode == 0


needs_openssl = pytest.mark.skipif(
    not openssl_gost_available() and not os.environ.get('CI'),
    reason='OpenSSL GOST engine (libengine-gost-openssl) not installed; .ci/run installs it')


def openssl(*args, data=None):
    done = subprocess.run(['openssl', *args], input=data, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def openssl_verifies(tmp_path, data, signature, cert=CERT):
    (tmp_path / 'data').write_bytes(data)
    (tmp_path / 'sig').write_bytes(signature)
    pub = tmp_path / 'pub.pem'
    openssl('x509', '-engine', 'gost', '-in', cert, '-pubkey', '-noout', '-out', str(pub))
    done = subprocess.run(['openssl', 'dgst', '-engine', 'gost', '-md_gost12_256', '-verify', str(pub),
                           '-signature', str(tmp_path / 'sig'), str(tmp_path / 'data')],
                          capture_output=True, text=True)
    return 'Verified OK' in done.stdout


# --- GOST primitives -----------------------------------------------------------

def test_streebog_matches_the_standard_test_vector():
    # GOST R 34.11-2012, example 1: the standard prints M1 as a little-endian number; the
    # bytes are the ASCII digits below, and the hash is written as OpenSSL prints it.
    m1 = b'012345678901234567890123456789012345678901234567890123456789012'
    assert gost.streebog256(m1).hex() == '9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500'


def test_key_and_certificate_belong_together():
    key = gost.PrivateKey.from_pem(open(KEY, 'rb').read())
    certificate = gost.Certificate.from_file(CERT)
    assert key.paramset == '1.2.643.2.2.35.1'  # CryptoPro-A, as real ЕСИА client keys
    assert key.public_key() == certificate.public_key()
    assert certificate.hash_hex() == CERT_HASH


@needs_openssl
def test_certificate_hash_is_streebog_of_the_der_as_openssl_computes_it():
    der = openssl('x509', '-in', CERT, '-outform', 'DER')
    digest = openssl('dgst', '-engine', 'gost', '-md_gost12_256', '-binary', data=der)
    assert digest.hex().upper() == CERT_HASH


@needs_openssl
def test_pure_signature_verifies_in_openssl(tmp_path):
    data = 'KRUZHOKopenid2026.11.29 09:30:15 +0000state'.encode()
    signature = signers.PureSigner(KEY, CERT).sign(data)
    assert openssl_verifies(tmp_path, data, signature)
    assert not openssl_verifies(tmp_path, data + b'!', signature)


@needs_openssl
def test_openssl_signer_signature_verifies_in_pure_python():
    data = 'Кружок: подпись'.encode()
    signer = signers.OpenSSLSigner(KEY, CERT)
    signature = signer.sign(data)
    public = gost.Certificate.from_file(CERT).public_key()
    assert len(signature) == 64 and public.verify(data, signature)
    assert not public.verify(data + b'x', signature)


@needs_openssl
def test_detached_cms_round_trip_with_openssl(tmp_path):
    data = messages.legacy_text('openid', '2026.11.29 09:30:15 +0000', 'KRUZHOK', STATE)
    (tmp_path / 'content').write_bytes(data)
    (tmp_path / 'pure.p7s').write_bytes(signers.PureSigner(KEY, CERT).sign_pkcs7(data))
    done = subprocess.run(['openssl', 'cms', '-verify', '-engine', 'gost', '-binary', '-inform', 'DER',
                           '-in', str(tmp_path / 'pure.p7s'), '-content', str(tmp_path / 'content'),
                           '-noverify', '-out', os.devnull], capture_output=True, text=True)
    assert 'Verification successful' in done.stderr + done.stdout
    made_by_openssl = openssl('cms', '-sign', '-engine', 'gost', '-binary', '-noattr', '-outform', 'DER',
                              '-in', str(tmp_path / 'content'), '-signer', CERT, '-inkey', KEY,
                              '-md', 'md_gost12_256')
    certificate, signature = gost.cms_signature(made_by_openssl)
    assert certificate.der == gost.Certificate.from_file(CERT).der
    assert certificate.public_key().verify(data, signature)


def test_cryptopro_signature_is_byte_reversed(tmp_path):
    """A stand-in csptest writes the little-endian signature CryptoPro produces."""
    reference = gost.PrivateKey.from_pem(open(KEY, 'rb').read())
    fake = tmp_path / 'csptest'
    fake.write_text('#!/bin/sh\n'
                    'while [ $# -gt 0 ]; do case "$1" in -in) IN="$2"; shift;; -out) OUT="$2"; shift;; esac; shift; done\n'
                    f'"{sys.executable}" -c "import sys; sys.path.insert(0, {os.getcwd()!r}); '
                    'from services.esia import gost; '
                    f'k = gost.PrivateKey.from_pem(open({KEY!r}, \'rb\').read()); '
                    'sig = k.sign(open(sys.argv[1], \'rb\').read()); '
                    'open(sys.argv[2], \'wb\').write(sig[::-1])" "$IN" "$OUT"\n')
    fake.chmod(0o755)
    signer = signers.CryptoProSigner('\\\\.\\HDIMAGE\\kruzhok', CERT, csptest=str(fake))
    signature = signer.sign(b'client_id+scope')
    assert reference.public_key().verify(b'client_id+scope', signature)


def test_remote_signer_asks_the_service_over_http():
    key = gost.PrivateKey.from_pem(open(KEY, 'rb').read())
    seen = {}

    class Service(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
            seen['auth'] = self.headers.get('Authorization')
            signature = key.sign(base64.b64decode(body['data']))
            answer = json.dumps({'signature': base64.b64encode(signature).decode()}).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = HTTPServer(('127.0.0.1', 0), Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        signer = signers.make_signer({'ESIA_SIGNER': 'remote', 'ESIA_CERT_PATH': CERT,
                                      'ESIA_SIGNER_URL': f'http://127.0.0.1:{server.server_port}/sign',
                                      'ESIA_SIGNER_TOKEN': 'service-token'})
        signature = signer.sign(b'payload')
    finally:
        server.shutdown()
    assert key.public_key().verify(b'payload', signature)
    assert seen['auth'] == 'Bearer service-token'


def test_failing_signer_says_so_without_key_material(tmp_path):
    signer = signers.OpenSSLSigner(str(tmp_path / 'missing.key'), CERT, openssl='/nonexistent/openssl')
    with pytest.raises(signers.SignerError) as failure:
        signer.sign(b'x')
    assert 'missing.key' not in str(failure.value)
    with pytest.raises(signers.SignerError):
        signers.make_signer({'ESIA_SIGNER': 'hsm', 'ESIA_CERT_PATH': CERT})


# --- Golden vectors of the signed messages ----------------------------------------

GOLDEN_AUTHORIZATION = (
    'https://esia-portal1.test.gosuslugi.ru/aas/oauth2/v2/ac?client_id=KRUZHOK'
    '&client_secret=5wXoSVkZWb1BYKI-zk0yJeVd27QsZ1NF9gLejgRr9ys0sdy7YOz6aPz0lO0Ou4-BxvxXy75E0RJqpd71Pvr65g'
    '&redirect_uri=https%3A%2F%2Fkruzhok.example.ru%2Fesia%2Freturn'
    '&scope=openid+fullname+birthdate+gender+snils&response_type=code'
    '&state=6a1f3c2e-8b4d-4e5f-9a7b-0c1d2e3f4a5b&timestamp=2026.11.29+09%3A30%3A15+%2B0000'
    '&access_type=online&client_certificate_hash=' + CERT_HASH)
GOLDEN_TOKEN_SECRET = 'iy4bBCOaAu9MrrqK8EXU18uiinfm3XFSQlwzilDiZYE0sdy7YOz6aPz0lO0Ou4-BxvxXy75E0RJqpd71Pvr65g'


def fixed_signer():
    return signers.PureSigner(KEY, CERT, k=FIXED_K)


def test_golden_authorization_request_current_protocol():
    assert messages.authorization_url(CONFIG, fixed_signer(), STATE, NOW) == GOLDEN_AUTHORIZATION
    params = dict(parse_qsl(urlsplit(GOLDEN_AUTHORIZATION).query))
    signed = messages.authorization_text('KRUZHOK', CONFIG['ESIA_SCOPE'], '2026.11.29 09:30:15 +0000',
                                         STATE, CONFIG['ESIA_REDIRECT_URI'])
    assert signed == ('KRUZHOKopenid fullname birthdate gender snils2026.11.29 09:30:15 +0000'
                      '6a1f3c2e-8b4d-4e5f-9a7b-0c1d2e3f4a5bhttps://kruzhok.example.ru/esia/return').encode()
    public = gost.Certificate.from_file(CERT).public_key()
    assert public.verify(signed, messages.b64url_decode(params['client_secret']))


def test_golden_token_request_current_protocol():
    url, form = messages.token_request(CONFIG, fixed_signer(), 'CODE-123', STATE, NOW)
    assert url == 'https://esia-portal1.test.gosuslugi.ru/aas/oauth2/v3/te'
    assert form == {
        'client_id': 'KRUZHOK', 'code': 'CODE-123', 'grant_type': 'authorization_code',
        'client_secret': GOLDEN_TOKEN_SECRET, 'state': STATE,
        'redirect_uri': 'https://kruzhok.example.ru/esia/return',
        'scope': 'openid fullname birthdate gender snils', 'timestamp': '2026.11.29 09:30:15 +0000',
        'token_type': 'Bearer', 'client_certificate_hash': CERT_HASH}
    signed = messages.token_text('KRUZHOK', CONFIG['ESIA_SCOPE'], '2026.11.29 09:30:15 +0000', STATE,
                                 CONFIG['ESIA_REDIRECT_URI'], 'CODE-123')
    assert gost.Certificate.from_file(CERT).public_key().verify(signed, messages.b64url_decode(GOLDEN_TOKEN_SECRET))


def test_golden_messages_legacy_protocol():
    config = dict(CONFIG, ESIA_PROTOCOL='legacy')
    url = messages.authorization_url(config, fixed_signer(), STATE, NOW)
    assert url.startswith('https://esia-portal1.test.gosuslugi.ru/aas/oauth2/ac?client_id=KRUZHOK&client_secret=')
    params = dict(parse_qsl(urlsplit(url).query))
    assert set(params) == {'client_id', 'client_secret', 'redirect_uri', 'scope', 'response_type',
                           'state', 'timestamp', 'access_type'}
    cms = messages.b64url_decode(params['client_secret'])
    assert gost.streebog256(cms).hex() == gost.streebog256(
        fixed_signer().sign_pkcs7(messages.legacy_text(CONFIG['ESIA_SCOPE'], '2026.11.29 09:30:15 +0000',
                                                       'KRUZHOK', STATE))).hex()
    certificate, signature = gost.cms_signature(cms)
    signed = ('openid fullname birthdate gender snils2026.11.29 09:30:15 +0000KRUZHOK' + STATE).encode()
    assert certificate.public_key().verify(signed, signature)
    assert len(cms) == 741  # pinned: a change in the CMS layout changes this
    token_url, form = messages.token_request(config, fixed_signer(), 'CODE-123', STATE, NOW)
    assert token_url == 'https://esia-portal1.test.gosuslugi.ru/aas/oauth2/te'
    assert 'client_certificate_hash' not in form
    assert form['client_secret'] == params['client_secret']  # same text, same fixed nonce


def test_timestamp_format_is_utc():
    moscow = datetime.timezone(datetime.timedelta(hours=3))
    assert messages.timestamp(datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=moscow)) == '2026.01.02 00:04:05 +0000'


# --- Tokens ------------------------------------------------------------------------

ISSUER = 'http://esia-portal1.test.gosuslugi.ru/'


def idp_key():
    return gost.PrivateKey.from_pem(open(IDP_KEY, 'rb').read())


def claims(**changes):
    """An access token's claims, as ЕСИА writes them."""
    now = int(time.time())
    found = {'iss': ISSUER, 'client_id': 'KRUZHOK', 'urn:esia:sbj_id': 1000299353,
             'scope': 'openid fullname', 'urn:esia:sid': 'ab' * 32, 'iat': now, 'nbf': now,
             'exp': now + 3600}
    found.update(changes)
    return found


def id_claims(**changes):
    """An id_token's claims, as ЕСИА writes them: no urn:esia:sbj_id."""
    now = int(time.time())
    found = {'iss': ISSUER, 'aud': 'KRUZHOK', 'sub': 1000299353, 'iat': now, 'nbf': now,
             'exp': now + 3600, 'auth_time': now, 'amr': 'PWD', 'urn:esia:amd': 'PWD',
             'urn:esia:sid': 'ab' * 32,
             'urn:esia:sbj': {'urn:esia:sbj:typ': 'P', 'urn:esia:sbj:is_tru': True,
                              'urn:esia:sbj:oid': 1000299353, 'urn:esia:sbj:nam': 'OID.1000299353'}}
    found.update(changes)
    return found


def verify(token):
    return tokens.verify(token, gost.Certificate.from_file(IDP_CERT).public_key(), ISSUER, 'KRUZHOK', time.time())


def test_valid_access_token_gives_the_person_id():
    assert tokens.access_token_person(verify(tokens.issue(claims(), idp_key()))) == '1000299353'


def test_id_token_names_the_person_in_urn_esia_sbj_and_falls_back_to_sub():
    identity = verify(tokens.issue(id_claims(), idp_key(), subject_type='id'))
    assert tokens.id_token_person(identity) == '1000299353'
    assert tokens.id_token_person(id_claims(**{'urn:esia:sbj': None, 'sub': '1000299353'})) == '1000299353'
    with pytest.raises(tokens.TokenError, match='person id'):
        tokens.access_token_person(identity)  # an id_token has no urn:esia:sbj_id


@pytest.mark.parametrize('change, reason', [
    ({'exp': int(time.time()) - 3600}, 'expired'),
    ({'iss': 'http://evil.example/'}, 'issuer'),
    ({'client_id': 'OTHER'}, 'another client'),
    ({'nbf': int(time.time()) + 3600}, 'not valid yet'),
])
def test_token_claims_are_checked(change, reason):
    with pytest.raises(tokens.TokenError, match=reason):
        verify(tokens.issue(claims(**change), idp_key()))


@pytest.mark.parametrize('person', ['', None, 'OID.1', ' '])
def test_an_access_token_without_a_numeric_person_is_refused(person):
    with pytest.raises(tokens.TokenError, match='person id'):
        tokens.access_token_person(verify(tokens.issue(claims(**{'urn:esia:sbj_id': person}), idp_key())))


def test_an_id_token_for_another_client_is_refused():
    with pytest.raises(tokens.TokenError, match='another client'):
        verify(tokens.issue(id_claims(aud='OTHER'), idp_key(), subject_type='id'))


def test_a_token_in_another_algorithm_names_the_setting_to_change():
    header = messages.b64url(b'{"alg":"RS256","typ":"JWT"}')
    payload = messages.b64url(json.dumps(claims()).encode())
    with pytest.raises(tokens.TokenError, match="'RS256'.*card on the ЕСИА technology portal"):
        verify(f'{header}.{payload}.{messages.b64url(b"x" * 256)}')


def test_a_token_verifies_with_any_of_several_trusted_certificates():
    """Rotation: the next ЕСИА certificate is trusted beside the current one."""
    client_key = gost.Certificate.from_file(CERT).public_key()
    idp_public = gost.Certificate.from_file(IDP_CERT).public_key()
    token = tokens.issue(claims(), idp_key())
    assert tokens.verify(token, [client_key, idp_public], ISSUER, 'KRUZHOK', time.time())
    with pytest.raises(tokens.TokenError, match='any configured'):
        tokens.verify(token, [client_key], ISSUER, 'KRUZHOK', time.time())


def test_forged_tokens_are_refused():
    forged_by_other_key = tokens.issue(claims(), gost.PrivateKey.from_pem(open(KEY, 'rb').read()))
    with pytest.raises(tokens.TokenError, match='signature'):
        verify(forged_by_other_key)
    header, _, signature = tokens.issue(claims(), idp_key()).split('.')
    payload = messages.b64url(json.dumps(claims(**{'urn:esia:sbj_id': 666})).encode())
    with pytest.raises(tokens.TokenError, match='signature'):
        verify(f'{header}.{payload}.{signature}')
    none_alg = messages.b64url(b'{"alg":"none"}') + '.' + payload + '.'
    with pytest.raises(tokens.TokenError, match='algorithm'):
        verify(none_alg)
    with pytest.raises(tokens.TokenError):
        verify('not-a-token')


def test_esia_error_codes_become_russian_sentences():
    assert 'подпись' in errors.from_redirect('invalid_client', 'ESIA-007053: bad').user_message
    assert 'параметра' in errors.from_redirect('invalid_request', 'ESIA-007014: x').user_message
    assert 'отказались' in errors.from_redirect('access_denied', 'ESIA-007004: x').user_message
    unknown = errors.from_redirect('server_error', 'ESIA-007999: x').user_message
    assert 'ESIA-007999' in unknown and 'техподдержку' in unknown
