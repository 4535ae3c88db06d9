"""In Chromium: the printed order is an A4 portrait sheet that carries the document alone (the
print bar stays on the screen), and the book still prints landscape."""
import re

import pytest

from models import Order
from tests import builders
from tests.builders import association, child, committed, day, program
from tests.test_enrolment_browser import sign_in

pytestmark = pytest.mark.browser

A4 = (595.3, 841.9)  # points


@pytest.fixture
def order(app, region):
    with app.app_context():
        builders.director(region.odo, 'Петрова', 'Мария', 'Ивановна')
        beads = association(region.odo, '1а Бисер', program(region.odo, 'Бисероплетение'))
        return committed(region.odo, Order.ENROLMENT, 12,
                         [child(), child('Петров', 'Пётр', 'Ильич', gender='M')], to=beads)


def page_sizes(pdf):
    return [(float(w), float(h)) for w, h in
            re.findall(rb'/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]', pdf)]


def is_a4(size, portrait):
    width, height = size if portrait else size[::-1]
    return abs(width - A4[0]) < 2 and abs(height - A4[1]) < 2


def test_the_printed_order_is_an_a4_portrait_sheet_without_navigation(live_server, page, region, order):
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/movement/orders/{order.id}/print')
    bar = page.locator('nav.screen-only')
    assert bar.is_visible() and page.locator('button:has-text("Напечатать")').is_visible()
    assert page.locator('nav.menu, header.top').count() == 0  # the app's menu is not on the sheet

    page.emulate_media(media='print')
    assert not bar.is_visible()
    visible = page.evaluate("""() => [...document.querySelectorAll('a, button, nav, input, select')]
        .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden').length""")
    assert visible == 0
    assert page.locator('h1').inner_text().split() == ['ПРИКАЗ', '№', '12', 'от', '01.09.2026', 'г.']
    assert page.locator('.signature').inner_text().split() == ['Директор', '______________', 'М.',
                                                               'И.', 'Петрова']
    sizes = page_sizes(page.pdf(prefer_css_page_size=True, print_background=False))
    assert sizes and all(is_a4(size, portrait=True) for size in sizes), sizes

    page.goto(f'{live_server}/movement/print')
    sizes = page_sizes(page.pdf(prefer_css_page_size=True))
    assert sizes and all(is_a4(size, portrait=False) for size in sizes), sizes


@pytest.mark.parametrize('browser_context_options', [
    {'viewport': {'width': 360, 'height': 740}, 'locale': 'ru-RU', 'is_mobile': True, 'has_touch': True},
], ids=['360px'])
def test_the_print_view_fits_a_phone(live_server, app, page, region, order):
    with app.app_context():  # the widest list: reason and where to
        line = order.lines.first()
        withdrawal = committed(region.odo, Order.WITHDRAWAL, 13, [line.person], on=day(10, 1),
                               source=line.association_to, reason='other_organisation',
                               destination='МБУДО Детско-юношеская спортивная школа г. Южно-Сахалинска')
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/movement/orders/{withdrawal.id}/print')
    assert page.locator('th:has-text("Куда выбыл")').is_visible()
    assert page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')
    box = page.locator('a:has-text("Вернуться")').bounding_box()
    assert box['height'] >= 44
