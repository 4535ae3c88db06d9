"""ЕСИА as the real portal speaks it (issue 11): tokens ЕСИА itself signed, the claims of its
access and id tokens, several trusted certificates, TLS with a configured CA, and the
OpenSSL signer with XchA, encrypted and 2012-512 keys."""
import datetime
import hashlib
import json
import os
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl

import pytest

from services.esia import client, errors, gost, messages, settings, signers, tokens
from tests.test_esia_crypto import DATA, IDP_CERT, IDP_KEY, needs_openssl, openssl

VECTORS = os.path.join(os.path.dirname(__file__), 'data', 'esia-vectors')
PINNED = {  # the folder's README: these files are ЕСИА's own and never edited
    'esia-gost-prod-2025-2026.cer': 'f5f1aa4b7bf772b3aa356637284b68d6a8a0a0649f7a3adce968ed5bd9e51602',
    'esia-gost-test-2019-2020.cer': '59407f705f3b8d702e9f556d8b69f0d3e21df3b4ce0d13d8d081284bede55996',
    'esia-gost-test-2025-2026.cer': 'a1a39be85d04ac3844b6816bbca8b28992e37dc6d2aab5a0cdda68cdac432426',
    'esia-test-2020-code.jwt': 'c1164656fc089cd95c44017be949a74148c49589863240e3c0995c6e28c8acce',
}
XCHA = '1.2.643.2.2.36.0'


def vector(name):
    return os.path.join(VECTORS, name)


def real_jwt():
    with open(vector('esia-test-2020-code.jwt')) as fh:
        return fh.read().strip()


# --- What ЕСИА itself signed ---------------------------------------------------------

@pytest.mark.parametrize('name', sorted(PINNED))
def test_vectors_are_the_published_files(name):
    with open(vector(name), 'rb') as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == PINNED[name]


def test_a_jwt_signed_by_esia_verifies_as_is_and_not_reversed_or_swapped():
    header, payload, signature = real_jwt().split('.')
    signed = f'{header}.{payload}'.encode()
    raw = messages.b64url_decode(signature)
    key = gost.Certificate.from_file(vector('esia-gost-test-2019-2020.cer')).public_key()
    assert gost.streebog256(signed).hex() == '75aff81eaa264339c74a58423d2ac0f0759aedeb647354641cd7b95c72dbb853'
    assert len(raw) == 64 and key.verify(signed, raw)
    assert not key.verify(signed, raw[::-1])
    assert not key.verify(signed, raw[32:] + raw[:32])


def test_the_verifier_accepts_esia_s_token_and_reads_its_person_from_urn_esia_sbj():
    token = real_jwt()
    claims = json.loads(messages.b64url_decode(token.split('.')[1]))
    key = gost.Certificate.from_file(vector('esia-gost-test-2019-2020.cer')).public_key()
    checked = tokens.verify(token, [key], settings.issuer_of('https://esia-portal1.test.gosuslugi.ru'),
                            'MNSV36', claims['iat'] + 10)
    assert 'urn:esia:sbj_id' not in checked
    assert tokens.id_token_person(checked) == '1000404446'
    with pytest.raises(tokens.TokenError, match='expired'):
        tokens.verify(token, [key], checked['iss'], 'MNSV36', time.time())


@pytest.mark.parametrize('name', ['esia-gost-prod-2025-2026.cer', 'esia-gost-test-2025-2026.cer'])
def test_esia_certificates_parse_with_paramset_xcha_and_expire(name):
    certificate = gost.Certificate.from_file(vector(name))
    assert certificate.public_key().paramset == XCHA
    not_before, not_after = certificate.validity()
    assert not_before.year == 2025 and not_after.year == 2026


@needs_openssl
@pytest.mark.parametrize('name', ['esia-gost-prod-2025-2026.cer', 'esia-gost-test-2025-2026.cer'])
def test_esia_certificate_hash_is_what_openssl_computes(name):
    der = gost.Certificate.from_file(vector(name)).der
    digest = openssl('dgst', '-engine', 'gost', '-md_gost12_256', '-binary', data=der)
    assert gost.Certificate.from_file(vector(name)).hash_hex() == digest.hex().upper()


