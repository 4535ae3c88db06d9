"""The licence's scan on «Карточка ОО» (SECURITY.md 31): checked as portfolio scans are (type by
magic bytes, 5 MB, no markup, nothing appended), kept under ``UPLOAD_FOLDER/licences`` with a
name the server chose, handed out only by the card's views after the reader's rights."""
from services.portfolio import scans

SUBFOLDER = 'licences'
check = scans.check
inline_safe = scans.inline_safe
MAX_BYTES, MIMETYPES, EXTENSIONS = scans.MAX_BYTES, scans.MIMETYPES, scans.EXTENSIONS


def store(root, data, kind):
    """Write the scan under a new server-chosen name; returns that name."""
    return scans.store(root, data, kind, SUBFOLDER)


def read(root, name):
    return scans.read(root, name, SUBFOLDER)


def remove(root, name):
    scans.remove(root, name, SUBFOLDER)


def label(scan):
    """«PDF, 340 КБ» of a stored scan (name, type, size), or ''."""
    if not scan:
        return ''
    _, kind, size = scan
    return f'{kind.upper()}, {scans.size_label(size or 0)}'
