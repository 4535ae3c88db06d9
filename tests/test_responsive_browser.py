"""In Chromium at 360 and 1280 px: a crawl of every page a user reaches from the home page and
the main screens finds no page that scrolls sideways and no checkbox or radio whose target is
under 44 × 44 px; on a phone each table row is a card with the name first and its cells
labelled; disabled buttons look disabled; the focus ring and field borders keep 3:1 contrast."""
import datetime
import re
from urllib.parse import urlsplit

import pytest

from models import EnrolmentSelection, ImportJob, Message, Order
from services import movement
from tests import builders
from tests.test_import_flow import filled_template, row, upload

pytestmark = pytest.mark.browser

PHONE = {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True,
         'has_touch': True}
DESKTOP = {'viewport': {'width': 1280, 'height': 800}, 'locale': 'ru-RU'}
PHONE_NO_SCRIPT = dict(PHONE, java_script_enabled=False)
TOUCH = 44
MAX_PAGES = 80
NOT_PAGES = ('/logout', '/esia/start', '/esia/return', '/static/')


# --- The data: every table of the main screens has rows ------------------------------------

@pytest.fixture
def school(app, region, registry):
    """Committed and draft orders with lines, ticks on a registry screen, a message, a pupil
    who signs in."""
    odo, bead = region.odo, registry['bead']
    pupils = [builders.child('Афанасьева', 'Ксения', 'Олеговна', datetime.date(2014, 4, 4)),
              builders.child('Борисов', 'Глеб', 'Андреевич', datetime.date(2013, 6, 6), gender='M')]
    enrolled = builders.committed(odo, Order.ENROLMENT, 2, pupils, on=builders.day(9, 2), to=bead)
    withdrawn = builders.committed(odo, Order.WITHDRAWAL, 3, pupils[1:], on=builders.day(10, 5),
                                   source=bead, reason='moved', destination='Корсаков, г.')
    with_lines = registry['order']
    result = movement.add_children_to_draft(with_lines, [registry['elkina'].id], bead)
    assert not result.refusals, result.refusals
    empty = builders.draft(odo, Order.ENROLMENT, 4, on=builders.day(10, 2))
    EnrolmentSelection.create(user=region.admin, order=with_lines, person=registry['petrov'],
                              source='search')
    Message.create(sender_organisation=region.other_odo, recipient_organisation=odo,
                   person=registry['petrov'], subject='Запрос на выбытие: Петров Пётр',
                   body='Просим оформить выбытие.')
    builders.user('child-13', odo, 'student', pupils[0])
    return dict(registry, enrolled=enrolled, withdrawn=withdrawn, with_lines=with_lines,
                empty=empty, pupil=pupils[0])


@pytest.fixture
def imported(school, admin_client):
    """An import waiting for decisions and the report of another file with errors."""
    resolving = import_waiting_for_decisions(admin_client, school['with_lines'])
    upload(admin_client, filled_template([row(surname='Новикова', birth='31.02.2016'),
                                          row(association='Шахматы', surname='Кузнецова')]))
    validated = ImportJob.select().order_by(ImportJob.id.desc()).first()
    assert validated.status == ImportJob.VALIDATED
    return dict(resolving=resolving, validated=validated)


def import_waiting_for_decisions(client, order):
    """A file whose rows found registry children (at school, in the pool, one only alike)."""
    upload(client, filled_template([
        row(surname='Ёлкина', name='Алёна', patronymic='Игоревна', birth='03.05.2014',
            c_series='II-ФВ', c_number='123456'),
        row(surname='Сидорова', name='Мария', patronymic='Олеговна', birth='02.02.2013',
            c_series='IV-АБ', c_number='222333'),
        row(surname='Новикова', name='Ирина', c_number='111111'),
        row(surname='Петров', name='Пётр', patronymic='', birth='20.01.2010', gender='М',
            c_number='999999'),  # like a registry child, not surely him: waits for a decision
    ]), order=order)
    job = ImportJob.select().order_by(ImportJob.id.desc()).first()
    client.post_form(f'/imports/{job.id}/skip', {'mode': 'rows'}, page=f'/imports/{job.id}')
    job = ImportJob.get_by_id(job.id)
    assert job.status == ImportJob.RESOLVING, job.error
    # One import runs at a time: this one steps aside so the second file's report exists too.
    ImportJob.update(active_organisation=None).where(ImportJob.id == job.id).execute()
    return job


