"""«Портфолио»: who may open whose portfolio, adding, editing (versioned) and deleting items, the
scans (limits, magic bytes, hostile files, how they are served and where they lie), and the fill
percentage that rises when a course is added; in Chromium at 1280 and 360 px."""
import datetime
import io
import os
import re
import struct
import zlib

import pytest

from models import AuditEvent, Employment, PortfolioItem
from services import staff
from services.portfolio import scans
from tests import builders

TODAY = datetime.date(2026, 11, 20)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def pdf(body=b'BT /F1 12 Tf (Udostoverenie) Tj ET'):
    """A small real-shaped PDF: header, one object, trailer, %%EOF."""
    return (b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n' + body
            + b'\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n')


def png(width=2, height=2, extra_chunks=b''):
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    raw = b''.join(b'\x00' + b'\xff\xff\xff' * width for _ in range(min(height, 4)))
    return (scans.PNG_MAGIC + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + extra_chunks + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))


def jpeg(width=16, height=16, padding=0):
    sof = b'\xff\xc0' + struct.pack('>HBHHB', 11, 8, height, width, 1) + b'\x01\x11\x00'
    comment = b'\xff\xfe' + struct.pack('>H', 2 + padding) + b'\x00' * padding if padding else b''
    return b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00' + comment + sof \
        + b'\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00' + b'\x12\x34' * 50 + b'\xff\xd9'


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path):
    app.config['UPLOAD_FOLDER'] = str(tmp_path / 'uploads')
    return tmp_path / 'uploads'


@pytest.fixture
def jobs(app, region, frozen_clock):
    frozen_clock.at(datetime.datetime(2026, 11, 20, 3, 0))
    with app.app_context():
        kid = builders.child('Орлова', 'Вера', birth_date=datetime.date(2015, 4, 1))
        builders.user('child-13', region.odo, 'student', kid)
        colleague = Employment.create(person=builders.person('Коваль', 'Анна', 'Ильинична'),
                                      organisation=region.odo, position='Методист')
        far = Employment.create(person=builders.person('Далёкая', 'Нина'), organisation=region.far_odo,
                                position='Методист')
        teacher = Employment.get(Employment.person == region.teacher.person_id)
        award = PortfolioItem.create(employment=colleague, kind='award', title='Грамота',
                                     issued_on=datetime.date(2025, 5, 1), issuer='Министерство')
        return dict(teacher=teacher, colleague=colleague, far=far, award=award)


def teacher_client(client, region):
    assert client.sign_in('odo-teacher', organisation=region.odo).status_code == 303
    return client


def course(**fields):
    data = {'kind': 'qualification', 'title': 'Повышение квалификации «Цифровая среда»',
            'issued_on': '2026-10-20', 'issuer': 'ГАУ ДПО ИРОСО', 'started_on': '2026-10-01',
            'finished_on': '2026-10-20', 'hours': '72', 'document_number': '652417654321'}
    data.update(fields)
    return data


def post(client, url, data, scan=None, name='удостоверение.pdf'):
    data = dict(data, csrf_token=client.csrf_token('/portfolio/' if '/portfolio' in url else '/'))
    if scan is not None:
        data['scan'] = (io.BytesIO(scan), name)
    return client.post(url, data=data, content_type='multipart/form-data')


def text(response):
    return response.get_data(as_text=True)


def fill_shown(client, path='/portfolio/'):
    page = text(client.get(path))
    return re.search(r'<span class="fill \w+">([^<]+)</span>', page).group(1).replace('\xa0', ' ')


# --- Who may see what -------------------------------------------------------------------

def portfolio_routes(app):
    return sorted((rule.endpoint, method) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith('portfolio.') for method in rule.methods & {'GET', 'POST'})


def test_the_portfolio_has_the_routes_the_matrix_walks(app):
    assert portfolio_routes(app) == [
        ('portfolio.create', 'POST'), ('portfolio.delete', 'POST'), ('portfolio.edit', 'GET'),
        ('portfolio.mine', 'GET'), ('portfolio.new', 'GET'), ('portfolio.scan', 'GET'),
        ('portfolio.show', 'GET'), ('portfolio.update', 'POST')]


