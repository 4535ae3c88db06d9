"""Just enough DER to read GOST keys and certificates and to write a detached CMS signature."""
import base64

SEQUENCE, SET, INTEGER, OCTET_STRING, BIT_STRING, OID, NULL = 0x30, 0x31, 0x02, 0x04, 0x03, 0x06, 0x05


class DerError(ValueError):
    pass


def read(data, offset=0):
    """One TLV at ``offset``: (tag, value, next offset)."""
    if offset + 2 > len(data):
        raise DerError('truncated DER')
    tag, length = data[offset], data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise DerError('bad DER length')
        length = int.from_bytes(data[offset:offset + count], 'big')
        offset += count
    end = offset + length
    if end > len(data):
        raise DerError('truncated DER')
    return tag, data[offset:end], end


def items(data):
    """The TLVs inside a constructed value, as (tag, value) pairs."""
    found, offset = [], 0
    while offset < len(data):
        tag, value, offset = read(data, offset)
        found.append((tag, value))
    return found


def decode_oid(value):
    numbers, current = [], 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(current)
            current = 0
    first = min(numbers[0] // 40, 2)
    return '.'.join(str(n) for n in [first, numbers[0] - 40 * first] + numbers[1:])


def encode(tag, value):
    length = len(value)
    if length < 0x80:
        header = bytes([tag, length])
    else:
        raw = length.to_bytes((length.bit_length() + 7) // 8, 'big')
        header = bytes([tag, 0x80 | len(raw)]) + raw
    return header + value


def seq(*parts):
    return encode(SEQUENCE, b''.join(parts))


def integer(number):
    raw = number.to_bytes(number.bit_length() // 8 + 1, 'big', signed=True)
    return encode(INTEGER, raw)


def oid(dotted):
    numbers = [int(n) for n in dotted.split('.')]
    body = bytearray()
    for number in [numbers[0] * 40 + numbers[1]] + numbers[2:]:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body.extend(reversed(chunk))
    return encode(OID, bytes(body))


def pem_to_der(data, label=None):
    """Accept PEM or DER bytes; return DER."""
    if isinstance(data, str):
        data = data.encode()
    if b'-----BEGIN' not in data:
        return bytes(data)
    lines = data.decode('ascii', 'replace').splitlines()
    body, inside = [], False
    for line in lines:
        if line.startswith('-----BEGIN') and (label is None or label in line):
            inside = True
        elif line.startswith('-----END') and inside:
            break
        elif inside:
            body.append(line.strip())
    if not body:
        raise DerError('no PEM block found')
    return base64.b64decode(''.join(body))