def main_screens(school, imported, region):
    """The administrator's main screens, each with what shows that its table has rows."""
    order, empty = school['with_lines'].id, school['empty'].id
    rows, ticks = 'table tbody tr', 'table input[type=checkbox]'
    return [
        ('/', 'h1'),
        ('/movement/', rows),
        ('/movement/orders', rows),
        (f'/movement/orders/{order}', rows),
        (f'/movement/orders/{school["withdrawn"].id}', rows),
        (f'/movement/orders/{empty}', 'button:disabled'),
        ('/movement/orders/new', 'form'),
        (f'/movement/orders/{order}/add', 'input[type=checkbox]'),
        (f'/enrolment/orders/{order}/search?applied=1&surname=Петров', ticks),
        (f'/enrolment/orders/{order}/pool', ticks),
        (f'/enrolment/orders/{order}/other-organisations?organisation={region.school.id}', ticks),
        (f'/enrolment/orders/{order}/selected', rows),
        ('/imports/', rows),
        (f'/imports/{imported["validated"].id}', rows),
        (f'/imports/{imported["resolving"].id}', 'table input[type=radio]'),
        (f'/imports/{imported["resolving"].id}/print', rows),
        ('/programs/', rows),
        ('/associations/', rows),
        (f'/associations/{school["bead"].id}', 'h1'),
        (f'/movement/children/{school["pupil"].id}', rows),
        (f'/file/{school["pupil"].id}', rows),
        ('/inbox/', 'article'),
        ('/esia/staff', rows),
    ]


# --- Signing in and measuring a page -------------------------------------------------------

def sign_in(page, base, login, org):
    tab = 'body' if org.kind == 'municipal_body' else 'org'
    page.goto(f'{base}/login?tab={tab}&region={org.region_id}&municipality={org.municipality_id}'
              f'&settlement={org.settlement_id or ""}&kind={org.kind}')
    page.select_option('#organisation', value=str(org.id))
    page.fill('#login', login)
    page.fill('#password', builders.PASSWORD)
    page.click('button:has-text("Войти")')
    page.wait_for_load_state()
    assert '/login' not in page.url, page.locator('main').inner_text()


MEASURE = '''(touch) => {
  const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const size = e => { const r = e.getBoundingClientRect(); return [Math.round(r.width * 10) / 10, Math.round(r.height * 10) / 10]; };
  const name = e => (e.getAttribute('aria-label') || e.closest('label, td, li')?.innerText || e.outerHTML).trim().slice(0, 60);
  const small = [];
  for (const input of document.querySelectorAll('input[type=checkbox], input[type=radio]')) {
    if (!shown(input)) continue;
    const target = input.labels && input.labels.length ? input.labels[0] : input;
    const [w, h] = size(target);
    if (w < touch || h < touch) small.push(`${input.type} «${name(input)}» ${w}×${h}`);
  }
  return {scroll: document.documentElement.scrollWidth, inner: innerWidth, small};
}'''

SMALL_LINKS = '''(touch) => {
  const out = [];
  const check = (selector, both) => { for (const e of document.querySelectorAll(selector)) {
    const r = e.getBoundingClientRect();
    if (!r.width) continue;
    if (r.height < touch || (both && r.width < touch)) out.push(`${selector} «${e.innerText.trim().slice(0, 40)}» ${Math.round(r.width)}×${Math.round(r.height)}`);
  } };
  check('.pager a, .pager span[aria-current], .letters a', true);
  check('.subnav a, .tabs a, .table-wrap td a, .table-wrap td button', false);
  return out;
}'''


def measure(page, base, path, screen):
    """Visit ``path``: its width, small ticks and radios, and (on a phone) small links."""
    response = page.goto(base + path)
    assert response.status < 500, f'{path}: {response.status}'
    found = page.evaluate(MEASURE, TOUCH)
    problems = []
    if found['scroll'] > found['inner'] or found['inner'] > screen:
        problems.append(f'{path} scrolls sideways: {found["scroll"]} px on a {screen} px screen')
    problems += [f'{path}: {s}' for s in found['small']]
    if screen < 768:
        problems += [f'{path}: {s}' for s in page.evaluate(SMALL_LINKS, TOUCH)]
    return response.status, problems


def page_key(href):
    """Pages that differ only by ids or query values are one page for the crawl."""
    parts = urlsplit(href)
    query = sorted(p.split('=')[0] for p in parts.query.split('&') if p)
    return re.sub(r'\d+', '#', parts.path) + '?' + '&'.join(query)


def links(page):
    hrefs = page.eval_on_selector_all(
        'a[href]:not([download])', 'links => links.map(a => a.getAttribute("href"))')
    return [h for h in hrefs if h.startswith('/') and not h.startswith(NOT_PAGES)
            and '.xlsx' not in h]