def walk(client, employment, item):
    """Every route over one employment and one of its items: {endpoint: status}."""
    token = client.csrf_token('/')
    statuses = {}
    for endpoint, path in (('show', f'/portfolio/{employment.id}'), ('new', f'/portfolio/{employment.id}/new'),
                           ('edit', f'/portfolio/items/{item.id}'), ('scan', f'/portfolio/items/{item.id}/scan')):
        statuses[endpoint] = client.get(path).status_code
    for endpoint, path in (('create', f'/portfolio/{employment.id}/new'), ('update', f'/portfolio/items/{item.id}'),
                           ('delete', f'/portfolio/items/{item.id}/delete')):
        statuses[endpoint] = client.post(path, data={'csrf_token': token}).status_code
    return statuses


def test_the_teacher_opens_their_own_portfolio_and_not_a_colleague_s(app, client, region, jobs):
    teacher_client(client, region)
    page = client.get('/portfolio/')
    assert page.status_code == 200 and 'Моё портфолио' in text(page) and 'Ёлкин Иван' in text(page)
    assert client.get(f'/portfolio/{jobs["teacher"].id}').status_code == 200
    assert client.get(f'/portfolio/{jobs["teacher"].id}/new').status_code == 200
    assert set(walk(client, jobs['colleague'], jobs['award']).values()) == {403}
    with app.app_context():
        assert PortfolioItem.get_or_none(PortfolioItem.id == jobs['award'].id) is not None
        assert AuditEvent.select().where(AuditEvent.event == 'access_denied',
                                         AuditEvent.object_type == 'portfolio').count() == 7


def test_the_administrator_opens_everyone_s_portfolio_here_and_nobody_s_elsewhere(app, admin_client, jobs):
    statuses = walk(admin_client, jobs['colleague'], jobs['award'])
    assert statuses == {'show': 200, 'new': 200, 'edit': 200, 'scan': 404,  # the award has no scan
                        'create': 422, 'update': 422, 'delete': 303}
    with app.app_context():
        far_item = PortfolioItem.create(employment=jobs['far'], kind='award', title='Грамота',
                                        issued_on=datetime.date(2025, 5, 1))
    assert set(walk(admin_client, jobs['far'], far_item).values()) == {404}
    with app.app_context():
        assert PortfolioItem.get_or_none(PortfolioItem.id == far_item.id) is not None


@pytest.mark.parametrize('login, organisation, expected', [
    ('child-13', 'odo', 403), ('uo-specialist', 'body', 404), ('far-admin', 'far_odo', 404)])
def test_others_reach_no_portfolio_of_the_odo(app, client, region, jobs, login, organisation, expected):
    assert client.sign_in(login, organisation=getattr(region, organisation)).status_code == 303
    assert set(walk(client, jobs['colleague'], jobs['award']).values()) == {expected}
    assert client.get('/portfolio/').status_code == 404  # no employment of their own here


def test_a_dismissed_employee_s_portfolio_is_read_only(app, admin_client, jobs):
    with app.app_context():
        Employment.update(dismissed_on=datetime.date(2026, 10, 31)).where(
            Employment.id == jobs['colleague'].id).execute()
    page = text(admin_client.get(f'/portfolio/{jobs["colleague"].id}'))
    assert 'портфолио только для чтения' in page and 'Добавить запись' not in page
    for response in (post(admin_client, f'/portfolio/{jobs["colleague"].id}/new', course()),
                     post(admin_client, f'/portfolio/items/{jobs["award"].id}', course(version='1')),
                     post(admin_client, f'/portfolio/items/{jobs["award"].id}/delete', {})):
        assert response.status_code == 303
    shown = text(admin_client.get(f'/portfolio/{jobs["colleague"].id}'))
    assert 'Сотрудник уволен 31.10.2026: его портфолио только для чтения.' in shown
    with app.app_context():
        assert [i.title for i in PortfolioItem.select().where(
            PortfolioItem.employment == jobs['colleague'].id)] == ['Грамота']


# --- Items and the fill -------------------------------------------------------------------

