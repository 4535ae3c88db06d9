"""The registry search's result swap (issue 19, item 2): «Применить» with htmx asks for the results
only (htmx names its target, HX-Target: div#results), so the filter form and the list of
объединения are neither rendered nor read again; the browser keeps the same form element."""
import datetime
import re

import pytest
from playwright.sync_api import expect

from models import Association
from tests import builders
from tests.builders import QueryCounter
from tests.test_enrolment_browser import sign_in

SWAP = {'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'div#results'}
SCREEN = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}


def url(order, **args):
    query = '&'.join(f'{k}={v}' for k, v in {'applied': 1, 'surname': '%D0%B5%D0%BB', **args}.items())
    return f'/enrolment/orders/{order.id}/search?{query}'


def test_the_result_swap_holds_the_results_and_not_the_form(admin_client, registry):
    order, bead = registry['order'], registry['bead']
    with QueryCounter() as whole:
        screen = admin_client.get(url(order, to=bead.id), headers=SCREEN).get_data(as_text=True)
    with QueryCounter() as part:
        swap = admin_client.get(url(order, to=bead.id), headers=SWAP).get_data(as_text=True)
    assert '<form method="get"' in screen and 'id="to"' in screen
    assert swap.lstrip().startswith('<div id="results">')
    assert 'class="filters"' not in swap and 'id="to"' not in swap and 'targets-narrow' not in swap
    assert 'Ёлкина Алёна Игоревна' in swap and 'Ёлкина Алёна Игоревна' in screen
    same = swap.split('<div id="results">', 1)[1].split('</div><div id="flashes"', 1)[0]
    assert same in screen  # the results are those the whole screen shows
    assert part.count < whole.count  # the list of объединения is not read


def test_the_swap_still_reads_the_chosen_association_s_blockers(app, admin_client, registry, region):
    order = registry['order']
    with app.app_context():
        full = builders.association(region.odo, '3в Полный', capacity=1)
        builders.place(builders.child('Ёлкин', 'Пётр', 'Ильич', datetime.date(2015, 1, 1), gender='M'), full)
    with_target = admin_client.get(url(order, to=full.id), headers=SWAP).get_data(as_text=True)
    with_screen = admin_client.get(url(order, to=full.id), headers=SCREEN).get_data(as_text=True)
    rows = lambda page: re.findall(r'<tr><td data-label="№">.*?</tr>', page, re.S)
    assert rows(with_target) == rows(with_screen) and rows(with_target)


def test_in_chromium_the_form_stays_and_only_the_results_change(live_server, page, region, registry):
    order = registry['order']
    sign_in(page, live_server, region)
    page.goto(f'{live_server}/enrolment/orders/{order.id}/search')
    page.wait_for_function('!!window.htmx')
    page.evaluate('document.querySelector("form.filters").dataset.mark = "kept"')
    page.fill('#surname', 'елкина')
    page.click('button:has-text("Применить")')
    expect(page.locator('table.results tbody tr')).to_have_count(1)
    assert page.evaluate('document.querySelector("form.filters").dataset.mark') == 'kept'
    assert 'surname=' in page.url
    page.reload()  # the address gives the whole page again
    expect(page.locator('table.results tbody tr')).to_have_count(1)
    expect(page.locator('form.filters')).to_have_count(1)