def crawl(page, base, start, screen, shows=None):
    """Visit every page of ``start``, then every page reachable from them by links: the pages
    visited and what is wrong. ``shows`` maps a start page to what proves its table has rows."""
    shows = shows or {}
    queue, seen, problems, visited = [(path, True) for path in start], set(), [], []
    while queue and len(visited) < MAX_PAGES:
        path, wanted = queue.pop(0)
        if page_key(path) in seen and not wanted:
            continue
        seen.add(page_key(path))
        status, found = measure(page, base, path, screen)
        if path in shows:
            assert status == 200, path
            assert page.locator(shows[path]).count(), f'{path}: nothing like {shows[path]!r}'
        visited.append((path, status))
        problems += found
        queue += [(href, False) for href in links(page)]
    return visited, problems


# --- The crawls ------------------------------------------------------------------------

@pytest.mark.parametrize('browser_context_options', [PHONE, DESKTOP, PHONE_NO_SCRIPT],
                         ids=['phone-360', 'desktop-1280', 'phone-360-no-js'])
def test_administrator_pages_fit_the_screen_and_ticks_are_touch_targets(
        live_server, page, browser_context_options, region, school, imported):
    screen = browser_context_options['viewport']['width']
    sign_in(page, live_server, 'odo-admin', region.odo)
    screens = dict(main_screens(school, imported, region))
    visited, problems = crawl(page, live_server, list(screens), screen, screens)
    assert len(visited) > len(screens) + 10, visited  # their links lead further
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('browser_context_options', [PHONE, DESKTOP], ids=['phone-360', 'desktop-1280'])
@pytest.mark.parametrize('login, where', [('odo-teacher', 'odo'), ('child-13', 'odo'),
                                          ('uo-specialist', 'body')])
def test_every_role_sees_pages_that_fit_the_screen(live_server, page, browser_context_options,
                                                   region, school, login, where):
    screen = browser_context_options['viewport']['width']
    sign_in(page, live_server, login, getattr(region, where))
    start = ['/']
    if login == 'odo-teacher':  # the teacher reads the book, orders and children
        start += ['/movement/', f'/movement/orders/{school["with_lines"].id}',
                  f'/movement/children/{school["pupil"].id}']
    visited, problems = crawl(page, live_server, start, screen)
    assert visited[0] == ('/', 200)
    assert not problems, '\n'.join(problems)


# --- Tables become cards on a phone -----------------------------------------------------

CARDS = '''() => [...document.querySelectorAll('.table-wrap tbody tr')].map(tr => {
  const cells = [...tr.children].filter(td => td.getBoundingClientRect().height > 0);
  const top = td => td.getBoundingClientRect().top;
  return {
    first: cells.reduce((a, b) => top(b) < top(a) ? b : a).className,
    right: Math.max(...cells.map(td => td.getBoundingClientRect().right)),
    labels: cells.filter(td => td.dataset.label).map(td => [td.dataset.label,
      getComputedStyle(td, '::before').content]),
  };
})'''


@pytest.mark.parametrize('browser_context_options', [PHONE], ids=['phone-360'])
def test_on_a_phone_each_row_is_a_card_with_the_name_first_and_labelled_cells(
        live_server, page, region, school):
    sign_in(page, live_server, 'odo-admin', region.odo)
    order = school['with_lines'].id
    for path in ['/movement/', f'/movement/orders/{order}', '/movement/orders', '/associations/',
                 f'/enrolment/orders/{order}/search?applied=1&surname=Петров',
                 f'/enrolment/orders/{order}/pool', f'/enrolment/orders/{order}/selected']:
        page.goto(live_server + path)
        cards = page.evaluate(CARDS)
        assert cards, path
        for card in cards:
            assert 'name' in card['first'].split(), (path, card)
            assert card['right'] <= 360, (path, card)
            assert card['labels'] and all(content == f'"{label}"' for label, content in card['labels']), (path, card)
    page.goto(f'{live_server}/movement/orders/{order}')
    assert page.locator('.table-wrap tbody td.name').first.inner_text() == 'Ёлкина Алёна Игоревна'
    # the table's header is out of sight but still there for screen readers
    assert page.locator('.table-wrap thead').bounding_box()['width'] <= 1
    assert page.locator('.table-wrap thead th').first.inner_text() == 'Учащийся'
    page.emulate_media(media='print')  # paper is narrow too, but an office files a table
    assert page.locator('.table-wrap tbody td.name').first.evaluate(
        'td => getComputedStyle(td).display') == 'table-cell'