def test_issuer_follows_the_base_url():
    assert settings.issuer_of('https://esia.gosuslugi.ru') == 'http://esia.gosuslugi.ru/'
    # ЕСИА's test environment writes the same issuer (the token above was signed there).
    assert settings.issuer_of('https://esia-portal1.test.gosuslugi.ru') == 'http://esia.gosuslugi.ru/'
    assert settings.issuer_of('http://127.0.0.1:8001') == 'http://127.0.0.1:8001/'
    config = settings.from_environment('production', {'ESIA_BASE_URL': 'https://esia-portal1.test.gosuslugi.ru/'})
    assert config['ESIA_ISSUER'] == 'http://esia.gosuslugi.ru/'
    assert settings.from_environment('production', {})['ESIA_ISSUER'] == ''


# --- The token step against a stand-in that answers with ЕСИА's shapes ------------------

ISSUER = 'http://esia.gosuslugi.ru/'
CLIENT_ID = 'KRUZHOK'


def idp_key():
    with open(IDP_KEY, 'rb') as fh:
        return gost.PrivateKey.from_pem(fh.read())


def esia_tokens(access_oid=1000299353, id_oid=1000299353, **id_changes):
    now = int(time.time())
    common = {'iss': ISSUER, 'iat': now, 'nbf': now, 'exp': now + 3600, 'urn:esia:sid': 'cd' * 32}
    access = tokens.issue(dict(common, client_id=CLIENT_ID, scope='openid fullname',
                               **{'urn:esia:sbj_id': access_oid}), idp_key())
    identity = dict(common, aud=CLIENT_ID, sub=id_oid, amr='PWD', **{
        'urn:esia:amd': 'PWD', 'urn:esia:sbj': {'urn:esia:sbj:typ': 'P', 'urn:esia:sbj:is_tru': True,
                                               'urn:esia:sbj:oid': id_oid, 'urn:esia:sbj:nam': f'OID.{id_oid}'}})
    identity.update(id_changes)
    return access, tokens.issue(identity, idp_key(), subject_type='id')


class StandIn:
    """A token endpoint that answers what it is told to, over http or https."""

    def __init__(self, tls=None):
        self.answer = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                form = dict(parse_qsl(self.rfile.read(int(self.headers['Content-Length'])).decode()))
                body = json.dumps(dict(outer.answer, state=form['state'])).encode()
                self.send_response(200)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(('127.0.0.1', 0), Handler)
        scheme = 'http'
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            scheme = 'https'
        self.url = f'{scheme}://127.0.0.1:{self.server.server_port}'
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stand_in():
    server = StandIn()
    yield server
    server.close()


def config_for(url, **changes):
    config = {'ESIA_BASE_URL': url, 'ESIA_CLIENT_ID': CLIENT_ID, 'ESIA_REDIRECT_URI': 'https://k.example/esia/return',
              'ESIA_SCOPE': 'openid fullname', 'ESIA_PROTOCOL': 'v2', 'ESIA_VERIFY_TOKENS': IDP_CERT,
              'ESIA_ISSUER': ISSUER, 'ESIA_TIMEOUT': 5, 'ESIA_CA_FILE': ''}
    config.update(changes)
    return config


def pure_signer():
    return signers.PureSigner(os.path.join(DATA, 'client.key'), os.path.join(DATA, 'client.crt'))


def test_esia_shaped_tokens_sign_the_person_in(stand_in):
    access, identity = esia_tokens()
    stand_in.answer = {'access_token': access, 'id_token': identity, 'expires_in': 3600}
    oid, bearer = client.exchange_code(config_for(stand_in.url), pure_signer(), 'code-1')
    assert (oid, bearer) == ('1000299353', access)


def test_tokens_naming_different_people_are_refused(stand_in):
    access, identity = esia_tokens(access_oid=1000299353, id_oid=1000666666)
    stand_in.answer = {'access_token': access, 'id_token': identity}
    with pytest.raises(errors.EsiaError, match='bad_token') as refused:
        client.exchange_code(config_for(stand_in.url), pure_signer(), 'code-1')
    assert 'different people' in refused.value.detail


