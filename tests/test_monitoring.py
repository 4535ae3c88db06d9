"""«Мониторинг» for the management body: levels, totals, snapshots, access by the body's level,
no personal data anywhere it reaches, the trend's accessible text and the exports."""
import datetime
import html
import io
import re

import pytest
from openpyxl import load_workbook

from models import (Employment, EmploymentEducation, IdentityDocument, MonitoringSnapshot, Organisation,
                    Person, PortfolioItem, Region, User)
from services import monitoring, staff
from services.fill import Fill, level_of, percent_label
from services.monitoring.figures import Row
from services.monitoring.trend import chart_of
from tests import builders
from tests.builders import QueryCounter

TODAY = datetime.date(2026, 12, 2)
NOON = datetime.datetime(2026, 12, 2, 9)  # UTC: 2 December in Moscow


@pytest.fixture
def today(frozen_clock):
    frozen_clock.at(NOON)
    return TODAY


_numbers = iter(range(500_000_001, 600_000_000))


def employee(org, surname, name='Ирина', complete=True, snils=None, **changes):
    """A current employee: with ``complete`` a full card and portfolio, else an empty card."""
    snils = snils or (builders.valid_snils(str(next(_numbers))) if complete else None)
    person = builders.person(surname, name, 'Петровна', snils=snils)
    if not complete:
        return Employment.create(person=person, organisation=org, position='', **changes)
    values = dict(person=person, organisation=org, position='Методист', started_on=datetime.date(2020, 9, 1),
                  qualification_category='none', experience_years=10, pedagogical_experience_years=8,
                  work_phone='+7 4242 1', work_email='m@example.org')
    values.update(changes)
    job = Employment.create(**values)
    EmploymentEducation.create(employment=job, level='higher_master', institution='СахГУ',
                               graduation_year=2004, speciality='Педагогика')
    PortfolioItem.create(employment=job, kind='qualification', title='Курсы', hours=72, issuer='ИРО',
                         document_number='65-1', issued_on=datetime.date(2025, 3, 1))
    PortfolioItem.create(employment=job, kind='attestation', title='Аттестация', issuer='Минобр',
                         issued_on=datetime.date(2024, 3, 1))
    return job


CARD_CODES = ['full_name', 'bank_name', 'legal_form', 'founders', 'legal_address', 'actual_address', 'phone',
              'email', 'website', 'inn', 'kpp', 'ogrn', 'okpo', 'oktmo', 'licence_number', 'licence_date', 'capacity',
              'accessibility', 'internet', 'computers']


def fill_card(org, fields=16):
    """The card with ``fields`` of the 20 fields its region requires here filled (the region is
    set to require these 20, in the card's order)."""
    import json
    from peewee import DateField, IntegerField
    from services.card.settings import required_of
    setting = json.dumps(CARD_CODES)
    Region.update(card_fill_fields=setting).where(Region.id == org.region_id).execute()
    codes = list(required_of(setting))

    def value(code, filled):
        column = Organisation._meta.fields[code]
        if isinstance(column, DateField):
            return datetime.date(2015, 1, 1) if filled else None
        if isinstance(column, IntegerField):
            return 30 if filled else None
        return f'{code} {org.id}' if filled else ''
    Organisation.update(**{code: value(code, n < fields) for n, code in enumerate(codes)}).where(
        Organisation.id == org.id).execute()


def ministry_of(region):
    ministry = builders.organisation(region.region, None, None, 'regional_body', 'Министерство образования')
    builders.user('ministry', ministry, 'authority_specialist')
    return ministry


def main_of(page):
    return page.split('<main', 1)[1].split('</main>', 1)[0]


# --- Levels and totals -------------------------------------------------------------------------

@pytest.mark.parametrize('tenths, level, word', [
    (799, 'low', 'низкий'), (800, 'medium', 'средний'), (899, 'medium', 'средний'),
    (900, 'high', 'высокий'), (1000, 'high', 'высокий')])
def test_the_level_boundaries_with_colour_and_word(app, tenths, level, word):
    assert level_of(tenths) == level
    with app.test_request_context():
        macros = app.jinja_env.get_template('monitoring/_macros.html').module
        shown = str(macros.figure(tenths))
    assert f'class="fill {level}"' in shown and f'{percent_label(tenths)} · {word}' in shown