def test_adding_a_course_raises_the_fill_and_the_missing_list_shrinks(app, client, region, jobs):
    teacher_client(client, region)
    assert fill_shown(client) == '0 %'
    assert 'Курсы повышения квалификации за последние 3 года' in text(client.get('/portfolio/'))
    response = post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), pdf())
    assert response.status_code == 303 and response.headers['Location'] == '/portfolio/'
    assert fill_shown(client) == '66,6 %'  # a recent course, and every item complete; no attestation
    page = text(client.get('/portfolio/'))
    assert 'Повышение квалификации «Цифровая среда»' in page and 'с 01.10.2026 по 20.10.2026' in page
    assert '72 часа' in page and 'PDF, 1 КБ' in page
    with app.app_context():
        item = PortfolioItem.get(PortfolioItem.employment == jobs['teacher'].id)
        assert (item.hours, item.started_on, item.scan_type) == (72, datetime.date(2026, 10, 1), 'pdf')
        assert staff.fill_percentage(jobs['teacher'], TODAY).portfolio.label == '66,6\xa0%'


def test_an_incomplete_item_says_what_it_lacks(app, client, region, jobs):
    teacher_client(client, region)
    post(client, f'/portfolio/{jobs["teacher"].id}/new', course(issuer='', document_number=''))
    page = text(client.get('/portfolio/'))
    assert 'Не указано: кем выдан, номер документа' in page
    assert fill_shown(client) == '33,3 %'


@pytest.mark.parametrize('fields, field, message', [
    ({'kind': 'diploma'}, 'kind', 'Выберите вид записи из списка.'),
    ({'title': ' '}, 'title', 'Укажите название'),
    ({'issued_on': ''}, 'issued_on', 'без даты запись не учитывается'),
    ({'issued_on': '2026-12-01'}, 'issued_on', 'не может быть позже сегодняшнего дня (20.11.2026)'),
    ({'started_on': '2026-10-21'}, 'finished_on', 'не может закончиться раньше, чем началось'),
    ({'finished_on': '2026-10-25'}, 'finished_on', 'позже даты документа'),
    ({'hours': '8'}, 'hours', 'Курсы повышения квалификации — не меньше 16 часов'),
    ({'kind': 'retraining', 'hours': '72'}, 'hours', 'Профессиональная переподготовка — не меньше 250 часов'),
    ({'hours': '99999999999999999999'}, 'hours', 'целое число от 1 до 3000'),
])
def test_a_wrong_field_is_told_in_russian_and_nothing_is_saved(app, client, region, jobs, fields, field,
                                                                message):
    teacher_client(client, region)
    response = post(client, f'/portfolio/{jobs["teacher"].id}/new', course(**fields))
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}-error"' in page and message in page
    with app.app_context():
        assert PortfolioItem.select().where(PortfolioItem.employment == jobs['teacher'].id).count() == 0


def test_two_people_editing_one_item_the_second_is_told(app, admin_client, jobs):
    url = f'/portfolio/items/{jobs["award"].id}'
    first = post(admin_client, url, {'kind': 'award', 'title': 'Почётная грамота', 'issued_on': '2025-05-01',
                                     'issuer': 'Министерство', 'version': '1'})
    assert first.status_code == 303
    second = post(admin_client, url, {'kind': 'award', 'title': 'Благодарность', 'issued_on': '2025-05-01',
                                      'version': '1'})
    assert second.status_code == 409 and 'Запись изменил другой пользователь' in text(second)
    with app.app_context():
        item = PortfolioItem.get_by_id(jobs['award'].id)
        assert (item.title, item.version) == ('Почётная грамота', 2)


def test_deleting_an_item_takes_its_scan_with_it(app, client, region, jobs, upload_folder):
    teacher_client(client, region)
    post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), pdf())
    with app.app_context():
        item = PortfolioItem.get(PortfolioItem.employment == jobs['teacher'].id)
    stored = upload_folder / 'portfolio' / item.scan_name
    assert stored.is_file()
    assert post(client, f'/portfolio/items/{item.id}/delete', {}).status_code == 303
    assert not stored.exists()
    with app.app_context():
        assert PortfolioItem.get_or_none(PortfolioItem.id == item.id) is None