def test_an_id_token_for_another_client_is_refused_at_the_token_step(stand_in):
    access, identity = esia_tokens(aud='SOMEONE-ELSE')
    stand_in.answer = {'access_token': access, 'id_token': identity}
    with pytest.raises(errors.EsiaError) as refused:
        client.exchange_code(config_for(stand_in.url), pure_signer(), 'code-1')
    assert refused.value.code == 'bad_token' and 'id_token' in refused.value.detail


def test_tokens_verify_with_the_second_of_two_trusted_certificates(stand_in, tmp_path):
    access, identity = esia_tokens()
    stand_in.answer = {'access_token': access, 'id_token': identity}
    both = f"{vector('esia-gost-prod-2025-2026.cer')},{IDP_CERT}"
    assert client.exchange_code(config_for(stand_in.url, ESIA_VERIFY_TOKENS=both), pure_signer(), 'c')[0] == '1000299353'
    folder = tmp_path / 'esia-certificates'
    folder.mkdir()
    for source in (vector('esia-gost-prod-2025-2026.cer'), IDP_CERT):
        (folder / os.path.basename(source)).write_bytes(open(source, 'rb').read())
    config = config_for(stand_in.url, ESIA_VERIFY_TOKENS=str(folder))
    assert [name for name, _ in client.verification_certificates(config)] == sorted(
        str(folder / name) for name in os.listdir(folder))
    assert client.exchange_code(config, pure_signer(), 'c')[0] == '1000299353'
    only_old = config_for(stand_in.url, ESIA_VERIFY_TOKENS=vector('esia-gost-prod-2025-2026.cer'))
    with pytest.raises(errors.EsiaError, match='bad_token'):
        client.exchange_code(only_old, pure_signer(), 'c')


def test_expired_trusted_certificates_are_reported(app):
    config = {'ESIA_VERIFY_TOKENS': f"{vector('esia-gost-prod-2025-2026.cer')},{IDP_CERT}"}
    assert client.expired_certificates(config, datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)) == [
        'esia-gost-prod-2025-2026.cer']
    assert client.expired_certificates(config, datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)) == []
    app.config['ESIA_VERIFY_TOKENS'] = config['ESIA_VERIFY_TOKENS']
    answer = app.test_client().get('/healthz/ready').get_json()
    assert answer['status'] == 'ok'
    assert any('esia-gost-prod-2025-2026.cer' in w and 'notAfter' in w for w in answer['warnings'])


@needs_openssl
def test_calls_to_esia_trust_the_configured_ca_bundle(tmp_path):
    key, cert = tmp_path / 'tls.key', tmp_path / 'tls.crt'
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', str(key), '-out', str(cert),
            '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1')
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(str(cert), str(key))
    server = StandIn(tls)
    try:
        access, identity = esia_tokens()
        server.answer = {'access_token': access, 'id_token': identity}
        with pytest.raises(errors.EsiaError, match='unreachable'):
            client.exchange_code(config_for(server.url), pure_signer(), 'c')
        trusted = config_for(server.url, ESIA_CA_FILE=str(cert))
        assert client.exchange_code(trusted, pure_signer(), 'c')[0] == '1000299353'
    finally:
        server.close()


# --- Signers with the keys real ЕСИА clients hold ------------------------------------------

def make_key(tmp_path, name, algorithm='gost2012_256', paramset='XA', password=''):
    key, cert = tmp_path / f'{name}.key', tmp_path / f'{name}.crt'
    command = ['genpkey', '-engine', 'gost', '-algorithm', algorithm, '-pkeyopt', f'paramset:{paramset}',
               '-out', str(key)]
    if password:
        command += ['-aes-256-cbc', '-pass', f'pass:{password}']
    openssl(*command)
    request = ['req', '-engine', 'gost', '-x509', '-new', '-key', str(key), '-subj', f'/CN={name}',
               '-days', '30', '-out', str(cert)]
    openssl(*(request + (['-passin', f'pass:{password}'] if password else [])))
    return str(key), str(cert)