def test_a_percentage_floors_so_79_9_is_low_and_89_9_medium():
    assert (Fill(799, 1000).label, Fill(799, 1000).level) == ('79,9\u00a0%', 'low')
    assert (Fill(8999, 10000).label, Fill(8999, 10000).level) == ('89,9\u00a0%', 'medium')


def test_totals_are_the_mean_over_organisations_or_weighted_by_staff():
    rows = [Row(1, 'А', 'odo', 1, 'М', 10, {'card': 1000, 'staff': 700}),
            Row(2, 'Б', 'odo', 1, 'М', 30, {'card': 600, 'staff': None}),
            Row(3, 'В', 'odo', 1, 'М', 0, {'card': 801, 'staff': 900})]
    mean = monitoring.total_of(rows, 'mean')
    assert mean == {'card': (1000 + 600 + 801) // 3, 'staff': (700 + 900) // 2}  # «нет данных» is not counted
    weighted = monitoring.total_of(rows, 'weighted')
    assert weighted['card'] == (1000 * 10 + 600 * 30) // 40  # no staff, no weight
    assert weighted['staff'] == 700  # only А has staff among those counted
    assert monitoring.total_of(rows[2:], 'weighted')['card'] == 801  # no staff anywhere: the mean


def test_the_page_totals_as_the_region_chooses_and_the_regional_body_changes_it(app, client, region, today):
    with app.app_context():
        fill_card(region.odo, 20)        # 100 %, 2 staff (the builders')
        fill_card(region.other_odo, 16)  # 80 %
        fill_card(region.school, 10)     # 50 %
        for n in range(6):
            employee(region.school, f'Учителева{n}')
        ministry_of(region)
    client.sign_in('uo-specialist', organisation=region.body)
    page = main_of(client.get('/').get_data(as_text=True))
    total = page.split('Итого по муниципалитету', 1)[1].split('</tr>', 1)[0]
    assert '76,6\u00a0% · низкий' in total  # (100 + 80 + 50) / 3, floored
    assert 'среднее по организациям' in page
    assert 'Сделать снимок' not in page and 'Итоги по муниципалитетам' not in page  # the regional body's
    assert client.post_form('/monitoring/settings', {'totals': 'weighted'}).status_code == 403
    client.post_form('/logout', {})
    client.sign_in('ministry', organisation=Organisation.get(Organisation.kind == 'regional_body'))
    refused = client.post_form('/monitoring/settings', {'totals': 'median'}, follow_redirects=True)
    assert 'Выберите, как считать итоги' in refused.get_data(as_text=True)
    assert client.post_form('/monitoring/settings', {'totals': 'weighted'}).status_code == 303
    with app.app_context():
        assert Region.get_by_id(region.region.id).monitoring_totals == 'weighted'
    page = main_of(client.get('/').get_data(as_text=True))
    total = page.split('Итого по муниципалитету', 1)[1].split('</tr>', 1)[0]
    assert '62,5\u00a0% · низкий' in total  # (100·2 + 50·6) / 8; the ОДО without staff weighs nothing


def test_the_database_holds_the_two_ways_of_totalling(app, region):
    from peewee import IntegrityError
    import models
    with app.app_context():
        with pytest.raises(IntegrityError), models.db.atomic():
            Region.update(monitoring_totals='median').where(Region.id == region.region.id).execute()


# --- The table: sorting, filters, no staff -----------------------------------------------------

def test_the_table_sorts_by_a_figure_and_filters_by_type_and_level(app, client, region, today):
    with app.app_context():
        fill_card(region.odo, 20)
        fill_card(region.other_odo, 10)
        fill_card(region.school, 17)
    client.sign_in('uo-specialist', organisation=region.body)
    names = ['МАУДО Центр детского творчества', 'МБУДО Дом детского творчества', 'МАОУ СОШ № 1']

    def order(url):
        page = main_of(client.get(url).get_data(as_text=True)).split('Итого по муниципалитету')[0]
        return sorted((n for n in names if n in page), key=page.index)
    assert order('/') == names  # ОДО first, by name
    assert order('/?sort=card&order=desc') == [names[0], names[2], names[1]]
    assert order('/?sort=card&order=asc') == [names[1], names[2], names[0]]
    assert order('/?kind=school') == [names[2]]
    assert order('/?level=low&of=card') == [names[1]]
    assert order('/?level=medium&of=card') == [names[2]]
    page = client.get('/?sort=card&order=desc').get_data(as_text=True)
    assert 'aria-sort="descending"' in page
    # Unknown keys fall back to the defaults, never into the query.
    assert order('/?sort=%3Cscript%3E&kind=x&level=y&of=z') == names
    fragment = client.get('/?sort=card', headers={'HX-Request': 'true', 'HX-Request-Type': 'partial'})
    text = fragment.get_data(as_text=True)
    assert text.lstrip().startswith('<div id="overview">') and '<html' not in text
    assert 'HX-Request' in fragment.headers.get('Vary', '')


def test_an_organisation_without_staff_shows_no_data_not_100(app, client, region, today):
    client.sign_in('uo-specialist', organisation=region.body)
    row = main_of(client.get('/').get_data(as_text=True)).split('МАОУ СОШ № 1', 1)[1].split('</tr>', 1)[0]
    assert row.count('нет данных') == 3  # staff cards, portfolios, ЕСИА


# --- Snapshots ---------------------------------------------------------------------------------

def test_two_snapshots_on_one_day_keep_one_row_per_organisation(app, region, today):
    with app.app_context():
        fill_card(region.odo, 10)
        assert monitoring.take_snapshot(region.region.id, TODAY) == 4  # the region's educational ones
        fill_card(region.odo, 20)
        monitoring.take_snapshot(region.region.id, TODAY)
        rows = list(MonitoringSnapshot.select().where(MonitoringSnapshot.organisation == region.odo.id))
        assert len(rows) == 1 and rows[0].card_percent == 1000 and rows[0].staff_count == 2
        assert MonitoringSnapshot.select().count() == 4
        monitoring.take_snapshot(region.region.id, TODAY + datetime.timedelta(days=1))
        assert MonitoringSnapshot.select().count() == 8
        school = MonitoringSnapshot.get(MonitoringSnapshot.organisation == region.school.id,
                                        MonitoringSnapshot.taken_on == TODAY)
        assert school.staff_percent is None and school.esia_percent is None  # no staff: nothing counted


def test_the_regional_body_s_button_and_the_cron_command_take_the_snapshot(app, client, region, today):
    with app.app_context():
        ministry = ministry_of(region)
    client.sign_in('uo-specialist', organisation=region.body)
    assert client.post_form('/monitoring/snapshot', {}).status_code == 403  # a municipality's body may not
    client.post_form('/logout', {})
    client.sign_in('ministry', organisation=ministry)
    for _ in range(2):
        answer = client.post_form('/monitoring/snapshot', {}, follow_redirects=True)
        assert 'Снимок на 02.12.2026 сохранён: организаций в нём — 4' in answer.get_data(as_text=True)
    with app.app_context():
        assert MonitoringSnapshot.select().count() == 4
    result = app.test_cli_runner().invoke(args=['monitoring', 'snapshot'])
    assert result.exit_code == 0 and 'организаций: 4' in result.output
    with app.app_context():
        assert MonitoringSnapshot.select().count() == 4  # the same day again: still one row each


def test_snapshots_and_live_figures_take_a_fixed_number_of_queries(app, region, today):
    with app.app_context():
        for n in range(3):
            employee(region.odo, f'Первая{n}')

        def queries():
            with QueryCounter() as counted:
                monitoring.current_rows(region.body, TODAY)
            return counted.count
        few = queries()
        for n in range(20):
            employee(region.other_odo if n % 2 else region.school, f'Вторая{n}')
        # the list, the card's reads, the region's settings, the staff sums (with PostgreSQL's two
    # SET LOCAL), the year transition's four
    assert queries() == few <= 15


# --- One definition of the staff figures -------------------------------------------------------

def test_organisation_figures_sum_the_cards_fill_of_counts(app, region, today):
    with app.app_context():
        employee(region.odo, 'Полнова')
        employee(region.odo, 'Пустова', complete=False)
        gappy = employee(region.odo, 'Дырова', work_email='')
        PortfolioItem.create(employment=gappy, kind='course', title='Курсы', issued_on=TODAY, issuer='ИРО')
        dismissed = employee(region.odo, 'Уволенова', dismissed_on=datetime.date(2026, 10, 1))
        jobs = list(Employment.select().where(Employment.organisation == region.odo.id,
                                              Employment.dismissed_on.is_null()))
        fills = staff.fill_of(jobs, TODAY)
        figures = staff.organisation_figures([region.odo.id], TODAY)[region.odo.id]
        assert figures.staff == len(jobs) == 5 and dismissed.id not in {j.id for j in jobs}
        assert figures.card.filled == sum(f.card.filled for f in fills.values())
        assert figures.card.required == sum(f.card.required for f in fills.values())
        assert figures.portfolio.filled == sum(f.portfolio.filled for f in fills.values())
        assert staff.organisation_fill([region.odo.id], TODAY)[region.odo.id] == (figures.card, figures.portfolio)


@pytest.mark.parametrize('item', [
    dict(kind='award', issued_on=datetime.date(2025, 1, 1), issuer='Минобр'),
    dict(kind='award', issued_on=None, issuer='Минобр'),
    dict(kind='award', issued_on=datetime.date(2025, 1, 1), issuer='   '),
    dict(kind='course', issued_on=datetime.date(2025, 1, 1), issuer='ИРО', hours=0, document_number='1'),
    dict(kind='course', issued_on=datetime.date(2025, 1, 1), issuer='ИРО', hours=16, document_number=' '),
    dict(kind='qualification', issued_on=datetime.date(2025, 1, 1), issuer='ИРО', hours=16, document_number='7'),
])
def test_the_database_s_item_check_is_the_portfolio_page_s(app, region, item, today):
    with app.app_context():
        job = Employment.create(person=builders.person('Проверкина', 'Анна'), organisation=region.odo, position='')
        saved = PortfolioItem.create(employment=job, title='Документ', **item)
        complete = 'complete_items' not in [code for code, _, _ in staff.fill_percentage(job, TODAY).portfolio.missing]
        assert complete == (not staff.item_gaps(saved))


# --- Access by the level of the body -----------------------------------------------------------

def test_a_municipality_s_body_sees_only_its_own_organisations(app, client, region, today):
    client.sign_in('uo-specialist', organisation=region.body)
    page = main_of(client.get('/').get_data(as_text=True))
    assert 'МАУДО Центр детского творчества' in page and 'Корсакова' not in page
    assert client.get(f'/monitoring/organisations/{region.odo.id}').status_code == 200
    assert client.get(f'/monitoring/organisations/{region.far_odo.id}').status_code == 404
    assert client.get(f'/monitoring/organisations/{region.far_odo.id}/export.xlsx').status_code == 404
    assert client.get(f'/monitoring/organisations/{region.body.id}').status_code == 404  # a body is no row
    assert client.get(f'/monitoring/trend?municipality={region.other.id}').status_code == 404
    with app.app_context():
        korsakov = builders.organisation(region.region, region.other, None, 'municipal_body', 'УО Корсакова')
        Organisation.update(authority=korsakov).where(Organisation.id == region.far_odo.id).execute()
        builders.user('korsakov', korsakov, 'authority_specialist')
    other = app.test_client()
    from tests.conftest import FormClient
    other = FormClient(other)
    other.sign_in('korsakov', organisation=korsakov)
    page = main_of(other.get('/').get_data(as_text=True))
    assert 'МБУДО ЦДТ г. Корсакова' in page and 'МАУДО Центр детского творчества' not in page
    assert other.get(f'/monitoring/organisations/{region.odo.id}').status_code == 404


def test_the_regional_body_sees_every_municipality_with_totals(app, client, region, today):
    with app.app_context():
        ministry = ministry_of(region)
    client.sign_in('ministry', organisation=ministry)
    page = main_of(client.get('/').get_data(as_text=True))
    assert '<h2>Городской округ Южно-Сахалинск</h2>' in page and '<h2>Корсаковский городской округ</h2>' in page
    assert page.count('Итого по муниципалитету') == 2 and 'Итого по всем организациям' in page
    assert client.get(f'/monitoring/organisations/{region.far_odo.id}').status_code == 200
    assert client.get(f'/monitoring/trend?municipality={region.other.id}').status_code == 200


def test_an_organisation_s_user_has_no_monitoring(admin_client, region):
    for url in ('/monitoring/compare', '/monitoring/trend', '/monitoring/export.xlsx', '/monitoring/print',
                f'/monitoring/organisations/{region.odo.id}'):
        assert admin_client.get(url).status_code == 403, url


# --- Drill-down: what is missing, and no personal data anywhere ---------------------------------

def test_the_drill_down_names_card_fields_employees_and_empty_portfolios(app, client, region, today):
    with app.app_context():
        fill_card(region.odo, 18)  # the last two, the internet's, missing
        employee(region.odo, 'Полнова')
        employee(region.odo, 'Безпочтова', work_email='')
    client.sign_in('uo-specialist', organisation=region.body)
    page = html.unescape(main_of(client.get(f'/monitoring/organisations/{region.odo.id}').get_data(as_text=True)))
    card = page.split('<h3>Карточка ОО</h3>', 1)[1].split('<h3>', 1)[0]
    assert 'Интернет-провайдер' in card and 'Компьютеров с доступом в интернет' in card and 'ИНН' not in card
    employees = page.split('Сотрудники, у которых не заполнены сведения', 1)[1].split('Пустые портфолио', 1)[0]
    assert 'Безпочтова Ирина Петровна' in employees and 'Рабочая электронная почта' in employees
    assert 'Полнова' not in employees
    empty = page.split('Пустые портфолио', 1)[1].split('</section>', 1)[0]
    assert 'Смирнова Ольга Петровна' in empty and 'Безпочтова' not in empty  # the builders' admin has none


SNILS_SHAPES = (re.compile(r'\b\d{3}-\d{3}-\d{3}[ \u00a0]\d{2}\b'), re.compile(r'(?<![\d.])\d{11}(?![\d.])'))
CERTIFICATE = re.compile(r'\b[IVXLCDM]{1,6}-[А-ЯЁ]{2}\b')
TOKENS = re.compile(r'(csrf_token" value="|X-CSRFToken": ")[^"]+')


def _crawl(client, start='/'):
    """Every page a signed-in user reaches from ``start`` by links (and the exports), as text."""
    seen, queue, pages = set(), [start], {}
    while queue:
        url = queue.pop()
        if url in seen or len(seen) > 200:
            continue
        seen.add(url)
        answer = client.get(url)
        assert answer.status_code == 200, url
        if url.split('?')[0].endswith('.xlsx'):
            book = load_workbook(io.BytesIO(answer.data))
            pages[url] = '\n'.join(str(c) for s in book for r in s.iter_rows(values_only=True) for c in r if c)
            continue
        text = answer.get_data(as_text=True)
        pages[url] = TOKENS.sub('', main_of(text) if '<main' in text else text)  # the footer's phone is no СНИЛС
        for link in re.findall(r'href="(/[^"]*)"', text):
            link = html.unescape(link)
            if not link.startswith(('/static', '/logout', '/organisations')) and link not in seen:
                queue.append(link)
    return pages


@pytest.mark.parametrize('body', ['municipal', 'regional'])
def test_no_page_a_management_body_reaches_shows_a_snils_a_document_or_a_child(app, client, region, registry,
                                                                                today, body):
    with app.app_context():
        fill_card(region.odo, 20)
        employee(region.odo, 'Снилсова', snils=builders.valid_snils('111222333'))
        employee(region.far_odo, 'Дальнева', complete=False, snils=builders.valid_snils('222333444'))
        Person.update(snils=builders.valid_snils('333444555')).where(Person.id == region.admin.person_id).execute()
        monitoring.take_snapshot(region.region.id, datetime.date(2025, 10, 1))
        monitoring.take_snapshot(region.region.id, TODAY)
        ministry = ministry_of(region)
        children = [p for p in registry.values() if isinstance(p, Person)]
        names = {f'{c.surname} {c.name}' for c in children} | {c.surname for c in children}
        numbers = {p.snils for p in Person.select() if p.snils} | {d.number for d in IdentityDocument.select()}
    if body == 'municipal':
        client.sign_in('uo-specialist', organisation=region.body)
    else:
        client.sign_in('ministry', organisation=ministry)
    pages = _crawl(client)
    assert len(pages) >= 8 and any('/monitoring/organisations/' in url for url in pages)
    assert any('.xlsx' in url for url in pages)
    for url, text in pages.items():
        for shape in SNILS_SHAPES + (CERTIFICATE,):
            assert not shape.search(text), (url, shape.search(text).group(0))
        for number in numbers:
            assert number not in text, (url, number)
        for name in names:
            assert not re.search(rf'\b{name}\b', text), (url, name)


# --- Over time: the trend's accessible text, the comparison ------------------------------------

def test_the_trend_svg_has_a_title_a_description_bands_and_the_values_beside(app, client, region, today):
    with app.app_context():
        fill_card(region.odo, 10)
        employee(region.odo, 'Полнова')
        monitoring.take_snapshot(region.region.id, datetime.date(2024, 2, 1))
        fill_card(region.odo, 20)
        monitoring.take_snapshot(region.region.id, TODAY)
    client.sign_in('uo-specialist', organisation=region.body)
    page = client.get(f'/monitoring/organisations/{region.odo.id}').get_data(as_text=True)
    svg = page.split('<svg class="trend"', 1)[1].split('</svg>', 1)[0]
    assert 'role="img"' in svg and 'aria-labelledby="trend-title trend-desc"' in svg
    assert '<title id="trend-title">Динамика заполнения: МАУДО Центр детского творчества</title>' in svg
    desc = html.unescape(svg.split('<desc id="trend-desc">', 1)[1].split('</desc>', 1)[0])
    assert desc.startswith('Снимки: 2.')
    assert 'Карточка ОО: 01.02.2024 — 50\u00a0%, 02.12.2026 — 100\u00a0%' in desc
    assert svg.count('class="band ') == 3 and 'высокий' in svg and 'низкий' in svg
    table = page.split('<table class="trend-values">', 1)[1].split('</table>', 1)[0]
    assert '<caption>Значения по датам снимков</caption>' in table
    assert '01.02.2024' in table and '50\u00a0% · низкий' in table and '100\u00a0% · высокий' in table
    whole = client.get('/monitoring/trend').get_data(as_text=True)
    assert 'Динамика заполнения: Департамент образования г. Южно-Сахалинска' in whole and '<svg' in whole


def test_a_chart_without_snapshots_says_so():
    chart = chart_of('Динамика', [], {})
    assert chart.empty and chart.description == 'Снимков пока нет.'


def test_the_comparison_shows_organisations_by_snapshot_dates(app, client, region, today):
    with app.app_context():
        fill_card(region.odo, 10)
        monitoring.take_snapshot(region.region.id, datetime.date(2023, 10, 1))
        fill_card(region.odo, 19)
        monitoring.take_snapshot(region.region.id, datetime.date(2024, 2, 1))
    client.sign_in('uo-specialist', organisation=region.body)
    page = main_of(client.get('/monitoring/compare').get_data(as_text=True))
    head = page.split('<thead>', 1)[1].split('</thead>', 1)[0]
    assert head.index('01.10.2023') < head.index('02.02.2024' if False else '01.02.2024')
    row = page.split('МАУДО Центр детского творчества', 1)[1].split('</tr>', 1)[0]
    assert row.index('50\u00a0% · низкий') < row.index('95\u00a0% · высокий')
    assert 'Корсакова' not in page


# --- Export and print ---------------------------------------------------------------------------

def test_every_table_exports_to_xlsx_as_text_with_the_header_frozen(app, client, region, today):
    with app.app_context():
        Organisation.update(short_name="=cmd|'/c calc'!A1").where(Organisation.id == region.other_odo.id).execute()
        monitoring.take_snapshot(region.region.id, TODAY)
    client.sign_in('uo-specialist', organisation=region.body)
    answer = client.get('/monitoring/export.xlsx')
    assert answer.status_code == 200 and answer.headers['Content-Disposition'].startswith('attachment;')
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet.freeze_panes == 'A3'
    header = [c.value for c in sheet[2]]
    assert header[:5] == ['Муниципалитет', 'Организация', 'Тип', 'Сотрудников', 'Карточка ОО']
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    assert cells["=cmd|'/c calc'!A1"].data_type == 's'
    assert 'Итого по муниципалитету' in cells and 'низкий' in cells
    for url in ('/monitoring/compare.xlsx?figure=staff', '/monitoring/trend.xlsx',
                f'/monitoring/organisations/{region.odo.id}/export.xlsx',
                f'/monitoring/organisations/{region.odo.id}/trend.xlsx'):
        answer = client.get(url)
        assert answer.status_code == 200, url
        book = load_workbook(io.BytesIO(answer.data)).active
        assert book.freeze_panes == 'A3', url
    with app.app_context():
        from models import AuditEvent
        assert AuditEvent.select().where(AuditEvent.event == 'monitoring_exported').count() == 5


def test_the_print_view_has_the_date_and_the_legend(app, client, region, today):
    client.sign_in('uo-specialist', organisation=region.body)
    page = client.get('/monitoring/print?kind=odo').get_data(as_text=True)
    assert 'Мониторинг заполнения сведений на 02.12.2026' in page and 'Сформировано 02.12.2026' in page
    assert 'Уровни: 90–100&nbsp;% — высокий; 80–89,9&nbsp;% — средний; ниже 80&nbsp;% — низкий.' in page
    assert 'Тип организации: Дополнительное образование детей.' in page
    assert 'МАУДО Центр детского творчества' in page and 'МАОУ СОШ № 1' not in page
    assert 'data-print' in page


def test_no_monitoring_route_answers_500_to_hostile_values(app, client, region, today):
    from tests.test_hostile_input import HUGE, VALUES, url_for_rule
    app.config['PROPAGATE_EXCEPTIONS'] = False
    with app.app_context():
        ministry = ministry_of(region)
    fields = ('sort', 'order', 'kind', 'level', 'of', 'figure', 'municipality', 'totals')
    failures = []
    for login, body in (('uo-specialist', region.body), ('ministry', ministry)):
        client.sign_in(login, organisation=body)
        token = client.csrf_token('/')
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith('monitoring.') and rule.endpoint != 'home.index':
                continue
            for organisation_id in (region.odo.id, HUGE, '%00'):
                path = url_for_rule(rule, {'organisation_id': organisation_id})
                for value in VALUES.values():
                    data = dict.fromkeys(fields, value)
                    if 'POST' in rule.methods:
                        answer = client.post(path, data={**data, 'csrf_token': token})
                    else:
                        answer = client.get(path, query_string=data)
                    if answer.status_code >= 500:
                        failures.append(f'{login} {rule.rule} {path} {value!r}: {answer.status_code}')
        client.post_form('/logout', {})
    assert not failures, '\n'.join(failures)


# --- The year transition's column ---------------------------------------------------------------

SEP_6_2027 = datetime.date(2027, 9, 6)  # the day after «close_year_by»: a transition not done is late


def opened_next_year(org):
    from models import SchoolYear
    SchoolYear.update(state=SchoolYear.CLOSED, closed_at=datetime.datetime(2027, 8, 26, 3)).where(
        SchoolYear.organisation == org, SchoolYear.start_year == 2026).execute()
    SchoolYear.create(organisation=org, start_year=2027, state=SchoolYear.CURRENT,
                      starts_on=datetime.date(2027, 9, 1), ends_on=datetime.date(2028, 8, 31))


def test_the_table_shows_the_year_transition_step_with_lateness_sorts_filters_exports_prints(
        app, client, region, frozen_clock):
    frozen_clock.at(datetime.datetime(2027, 9, 6, 9))
    with app.app_context():
        opened_next_year(region.odo)
    client.sign_in('uo-specialist', organisation=region.body)
    page = main_of(client.get('/').get_data(as_text=True))
    assert '<th scope="col"' in page and 'Переход на новый год' in page
    rows = dict(re.findall(r'<td class="name"><a href="[^"]+">([^<]+)</a>.*?'
                           r'<td data-label="Переход на новый год">(.*?)</td></tr>', page, re.S))
    assert rows['МАУДО Центр детского творчества'] == '<span class="fill step high">Новый год открыт · выполнен</span>'
    # Late is red and says so in words; a school keeps no transition here.
    assert rows['МБУДО Дом детского творчества'] == '<span class="fill step low">Увольнение сотрудников · просрочен</span>'
    assert rows['МАОУ СОШ № 1'] == '—'

    def order(url):
        text = main_of(client.get(url).get_data(as_text=True)).split('Итого по муниципалитету')[0]
        return [n for n in sorted(rows, key=lambda n: text.find(n)) if n in text]
    assert order('/?sort=year&order=desc') == ['МАУДО Центр детского творчества', 'МБУДО Дом детского творчества',
                                               'МАОУ СОШ № 1']
    assert order('/?sort=year&order=asc')[0] == 'МАОУ СОШ № 1'
    assert order('/?year=late') == ['МБУДО Дом детского творчества']
    assert order('/?year=done') == ['МАУДО Центр детского творчества']
    assert order('/?year=%3Cx%3E') == order('/')  # an unknown value is no filter
    # The organisation's drill-down names the step and the date it is late after.
    other = client.get(f'/monitoring/organisations/{region.other_odo.id}').get_data(as_text=True)
    assert 'Увольнение сотрудников · просрочен' in other and 'после 05.09.2027' in other
    # The export has the column and its lateness; the print view has the column.
    sheet = load_workbook(io.BytesIO(client.get('/monitoring/export.xlsx').data)).active
    header = [c.value for c in sheet[2]]
    assert header[-2:] == ['Переход на новый год', 'Переход на новый год: опоздание']
    found = {row[1]: row[-2:] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert found['МБУДО Дом детского творчества'] == ('Увольнение сотрудников · просрочен', 'опаздывает')
    assert found['МАУДО Центр детского творчества'] == ('Новый год открыт · выполнен', None)
    printed = client.get('/monitoring/print?year=late').get_data(as_text=True)
    assert '<th>Переход на новый год</th>' in printed and 'Переход на новый год: опаздывают.' in printed
    assert 'Увольнение сотрудников · просрочен' in printed and 'МАУДО Центр детского творчества' not in printed


def test_a_national_scope_opens_on_municipality_totals_and_lists_one_municipality(app, client, region, today,
                                                                                  monkeypatch):
    """Above monitoring.LIST_LIMIT organisations the page shows each municipality's totals (over
    all its organisations) and lists the organisations of the one asked for; the export keeps all."""
    monkeypatch.setattr(monitoring, 'LIST_LIMIT', 2)
    with app.app_context():
        ministry = ministry_of(region)
        opened_next_year(region.odo)
    client.sign_in('ministry', organisation=ministry)
    page = main_of(client.get('/').get_data(as_text=True))
    assert '<h2>Муниципалитеты</h2>' in page and 'Корсаковский городской округ' in page
    assert 'МАУДО Центр детского творчества' not in page and 'МБУДО ЦДТ г. Корсакова' not in page
    assert 'Итого по всем организациям' in page
    link = re.search(r'<a href="(/\?municipality=(\d+))">Городской округ Южно-Сахалинск</a>', page)
    listed = main_of(client.get(html.unescape(link.group(1))).get_data(as_text=True))
    assert 'МАУДО Центр детского творчества' in listed and 'МБУДО ЦДТ г. Корсакова' not in listed
    assert 'Новый год открыт · выполнен' in listed and 'Все муниципалитеты' in listed
    assert 'Итого по всем организациям' in listed  # the totals still count everything
    # Sorting and filters keep the municipality; an unknown one is everything again, never an error.
    filtered = main_of(client.get(f'/?municipality={link.group(2)}&sort=card&kind=school').get_data(as_text=True))
    assert 'МАОУ СОШ № 1' in filtered and 'МАУДО Центр детского творчества' not in filtered
    assert f'name="municipality" value="{link.group(2)}"' in filtered
    assert '<h2>Муниципалитеты</h2>' in client.get('/?municipality=999999').get_data(as_text=True)
    assert client.get('/?municipality=99999999999999999999').status_code == 200
    sheet = load_workbook(io.BytesIO(client.get('/monitoring/export.xlsx').data)).active
    names = {row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert {'МАУДО Центр детского творчества', 'МБУДО ЦДТ г. Корсакова'} <= names
