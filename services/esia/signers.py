"""Signers of ЕСИА requests, chosen by configuration (ESIA_SIGNER).

Every signer answers ``sign(data) -> bytes``: a raw GOST R 34.10-2012 signature of
``data`` hashed with Streebog-256, in OpenSSL byte order (see services/esia/gost.py).
The legacy flow wraps that signature into a detached CMS (``sign_pkcs7``), which works
the same for every signer because the CMS has no signed attributes.
"""
import base64
import json
import os
import subprocess
import tempfile
import urllib.request

from services.esia import gost


class SignerError(RuntimeError):
    """The signing key, tool or service failed; the message never carries key material."""


class Signer:
    certificate: gost.Certificate

    def sign(self, data):
        raise NotImplementedError

    def sign_pkcs7(self, data):
        return gost.detached_cms(self.certificate, self.sign(data))

    def certificate_hash(self):
        return self.certificate.hash_hex()


class PureSigner(Signer):
    """Pure-Python GOST (gostcrypto): for development and tests. ``k`` fixes the nonce for
    golden vectors only; a real signature needs a fresh random nonce every time."""

    def __init__(self, key_path, cert_path, k=None):
        with open(key_path, 'rb') as fh:
            self.key = gost.PrivateKey.from_pem(fh.read())
        self.certificate = gost.Certificate.from_file(cert_path)
        self.k = k

    def sign(self, data):
        return self.key.sign(data, k=self.k)


def _run(command, timeout, secret=''):
    """Run a signing tool; ``secret`` (a key password) travels on stdin, never in the arguments."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False,
                              input=(secret + '\n').encode() if secret else None)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SignerError(f'{os.path.basename(command[0])} failed to run: {type(exc).__name__}') from None
    if done.returncode != 0:
        raise SignerError(f'{os.path.basename(command[0])} exited with {done.returncode}')
    return done.stdout


class OpenSSLSigner(Signer):
    """OpenSSL with the GOST engine (Debian package libengine-gost-openssl), as a subprocess.
    The key may be an encrypted PKCS#8 (``password``) and GOST 2012-256 or 2012-512: the
    digest follows the certificate's key."""

    def __init__(self, key_path, cert_path, openssl='openssl', timeout=10, password=''):
        self.key_path, self.openssl, self.timeout, self.password = key_path, openssl, timeout, password
        self.certificate = gost.Certificate.from_file(cert_path)
        self.size = self.certificate.signature_size()

    def sign(self, data):
        digest = '-md_gost12_256' if self.size == 2 * gost.SIZE else '-md_gost12_512'
        command = [self.openssl, 'dgst', '-engine', 'gost', digest, '-sign', self.key_path, '-binary']
        if self.password:
            command += ['-passin', 'stdin']
        with tempfile.NamedTemporaryFile() as message:
            message.write(data)
            message.flush()
            signature = _run(command + [message.name], self.timeout, self.password)
        if len(signature) != self.size:
            raise SignerError('openssl returned a signature of unexpected length')
        return signature


class CryptoProSigner(Signer):
    """CryptoPro CSP ``csptest``: its raw signature is little-endian, so it is byte-reversed."""

    def __init__(self, container, cert_path, csptest='/opt/cprocsp/bin/amd64/csptest',
                 pin='', timeout=20, keytype='exchange'):
        self.container, self.csptest, self.pin, self.timeout = container, csptest, pin, timeout
        self.keytype = keytype  # '' lets csptest choose; ЕСИА keys are usually exchange keys
        self.certificate = gost.Certificate.from_file(cert_path)
        self.size = self.certificate.signature_size()

    def sign(self, data):
        with tempfile.TemporaryDirectory() as folder:
            source, target = os.path.join(folder, 'in'), os.path.join(folder, 'out')
            with open(source, 'wb') as fh:
                fh.write(data)
            algorithm = 'GOST12_256' if self.size == 2 * gost.SIZE else 'GOST12_512'
            command = [self.csptest, '-keys', '-cont', self.container, '-sign', algorithm,
                       '-in', source, '-out', target]
            if self.keytype:
                command += ['-keytype', self.keytype]
            if self.pin:
                command += ['-password', self.pin]
            _run(command, self.timeout)
            with open(target, 'rb') as fh:
                signature = fh.read()
        if len(signature) != self.size:
            raise SignerError('csptest returned a signature of unexpected length')
        return signature[::-1]