def openssl_verify(tmp_path, cert, data, signature, digest='-md_gost12_256'):
    (tmp_path / 'data').write_bytes(data)
    (tmp_path / 'sig').write_bytes(signature)
    public = tmp_path / 'pub.pem'
    openssl('x509', '-engine', 'gost', '-in', cert, '-pubkey', '-noout', '-out', str(public))
    done = subprocess.run(['openssl', 'dgst', '-engine', 'gost', digest, '-verify', str(public),
                           '-signature', str(tmp_path / 'sig'), str(tmp_path / 'data')],
                          capture_output=True, text=True)
    return 'Verified OK' in done.stdout


@needs_openssl
def test_xcha_keys_sign_the_same_in_pure_python_and_in_openssl(tmp_path):
    key, cert = make_key(tmp_path, 'xcha')
    assert gost.Certificate.from_file(cert).public_key().paramset == XCHA
    data = messages.token_text(CLIENT_ID, 'openid', '2026.12.01 10:00:00 +0000', 'state', 'https://k/r', 'code')
    by_pure = signers.PureSigner(key, cert).sign(data)
    assert openssl_verify(tmp_path, cert, data, by_pure)
    assert not openssl_verify(tmp_path, cert, data + b'x', by_pure)
    by_openssl = signers.OpenSSLSigner(key, cert).sign(data)
    public = gost.Certificate.from_file(cert).public_key()
    assert public.verify(data, by_openssl) and not public.verify(data + b'x', by_openssl)


@needs_openssl
def test_the_openssl_signer_reads_an_encrypted_key(tmp_path):
    key, cert = make_key(tmp_path, 'locked', password='Пароль ключа-1')
    with open(key) as fh:
        assert 'ENCRYPTED PRIVATE KEY' in fh.read()
    config = {'ESIA_SIGNER': 'openssl', 'ESIA_KEY_PATH': key, 'ESIA_CERT_PATH': cert,
              'ESIA_KEY_PASSWORD': 'Пароль ключа-1'}
    signature = signers.make_signer(config).sign(b'client_secret text')
    assert gost.Certificate.from_file(cert).public_key().verify(b'client_secret text', signature)
    with pytest.raises(signers.SignerError) as wrong:
        signers.make_signer(dict(config, ESIA_KEY_PASSWORD='не тот')).sign(b'x')
    assert 'Пароль' not in str(wrong.value) and 'не тот' not in str(wrong.value)


@needs_openssl
def test_the_openssl_signer_signs_with_a_2012_512_key(tmp_path):
    key, cert = make_key(tmp_path, 'long', algorithm='gost2012_512', paramset='A')
    signature = signers.OpenSSLSigner(key, cert).sign(b'client_secret text')
    assert len(signature) == 128
    assert openssl_verify(tmp_path, cert, b'client_secret text', signature, '-md_gost12_512')


def test_the_cryptopro_key_type_is_a_setting(tmp_path):
    seen = tmp_path / 'arguments'
    fake = tmp_path / 'csptest'
    fake.write_text(f'#!/bin/sh\necho "$@" > {seen}\n'
                    'while [ $# -gt 0 ]; do case "$1" in -out) OUT="$2"; shift;; esac; shift; done\n'
                    'head -c 64 /dev/zero > "$OUT"\n')
    fake.chmod(0o755)
    cert = os.path.join(DATA, 'client.crt')
    signers.CryptoProSigner('c', cert, csptest=str(fake), keytype='').sign(b'x')
    assert '-keytype' not in seen.read_text()
    signers.CryptoProSigner('c', cert, csptest=str(fake), keytype='signature').sign(b'x')
    assert '-keytype signature' in seen.read_text()


def test_onboarding_logs_the_names_of_the_claims_and_never_their_values(stand_in, caplog):
    access, identity = esia_tokens()
    stand_in.answer = {'access_token': access, 'id_token': identity}
    with caplog.at_level('WARNING', logger='services.esia.client'):
        client.exchange_code(config_for(stand_in.url, ESIA_LOG_CLAIM_NAMES=True), pure_signer(), 'c')
    logged = caplog.text
    assert 'urn:esia:sbj_id' in logged and 'urn:esia:sbj' in logged and 'aud' in logged
    assert '1000299353' not in logged and access not in logged and 'cd' * 32 not in logged
