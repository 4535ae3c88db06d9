"""GOST R 34.10-2012 (256 bit) keys, certificates, signatures and a detached CMS, in pure Python.

Byte order follows OpenSSL's GOST engine (and therefore ЕСИА's examples):
- a private key in PKCS#8 is 32 little-endian bytes; a public key in a certificate is
  64 bytes, x then y, each little-endian;
- the Streebog digest is read as a little-endian number;
- a signature is 64 bytes: s then r, each big-endian.
``gostcrypto`` reads digests big-endian and returns r then s, so the two adapters below
convert; tests/test_esia_crypto.py checks the result against ``openssl`` itself.
"""
import datetime
from dataclasses import dataclass, field

from gostcrypto import gosthash, gostsignature

from services.esia import asn1

SIZE = 32
OID_GOST2012_256 = '1.2.643.7.1.1.1.1'
OID_GOST2012_512 = '1.2.643.7.1.1.1.2'
OID_STREEBOG256 = '1.2.643.7.1.1.2.2'
OID_SIGNED_DATA = '1.2.840.113549.1.7.2'
OID_DATA = '1.2.840.113549.1.7.1'

# Parameter-set OIDs found in keys and certificates, mapped to gostcrypto's curve names.
_CURVES = {
    '1.2.643.2.2.35.1': 'id-tc26-gost-3410-2012-256-paramSetB',  # CryptoPro-A
    '1.2.643.2.2.35.2': 'id-tc26-gost-3410-2012-256-paramSetC',  # CryptoPro-B
    '1.2.643.2.2.35.3': 'id-tc26-gost-3410-2012-256-paramSetD',  # CryptoPro-C
    '1.2.643.2.2.36.0': 'id-tc26-gost-3410-2012-256-paramSetB',  # CryptoPro-XchA
    '1.2.643.2.2.36.1': 'id-tc26-gost-3410-2012-256-paramSetD',  # CryptoPro-XchB
    '1.2.643.7.1.2.1.1.1': 'id-tc26-gost-3410-2012-256-paramSetA',
    '1.2.643.7.1.2.1.1.2': 'id-tc26-gost-3410-2012-256-paramSetB',
    '1.2.643.7.1.2.1.1.3': 'id-tc26-gost-3410-2012-256-paramSetC',
    '1.2.643.7.1.2.1.1.4': 'id-tc26-gost-3410-2012-256-paramSetD',
}


class GostError(ValueError):
    pass


def streebog256(data):
    return bytes(gosthash.new('streebog256', data=bytes(data)).digest())


def _curve(paramset_oid):
    name = _CURVES.get(paramset_oid)
    if name is None:
        raise GostError(f'unsupported GOST parameter set {paramset_oid}')
    return gostsignature.new(gostsignature.MODE_256,
                             gostsignature.CURVES_R_1323565_1_024_2019[name])


def _paramset(algorithm_identifier):
    """The parameter-set OID from a GOST AlgorithmIdentifier (SEQUENCE {oid, SEQUENCE {oid…}})."""
    parts = asn1.items(algorithm_identifier)
    algorithm = asn1.decode_oid(parts[0][1])
    if algorithm != OID_GOST2012_256:
        raise GostError(f'not a GOST R 34.10-2012 256-bit key: {algorithm}')
    return asn1.decode_oid(asn1.items(parts[1][1])[0][1])


@dataclass
class PrivateKey:
    secret: int
    paramset: str

    @classmethod
    def from_pem(cls, data):
        """Read a PKCS#8 key as written by ``openssl genpkey -engine gost``."""
        _, body, _ = asn1.read(asn1.pem_to_der(data, 'PRIVATE KEY'))
        parts = asn1.items(body)
        paramset = _paramset(parts[1][1])
        raw = parts[2][1]
        if len(raw) != SIZE:  # some writers wrap the key once more (OCTET STRING or INTEGER)
            tag, inner, _ = asn1.read(raw)
            if tag == asn1.INTEGER:
                return cls(int.from_bytes(inner, 'big'), paramset)
            raw = inner
        return cls(int.from_bytes(raw, 'little'), paramset)

    def public_key(self):
        point = _curve(self.paramset).public_key_generate(bytearray(self.secret.to_bytes(SIZE, 'big')))
        return PublicKey(bytes(point[:SIZE]), bytes(point[SIZE:]), self.paramset)

    def sign(self, data, k=None):
        """Sign ``data`` (hashing it with Streebog-256); OpenSSL byte order. ``k`` only for golden vectors."""
        digest = streebog256(data)
        curve = _curve(self.paramset)
        rand_k = bytearray(k.to_bytes(SIZE, 'big')) if k is not None else bytearray(b'')
        r_s = curve.sign(bytearray(self.secret.to_bytes(SIZE, 'big')), bytearray(digest[::-1]), rand_k)
        return bytes(r_s[SIZE:] + r_s[:SIZE])


