"""Scans attached to portfolio items (SECURITY.md 31): what a file is, by its magic bytes and its
structure, never by its name; at most 5 MB; a web page named .pdf, a truncated file, an image
with an archive or a page appended (a polyglot) and an image too large to open are refused with
a sentence.  Files live outside ``static/`` under a folder the application is given, each under
a name the server chose; only the view that checked the reader's rights hands one out."""
import os
import re
import secrets
import struct
import zlib

from services.common import Refused

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 20000          # points along one side of an image
MAX_PIXELS = 80_000_000   # an A4 page at 600 dpi is about 35 million
PDF, JPEG, PNG = 'pdf', 'jpeg', 'png'
EXTENSIONS = {PDF: 'pdf', JPEG: 'jpg', PNG: 'png'}
MIMETYPES = {PDF: 'application/pdf', JPEG: 'image/jpeg', PNG: 'image/png'}
SUBFOLDER = 'portfolio'
STORED_NAME = re.compile(r'^[0-9a-f]{32}\.(?:pdf|jpg|png)$')

PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
JPEG_MAGIC = b'\xff\xd8\xff'
PDF_MAGIC = b'%PDF-'
# Markup a browser would run if it ever took the file for a page: in no scan of a document.
MARKUP = re.compile(rb'<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta|\?php)\b', re.I)
WEB_PAGE = re.compile(rb'^\s*(?:<!doctype|<html|<head|<body|<script|<meta|<\?xml|<svg|<table|<div)', re.I)
# Names of PDF features that act rather than show; a PDF with any of them is only downloaded.
PDF_ACTIVE = re.compile(rb'/(?:JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|EmbeddedFiles|RichMedia|'
                        rb'XFA|SubmitForm|ImportData|GoToR|GoToE|ObjStm|Encrypt)\b')
AGAIN = 'Сохраните документ как PDF, JPEG или PNG и загрузите снова.'


def megabytes(size):
    return f'{size / (1024 * 1024):.1f}'.replace('.', ',')


def size_label(size):
    """«340 КБ» below a megabyte, «2,4 МБ» above."""
    return f'{max(1, -(-size // 1024))} КБ' if size < 1024 * 1024 else f'{megabytes(size)} МБ'


def check(data, file_name=''):
    """The scan's type ('pdf', 'jpeg', 'png') or Refused with what to do."""
    if not data:
        raise Refused('Файл пустой. Выберите скан документа.')
    if len(data) > MAX_BYTES:
        raise Refused(f'Файл больше 5 МБ (в нём {megabytes(len(data))} МБ). Отсканируйте документ с '
                      'меньшим разрешением или сожмите файл и загрузите снова.')
    named = f'«{file_name}»' if file_name else 'Файл'
    if data.startswith(PDF_MAGIC):
        kind = _check_pdf(data)
    elif data.startswith(PNG_MAGIC):
        kind = _check_png(data)
    elif data.startswith(JPEG_MAGIC):
        kind = _check_jpeg(data)
    elif WEB_PAGE.match(data[:1024].lstrip(b'\xef\xbb\xbf')):
        raise Refused(f'{named}: внутри веб-страница (HTML), а не скан документа. {AGAIN}')
    else:
        raise Refused(f'{named} — не PDF, не JPEG и не PNG. {AGAIN}')
    if MARKUP.search(data):
        raise Refused(f'{named}: внутри, кроме документа, есть веб-страница или программа. Такие файлы '
                      f'не принимаются: отсканируйте документ заново или пересохраните его. {AGAIN}')
    return kind


def _appended(named_type):
    return Refused(f'После конца файла {named_type} дописаны посторонние данные (например, архив). Такие '
                   f'файлы не принимаются: пересохраните скан и загрузите снова.')


def _truncated(named_type):
    return Refused(f'Файл {named_type} оборван или повреждён: его конец не найден. Сохраните документ '
                   'заново и загрузите снова.')


def _check_pdf(data):
    end = data.rfind(b'%%EOF')
    if end < 0:
        raise _truncated('PDF')
    if data[end + 5:].strip(b'\r\n\t \x00'):
        raise _appended('PDF')
    return PDF


def _check_size(width, height):
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE) or width * height > MAX_PIXELS:
        raise Refused(f'Изображение слишком большое: {width} × {height} точек. Уменьшите его '
                      f'(не больше {MAX_SIDE} точек по стороне) и загрузите снова.')


def _check_png(data):
    position, seen = len(PNG_MAGIC), []
    while position + 12 <= len(data):
        length, kind = struct.unpack('>I4s', data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        crc = data[position + 8 + length:position + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise _truncated('PNG')
        if zlib.crc32(kind + body) != struct.unpack('>I', crc)[0]:
            raise Refused('Файл PNG повреждён (не сходится контрольная сумма). Сохраните изображение '
                          'заново и загрузите снова.')
        if not seen and kind != b'IHDR':
            raise _truncated('PNG')
        if kind == b'IHDR':
            _check_size(*struct.unpack('>II', body[:8]))
        seen.append(kind)
        position += 12 + length
        if kind == b'IEND':
            if data[position:]:
                raise _appended('PNG')
            return PNG
    raise _truncated('PNG')


SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _check_jpeg(data):
    if not data.endswith(b'\xff\xd9'):
        if b'\xff\xd9' in data[-65536:]:
            raise _appended('JPEG')
        raise _truncated('JPEG')
    position, sized = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise _truncated('JPEG')
        marker = data[position + 1]
        if marker == 0xFF:  # fill bytes before a marker
            position += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = struct.unpack('>H', data[position + 2:position + 4])[0]
        if marker in SOF_MARKERS and position + 9 <= len(data):
            height, width = struct.unpack('>HH', data[position + 5:position + 9])
            _check_size(width, height)
            sized = True
        if marker == 0xDA:  # the image data begins: headers are over
            break
        position += 2 + length
    if not sized:
        raise _truncated('JPEG')
    return JPEG


def inline_safe(kind, data):
    """May the browser show the file itself rather than download it?  Images checked above, and
    PDFs with nothing in them that acts (scripts, launches, attachments, hidden object streams)."""
    if kind in (PNG, JPEG):
        return True
    return kind == PDF and not PDF_ACTIVE.search(data)


# --- Storage ---------------------------------------------------------------------------

def _folder(root, subfolder):
    folder = os.path.join(root, subfolder)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


def store(root, data, kind, subfolder=SUBFOLDER):
    """Write the scan under a new server-chosen name in ``root/subfolder``; returns that name.
    The card's licence scan is kept the same way in its own folder (services.card.licence)."""
    name = f'{secrets.token_hex(16)}.{EXTENSIONS[kind]}'
    path = os.path.join(_folder(root, subfolder), name)
    partial = path + '.part'
    with open(partial, 'wb') as fh:
        fh.write(data)
    os.chmod(partial, 0o600)
    os.replace(partial, path)
    return name


def path_of(root, name, subfolder=SUBFOLDER):
    if not STORED_NAME.match(name or ''):
        return None
    return os.path.join(root, subfolder, name)


def read(root, name, subfolder=SUBFOLDER):
    """The stored bytes, or None when the name is not one the server gives or the file is gone."""
    path = path_of(root, name, subfolder)
    if path is None or not os.path.isfile(path):
        return None
    with open(path, 'rb') as fh:
        return fh.read(MAX_BYTES + 1)


def remove(root, name, subfolder=SUBFOLDER):
    path = path_of(root, name, subfolder)
    if path is not None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
