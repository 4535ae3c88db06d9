"""Verifying ЕСИА's token signatures: through OpenSSL's GOST engine (Debian package
libengine-gost-openssl) when it is there — a few milliseconds where pure Python takes tens — and
in pure Python (gostcrypto, services/esia/gost.py) otherwise.  ESIA_VERIFY_WITH chooses:
``auto`` (the default: OpenSSL if its GOST engine loads), ``openssl`` or ``pure``.

Both take the signature in OpenSSL byte order, the order of the JWT (services/esia/gost.py).
The parsed certificates are kept per file (path, size and modification time), so a sign-in
does not read and parse them again; a replaced file is read anew.
"""
import base64
import functools
import os
import subprocess
import tempfile

from services.esia import gost

TIMEOUT_SECONDS = 10


@functools.lru_cache(maxsize=8)
def openssl_has_gost(openssl='openssl'):
    """True when ``openssl`` loads the GOST engine (checked once per process)."""
    try:
        done = subprocess.run([openssl, 'engine', 'gost', '-t'], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and b'available' in done.stdout


class OpenSSLKey:
    """A GOST public key verified by ``openssl dgst -engine gost -verify``; its PEM is written
    once to a private temporary file kept for the process's life."""

    def __init__(self, public_key, openssl='openssl'):
        self.public_key, self.openssl = public_key, openssl
        self.size = 2 * gost.SIZE
        handle, self.path = tempfile.mkstemp(prefix='esia-key-', suffix='.pem')
        body = base64.encodebytes(public_key.spki).decode()
        with os.fdopen(handle, 'w') as fh:
            fh.write('-----BEGIN PUBLIC KEY-----\n' + body + '-----END PUBLIC KEY-----\n')

    def verify(self, data, signature):
        if len(signature) != self.size:
            return False
        with tempfile.NamedTemporaryFile(prefix='esia-sig-') as sig:
            sig.write(signature)
            sig.flush()
            try:
                done = subprocess.run([self.openssl, 'dgst', '-engine', 'gost', '-md_gost12_256',
                                       '-verify', self.path, '-signature', sig.name],
                                      input=data, capture_output=True, timeout=TIMEOUT_SECONDS)
            except (OSError, subprocess.TimeoutExpired):
                return False
        return done.returncode == 0 and b'Verified OK' in done.stdout

    def __del__(self):
        try:
            os.unlink(self.path)
        except (OSError, AttributeError, TypeError):
            pass


@functools.lru_cache(maxsize=32)
def _certificate(path, size, mtime):
    return gost.Certificate.from_file(path)


def certificate(path):
    """The certificate in ``path``, parsed once while the file stays the same."""
    stat = os.stat(path)
    return _certificate(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _key(path, size, mtime, how, openssl):
    public = _certificate(path, size, mtime).public_key()
    return OpenSSLKey(public, openssl) if how == 'openssl' else public


def verifying_key(path, config):
    """The key of the certificate in ``path`` as the configured verifier uses it."""
    wanted = config.get('ESIA_VERIFY_WITH', 'auto')
    openssl = config.get('ESIA_OPENSSL', 'openssl')
    how = 'pure'
    if wanted == 'openssl' or (wanted == 'auto' and openssl_has_gost(openssl)):
        how = 'openssl'
    stat = os.stat(path)
    return _key(path, stat.st_size, stat.st_mtime_ns, how, openssl)