@dataclass
class PublicKey:
    x: bytes  # big-endian
    y: bytes
    paramset: str
    spki: bytes = field(default=b"", compare=False)  # the certificate's SubjectPublicKeyInfo (DER), for OpenSSL

    def verify(self, data, signature):
        """True when ``signature`` (OpenSSL byte order) signs ``data``."""
        if len(signature) != 2 * SIZE:
            return False
        digest = streebog256(data)
        r_s = signature[SIZE:] + signature[:SIZE]
        try:
            return bool(_curve(self.paramset).verify(bytearray(self.x + self.y),
                                                      bytearray(digest[::-1]), bytearray(r_s)))
        except gostsignature.GOSTSignatureError:
            return False


@dataclass
class Certificate:
    der: bytes

    @classmethod
    def load(cls, data):
        return cls(asn1.pem_to_der(data, 'CERTIFICATE'))

    @classmethod
    def from_file(cls, path):
        with open(path, 'rb') as fh:
            return cls.load(fh.read())

    def _tbs(self):
        _, body, _ = asn1.read(self.der)
        tbs = asn1.items(asn1.items(body)[0][1])
        return tbs if tbs[0][0] == 0xA0 else [(0xA0, b'')] + tbs  # v1 certificates lack [0]

    def hash_hex(self):
        """The value ЕСИА calls client_certificate_hash: Streebog-256 of the DER, upper-case hex
        (computed once per certificate)."""
        known = self.__dict__.get('_hash_hex')
        if known is None:
            known = self.__dict__['_hash_hex'] = streebog256(self.der).hex().upper()
        return known

    def validity(self):
        """(notBefore, notAfter) as aware UTC datetimes."""
        return tuple(_time(tag, value) for tag, value in asn1.items(self._tbs()[4][1]))

    def signature_size(self):
        """Bytes of a raw signature by this certificate's key: 64 (2012-256) or 128 (2012-512)."""
        key_algorithm = asn1.items(asn1.items(self._tbs()[6][1])[0][1])
        algorithm = asn1.decode_oid(key_algorithm[0][1])
        sizes = {OID_GOST2012_256: 2 * SIZE, OID_GOST2012_512: 4 * SIZE}
        if algorithm not in sizes:
            raise GostError(f'not a GOST R 34.10-2012 key: {algorithm}')
        return sizes[algorithm]

    def public_key(self):
        spki = asn1.items(self._tbs()[6][1])
        paramset = _paramset(spki[0][1])
        bits = spki[1][1][1:]  # drop the unused-bits byte
        _, point, _ = asn1.read(bits)
        if len(point) != 2 * SIZE:
            raise GostError('unexpected GOST public key length')
        return PublicKey(point[:SIZE][::-1], point[SIZE:][::-1], paramset,
                         asn1.encode(asn1.SEQUENCE, self._tbs()[6][1]))

    def issuer_and_serial(self):
        tbs = self._tbs()
        return asn1.encode(asn1.SEQUENCE, asn1.encode(asn1.SEQUENCE, tbs[3][1]) +
                           asn1.encode(asn1.INTEGER, tbs[1][1]))


def _time(tag, value):
    text = value.decode('ascii')
    pattern = '%y%m%d%H%M%SZ' if tag == 0x17 else '%Y%m%d%H%M%SZ'  # UTCTime or GeneralizedTime
    return datetime.datetime.strptime(text, pattern).replace(tzinfo=datetime.timezone.utc)


def _algorithm(dotted):
    return asn1.seq(asn1.oid(dotted), asn1.encode(asn1.NULL, b''))


def detached_cms(certificate, signature):
    """A detached CMS SignedData without signed attributes, as ``openssl cms -sign -noattr``
    writes it: the signer's raw signature over the content is all it needs."""
    signer_info = asn1.seq(asn1.integer(1), certificate.issuer_and_serial(),
                           _algorithm(OID_STREEBOG256), _algorithm(OID_GOST2012_256),
                           asn1.encode(asn1.OCTET_STRING, signature))
    signed_data = asn1.seq(asn1.integer(1), asn1.encode(asn1.SET, _algorithm(OID_STREEBOG256)),
                           asn1.seq(asn1.oid(OID_DATA)),
                           asn1.encode(0xA0, certificate.der),
                           asn1.encode(asn1.SET, signer_info))
    return asn1.seq(asn1.oid(OID_SIGNED_DATA), asn1.encode(0xA0, signed_data))


def cms_signature(cms_der):
    """(certificate, raw signature) from a detached CMS with one signer and no signed attributes."""
    _, body, _ = asn1.read(cms_der)
    content_type, explicit = asn1.items(body)
    if asn1.decode_oid(content_type[1]) != OID_SIGNED_DATA:
        raise GostError('not a CMS SignedData')
    signed = asn1.items(asn1.items(explicit[1])[0][1])
    certificates = [v for t, v in signed if t == 0xA0]
    signer_infos = asn1.items(signed[-1][1])
    if not certificates or len(signer_infos) != 1:
        raise GostError('CMS must carry one certificate and one signer')
    _, first_cert, _ = asn1.read(certificates[0])
    certificate = Certificate(asn1.encode(asn1.SEQUENCE, first_cert))
    fields = asn1.items(signer_infos[0][1])
    if any(tag == 0xA0 for tag, _ in fields):
        raise GostError('signed attributes are not supported')
    return certificate, fields[-1][1]
