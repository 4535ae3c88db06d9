"""The licence's scan on «Карточка ОО» (SECURITY.md 31): checked as portfolio scans are (type by
magic bytes, 5 MB, no markup, nothing appended), kept under ``UPLOAD_FOLDER/licences`` with a
name the server chose, handed out only by the card's views after the reader's rights."""
import os
import re
import secrets

from services.portfolio import scans

SUBFOLDER = 'licences'
STORED_NAME = re.compile(r'^[0-9a-f]{32}\.(?:pdf|jpg|png)$')
check = scans.check
inline_safe = scans.inline_safe
MAX_BYTES, MIMETYPES, EXTENSIONS = scans.MAX_BYTES, scans.MIMETYPES, scans.EXTENSIONS


def _path(root, name):
    return os.path.join(root, SUBFOLDER, name) if STORED_NAME.match(name or '') else None


def store(root, data, kind):
    """Write the scan under a new server-chosen name; returns that name."""
    folder = os.path.join(root, SUBFOLDER)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    name = f'{secrets.token_hex(16)}.{EXTENSIONS[kind]}'
    partial = os.path.join(folder, name + '.part')
    with open(partial, 'wb') as fh:
        fh.write(data)
    os.chmod(partial, 0o600)
    os.replace(partial, os.path.join(folder, name))
    return name


def read(root, name):
    path = _path(root, name)
    if path is None or not os.path.isfile(path):
        return None
    with open(path, 'rb') as fh:
        return fh.read(MAX_BYTES + 1)


def remove(root, name):
    path = _path(root, name)
    if path is not None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def label(scan):
    """«PDF, 340 КБ» of a stored scan (name, type, size), or ''."""
    if not scan:
        return ''
    _, kind, size = scan
    return f'{kind.upper()}, {scans.size_label(size or 0)}'