class RemoteSigner(Signer):
    """A signing service over HTTP: POST {"data": base64} → {"signature": base64}, OpenSSL order."""

    def __init__(self, url, cert_path, token='', timeout=10):
        self.url, self.token, self.timeout = url, token, timeout
        self.certificate = gost.Certificate.from_file(cert_path)

    def sign(self, data):
        request = urllib.request.Request(
            self.url, data=json.dumps({'data': base64.b64encode(data).decode()}).encode(),
            headers={'Content-Type': 'application/json',
                     **({'Authorization': f'Bearer {self.token}'} if self.token else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read(64 * 1024))
            signature = base64.b64decode(answer['signature'])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SignerError(f'signing service failed: {type(exc).__name__}') from None
        if len(signature) != 2 * gost.SIZE:
            raise SignerError('signing service returned a signature of unexpected length')
        return signature


_SETTINGS = ('ESIA_SIGNER', 'ESIA_CERT_PATH', 'ESIA_KEY_PATH', 'ESIA_OPENSSL', 'ESIA_KEY_PASSWORD',
             'ESIA_CRYPTOPRO_CONTAINER', 'ESIA_CSPTEST', 'ESIA_CRYPTOPRO_PIN',
             'ESIA_CRYPTOPRO_KEYTYPE', 'ESIA_SIGNER_URL', 'ESIA_SIGNER_TOKEN')
_made = {}


def _stamp(path):
    try:
        stat = os.stat(path)
        return stat.st_size, stat.st_mtime_ns
    except (OSError, TypeError, ValueError):
        return None


def make_signer(config):
    """The configured signer, built once while its settings and its key and certificate files
    stay the same (reading the key and hashing the certificate cost a sign-in milliseconds)."""
    key = (tuple(config.get(name) for name in _SETTINGS),
           _stamp(config.get('ESIA_CERT_PATH')), _stamp(config.get('ESIA_KEY_PATH')))
    signer = _made.get(key)
    if signer is None:
        signer = _build_signer(config)
        if len(_made) > 16:
            _made.clear()
        _made[key] = signer
    return signer


def _build_signer(config):
    """Build the configured signer from app.config-like settings."""
    kind = config.get('ESIA_SIGNER', 'pure')
    cert = config.get('ESIA_CERT_PATH')
    if not cert:
        raise SignerError('ESIA_CERT_PATH is not set')
    if kind == 'pure':
        return PureSigner(config['ESIA_KEY_PATH'], cert)
    if kind == 'openssl':
        return OpenSSLSigner(config['ESIA_KEY_PATH'], cert, config.get('ESIA_OPENSSL', 'openssl'),
                             password=config.get('ESIA_KEY_PASSWORD', ''))
    if kind == 'cryptopro':
        return CryptoProSigner(config['ESIA_CRYPTOPRO_CONTAINER'], cert,
                               config.get('ESIA_CSPTEST', '/opt/cprocsp/bin/amd64/csptest'),
                               config.get('ESIA_CRYPTOPRO_PIN', ''),
                               keytype=config.get('ESIA_CRYPTOPRO_KEYTYPE', 'exchange'))
    if kind == 'remote':
        return RemoteSigner(config['ESIA_SIGNER_URL'], cert, config.get('ESIA_SIGNER_TOKEN', ''))
    raise SignerError(f'unknown ESIA_SIGNER {kind!r}: use pure, openssl, cryptopro or remote')