def test_a_new_scan_replaces_the_old_file_and_removing_it_leaves_none(app, client, region, jobs,
                                                                        upload_folder):
    teacher_client(client, region)
    post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), pdf())
    with app.app_context():
        item = PortfolioItem.get(PortfolioItem.employment == jobs['teacher'].id)
    old = item.scan_name
    assert post(client, f'/portfolio/items/{item.id}', course(version='1'), png(), 'скан.png').status_code == 303
    with app.app_context():
        item = PortfolioItem.get_by_id(item.id)
    assert item.scan_type == 'png' and item.scan_name != old and item.scan_original == 'скан.png'
    assert os.listdir(upload_folder / 'portfolio') == [item.scan_name]
    assert post(client, f'/portfolio/items/{item.id}', course(version='2', remove_scan='1')).status_code == 303
    with app.app_context():
        assert PortfolioItem.get_by_id(item.id).scan_type == ''
    assert os.listdir(upload_folder / 'portfolio') == []


# --- Scans ---------------------------------------------------------------------------------

def polyglot_png_zip():
    archive = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('evil.html', '<script>alert(1)</script>')
    return png() + archive.getvalue()


def text_chunk(payload):
    return struct.pack('>I', len(payload)) + b'tEXt' + payload + struct.pack('>I', zlib.crc32(b'tEXt' + payload))


HOSTILE = [
    ('a PDF that is HTML', b'<!DOCTYPE html><html><script>alert(1)</script></html>', 'скан.pdf',
     '«скан.pdf»: внутри веб-страница (HTML), а не скан документа.'),
    ('a page with a BOM', b'\xef\xbb\xbf  <html><body>x</body></html>', 'скан.pdf', 'веб-страница (HTML)'),
    ('a program', b'MZ\x90\x00' + b'\x00' * 200, 'скан.pdf', '«скан.pdf» — не PDF, не JPEG и не PNG.'),
    ('an SVG named .png', b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>', 'a.png',
     'веб-страница (HTML)'),
    ('a PNG with an archive after it', polyglot_png_zip(), 'a.png', 'После конца файла PNG дописаны'),
    ('a PDF with a page after %%EOF', pdf() + b'<html><script>alert(1)</script>', 'a.pdf',
     'После конца файла PDF дописаны'),
    ('a PDF with a page inside', pdf(b'<html><script>alert(1)</script></html>'), 'a.pdf',
     'есть веб-страница или программа'),
    ('a PNG with a script in a text chunk', png(extra_chunks=text_chunk(b'Comment\x00<script>alert(1)</script>')),
     'a.png', 'есть веб-страница или программа'),
    ('a JPEG with a page appended', jpeg() + b'<html></html>', 'a.jpg', 'После конца файла JPEG дописаны'),
    ('a truncated PDF', pdf()[:-8], 'a.pdf', 'Файл PDF оборван или повреждён'),
    ('a truncated PNG', png()[:-12], 'a.png', 'Файл PNG оборван или повреждён'),
    ('a PNG with a broken checksum', png()[:-5] + b'\x00' + png()[-4:], 'a.png', 'не сходится контрольная сумма'),
    ('a huge image in pixels', png(30000, 30000), 'a.png', 'Изображение слишком большое: 30000 × 30000 точек.'),
    ('a JPEG huge in pixels', jpeg(20001, 100), 'a.jpg', 'Изображение слишком большое: 20001 × 100 точек.'),
    ('an empty file', b'', 'a.pdf', 'Файл пустой. Выберите скан документа.'),
]


@pytest.mark.parametrize('label, data, name, message', HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_in_russian_and_leave_nothing(app, client, region, jobs, upload_folder,
                                                                 label, data, name, message):
    teacher_client(client, region)
    response = post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), data, name)
    assert response.status_code == 422, label
    assert 'id="scan-error"' in text(response) and message in text(response).replace('&#34;', '"')
    with app.app_context():
        assert PortfolioItem.select().count() == 1  # the colleague's award only
    assert not upload_folder.exists() or not any(upload_folder.rglob('*.*'))