@pytest.mark.parametrize('browser_context_options', [DESKTOP], ids=['desktop-1280'])
def test_on_a_wide_screen_tables_stay_tables(live_server, page, region, school):
    sign_in(page, live_server, 'odo-admin', region.odo)
    page.goto(f'{live_server}/movement/orders/{school["with_lines"].id}')
    cell = page.locator('.table-wrap tbody td.name').first
    assert cell.evaluate('td => getComputedStyle(td).display') == 'table-cell'
    assert cell.evaluate('td => getComputedStyle(td, "::before").content') == 'none'
    assert page.locator('.table-wrap thead th').first.is_visible()


# --- Disabled looks disabled; contrast of the focus ring and field borders ---------------------

STYLE = '''e => { const s = getComputedStyle(e); return {background: s.backgroundColor,
  color: s.color, border: s.borderTopColor, borderStyle: s.borderTopStyle, cursor: s.cursor}; }'''


def rgb(css):
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 1)' as a tuple of three ints."""
    return tuple(int(float(n)) for n in re.findall(r'[\d.]+', css)[:3])


def luminance(colour):
    """WCAG 2 relative luminance of an sRGB colour."""
    def linear(c):
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    light, dark = sorted((luminance(rgb(a)), luminance(rgb(b))), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast('rgb(0, 0, 0)', 'rgb(255, 255, 255)') == pytest.approx(21)
    assert contrast('rgb(242, 183, 5)', 'rgb(255, 255, 255)') == pytest.approx(1.82, abs=.01)
    assert contrast('rgb(118, 118, 118)', 'rgb(255, 255, 255)') == pytest.approx(4.54, abs=.01)


@pytest.mark.parametrize('browser_context_options', [DESKTOP, PHONE], ids=['desktop-1280', 'phone-360'])
def test_disabled_buttons_look_disabled_and_stay_readable(live_server, page, region, school,
                                                          imported):
    sign_in(page, live_server, 'odo-admin', region.odo)
    page.goto(f'{live_server}/movement/orders/{school["empty"].id}')
    disabled = page.locator('button:has-text("Провести приказ (0)")')
    assert disabled.is_disabled()
    off = disabled.evaluate(STYLE)
    page.goto(f'{live_server}/movement/orders/{school["with_lines"].id}')
    enabled = page.locator('button:has-text("Провести приказ (1)")')
    assert enabled.is_enabled()
    on = enabled.evaluate(STYLE)
    assert off['background'] != on['background'] and off['color'] != on['color']
    assert (off['cursor'], on['cursor']) == ('not-allowed', 'pointer')
    assert off['borderStyle'] == 'dashed'
    assert contrast(off['color'], off['background']) >= 4.5  # its words stay readable
    assert contrast(on['background'], off['background']) >= 3  # not another shade of the same

    page.goto(f'{live_server}/imports/{imported["resolving"].id}')
    ok = page.locator('button[value="commit"]')
    assert ok.is_disabled()  # «Ок» waits for a decision on every row
    assert ok.evaluate(STYLE) == off


FOCUS = '''e => { e.focus(); const s = getComputedStyle(e);
  return {colour: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }'''
BACKGROUND = '''e => { for (e = e.parentElement; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
  if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; }'''


@pytest.mark.parametrize('browser_context_options', [DESKTOP], ids=['desktop-1280'])
def test_focus_ring_and_field_borders_keep_three_to_one(live_server, page, region, school):
    sign_in(page, live_server, 'odo-admin', region.odo)
    page.goto(f'{live_server}/movement/orders/{school["with_lines"].id}/add')
    white = 'rgb(255, 255, 255)'
    page_background = page.evaluate('getComputedStyle(document.documentElement).backgroundColor')
    assert page_background != white
    for selector in ['#q', '#surname', '#association_to_known', 'button:has-text("Найти")',
                     'main a >> nth=0', '.card button.primary >> nth=0', 'input[type=checkbox] >> nth=0']:
        ring = page.locator(selector).evaluate(FOCUS)
        assert ring['style'] != 'none' and ring['width'] >= 2, selector
        for background in (white, page_background):
            assert contrast(ring['colour'], background) >= 3, (selector, ring, background)
    for selector in ['#q', '#surname', '#association_to_known', '#birth_date']:
        field = page.locator(selector)
        border = field.evaluate('e => getComputedStyle(e).borderTopColor')
        for background in (white, page_background, field.evaluate(BACKGROUND)):
            assert contrast(border, background) >= 3, (selector, border, background)
    menu_link = page.locator('.menu a').first
    ring = menu_link.evaluate(FOCUS)
    assert contrast(ring['colour'], menu_link.evaluate(BACKGROUND)) >= 3  # on the dark menu too