def test_a_scan_over_5_mb_is_refused_with_its_size(app, client, region, jobs):
    teacher_client(client, region)
    big = jpeg(padding=60000)[:-2] + b'\x00' * (6 * 1024 * 1024) + b'\xff\xd9'
    response = post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), big, 'фото.jpg')
    assert response.status_code == 422
    assert 'Файл больше 5 МБ (в нём 6,1 МБ).' in text(response)
    with app.app_context():
        assert PortfolioItem.select().where(PortfolioItem.employment == jobs['teacher'].id).count() == 0


def test_a_request_over_the_application_s_limit_is_413_in_russian(app, client, region, jobs):
    teacher_client(client, region)
    response = post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), b'%PDF-' + b'0' * (21 * 1024 * 1024))
    assert response.status_code == 413 and 'Файл слишком большой' in text(response)


@pytest.mark.parametrize('data, name, mimetype, disposition', [
    (pdf(), 'удостоверение.pdf', 'application/pdf', 'inline'),
    (pdf(b'/OpenAction << /S /JavaScript /JS (app.alert(1)) >>'), 'a.pdf', 'application/pdf', 'attachment'),
    (png(), 'скан.png', 'image/png', 'inline'),
    (jpeg(), 'скан.jpg', 'image/jpeg', 'inline'),
])
def test_a_scan_is_served_to_its_owner_not_stored_or_cached_and_only_known_safe_files_inline(
        app, client, region, jobs, upload_folder, data, name, mimetype, disposition):
    teacher_client(client, region)
    assert post(client, f'/portfolio/{jobs["teacher"].id}/new', course(), data, name).status_code == 303
    with app.app_context():
        item = PortfolioItem.get(PortfolioItem.employment == jobs['teacher'].id)
    response = client.get(f'/portfolio/items/{item.id}/scan')
    assert response.status_code == 200 and response.data == data
    assert response.headers['Content-Type'].split(';')[0] == mimetype
    assert response.headers['Cache-Control'] == 'no-store'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['Content-Disposition'].startswith(disposition)
    assert f'portfolio-{item.id}.' in response.headers['Content-Disposition']  # the server's name
    # Stored outside static/, under a name the server chose, never the uploaded one.
    stored = upload_folder / 'portfolio' / item.scan_name
    assert stored.read_bytes() == data and re.fullmatch(r'[0-9a-f]{32}\.(pdf|png|jpg)', item.scan_name)
    assert not os.path.realpath(stored).startswith(os.path.realpath(os.path.join(ROOT, 'static')))
    assert not any(item.scan_name in files for _, _, files in os.walk(os.path.join(ROOT, 'static')))
    page = text(client.get('/portfolio/'))
    assert f'/portfolio/items/{item.id}/scan' in page
    assert '<img' not in page and '<embed' not in page and '<iframe' not in page and '<object' not in page
    # Another teacher's client cannot have it; the administrator can.
    client.post_form('/logout', {})
    assert client.sign_in('odo-admin', organisation=region.odo).status_code == 303
    assert client.get(f'/portfolio/items/{item.id}/scan').data == data
    client.post_form('/logout', {})
    assert client.sign_in('child-13', organisation=region.odo).status_code == 303
    assert client.get(f'/portfolio/items/{item.id}/scan').status_code == 403
    with app.app_context():
        assert AuditEvent.select().where(AuditEvent.event == 'portfolio_scan_opened').count() == 2


def test_the_upload_folder_may_not_lie_in_static(database_url):
    from app import create_app
    with pytest.raises(RuntimeError, match='outside static'):
        create_app({'TESTING': True, 'DATABASE_URL': database_url, 'SECRET_KEY': 'x',
                    'UPLOAD_FOLDER': os.path.join(ROOT, 'static', 'uploads')})


def test_a_stored_name_that_is_not_the_server_s_is_never_read(tmp_path):
    (tmp_path / 'secret.txt').write_text('x')
    assert scans.read(str(tmp_path), '../secret.txt') is None
    assert scans.path_of(str(tmp_path), '/etc/passwd') is None
