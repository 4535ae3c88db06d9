"""The main menu lists exactly the sections a role can open, grouped by what they do; each role
gets its own home; the first visit to «/» is not scolded; every page names the operator."""
import datetime
import html
import re

import pytest

from app import MAIN_MENU, PUBLIC_ENDPOINTS
from models import Employment, ImportJob, Message, Order, Region
from services import home
from tests import builders

MENU = re.compile(r'<nav class="menu".*?</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>(.*?)</a>', re.S)
GROUP = re.compile(r'<span class="menu-label"[^>]*>(.*?)</span>')

# Pages without arguments that are not sections of their own: each belongs to the section named
# (its page links to it), or to the signed-in person (the header's name link).
PART_OF = {
    'movement.book_print': 'movement.book', 'movement.book_export': 'movement.book',
    'movement.period': 'movement.book', 'movement.order_new': 'movement.orders',
    'programs.new': 'programs.index', 'programs.association_new': 'programs.associations',
    'staff.new': 'staff.index', 'users.roles': 'users.index', 'users.children': 'users.index',
    'users.role_new': 'users.index', 'staff_import.start': 'staff.index',
    'staff_import.template': 'staff.index', 'esia.staff': 'staff.index',
    'card.own_log_export': 'card.own', 'card.own_licence_scan': 'card.own',
    'school_year.form_page': 'school_year.index', 'school_year.orders': 'school_year.index',
    'school_year.open_page': 'school_year.index', 'school_year.overview_export': 'school_year.overview',
    'monitoring.export': 'home.index', 'monitoring.print_view': 'home.index', 'monitoring.compare': 'home.index',
    'monitoring.compare_export': 'home.index', 'monitoring.trend': 'home.index', 'monitoring.trend_export': 'home.index',
}
PERSONAL = {'auth.switch_organisation', 'esia.link'}


def menu_of(page):
    """The menu's links as (label, url), the unread count left out, and its group labels."""
    nav = MENU.search(page)
    if nav is None:
        return [], []
    links = [(html.unescape(re.sub(r'<span class="count">.*?</span>|<[^>]+>', '', label, flags=re.S)).strip(), url)
             for url, label in LINK.findall(nav.group(0))]
    return links, [html.unescape(g) for g in GROUP.findall(nav.group(0))]


def main_of(page):
    return page.split('<main', 1)[1].split('</main>', 1)[0]


def menu_endpoints():
    return {endpoint for _, entries in MAIN_MENU for _, endpoint, *_ in entries}


@pytest.fixture
def child_user(app, region):
    with app.app_context():
        kid = builders.child('Соколов', 'Артём', 'Игоревич', datetime.date(2014, 4, 4), gender='M')
        return builders.user('child-13', region.odo, 'student', kid), kid


def signed_in(client, role, region):
    logins = {'administrator': ('odo-admin', region.odo), 'teacher': ('odo-teacher', region.odo),
              'child': ('child-13', region.odo), 'authority': ('uo-specialist', region.body)}
    login, organisation = logins[role]
    assert client.sign_in(login, organisation=organisation).status_code == 303
    return client


ROLES = ('administrator', 'teacher', 'child', 'authority')
EXPECTED = {
    'administrator': (['Главная', 'Входящие', 'Моё портфолио', 'Книга движения', 'Приказы', 'Импорт учеников',
                       'Программы', 'Объединения', 'Учебный год', 'Карточка ОО', 'Сведения о сотрудниках',
                       'Пользователи и роли'],
                      ['Обучение', 'Планирование', 'Организация']),
    # The standard teacher works in their own объединения: no book, no other teachers' groups.
    # The teacher reads the organisation's card (read-only) under «Организация».
    'teacher': (['Мои объединения', 'Моё портфолио', 'Карточка ОО'], ['Организация']),
    'child': (['Мои занятия'], []),
    'authority': (['Мониторинг', 'Переход на новый год'], []),
}


@pytest.mark.parametrize('role', ROLES)
def test_the_menu_lists_the_role_s_sections_grouped_and_nothing_else(client, region, child_user, role):
    links, groups = menu_of(signed_in(client, role, region).get('/').get_data(as_text=True))
    labels, expected_groups = EXPECTED[role]
    assert [label for label, _ in links] == labels
    assert groups == expected_groups
    assert 'скоро' not in client.get('/').get_data(as_text=True)


@pytest.mark.parametrize('role', ROLES)
def test_every_menu_link_opens_for_the_role(client, region, child_user, role):
    links, _ = menu_of(signed_in(client, role, region).get('/').get_data(as_text=True))
    assert links
    for label, url in links:
        assert client.get(url).status_code == 200, (role, label, url)


@pytest.mark.parametrize('role', ROLES)
def test_no_section_the_role_can_open_is_missing_from_its_menu(app, client, region, child_user, role):
    links, _ = menu_of(signed_in(client, role, region).get('/').get_data(as_text=True))
    in_menu = {url for _, url in links}
    pages = [rule for rule in app.url_map.iter_rules()
             if 'GET' in rule.methods and not rule.arguments and rule.endpoint not in PUBLIC_ENDPOINTS]
    missing, opened = [], 0
    for rule in pages:
        answer = client.get(rule.rule).status_code
        section = PART_OF.get(rule.endpoint, rule.endpoint)
        if answer == 200 and rule.endpoint not in PERSONAL:
            opened += 1
            section_url = next(r.rule for r in app.url_map.iter_rules() if r.endpoint == section)
            if section_url not in in_menu:
                missing.append(rule.endpoint)
        if rule.rule in in_menu:
            assert answer == 200, (role, rule.rule, answer)
    assert opened >= len(links)
    assert not missing, (role, missing)


def test_every_page_without_arguments_is_a_section_a_part_of_one_or_personal(app):
    """A new page forces a decision: into the menu, under a section, or the person's own."""
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if 'GET' in rule.methods and not rule.arguments and rule.endpoint not in PUBLIC_ENDPOINTS}
    undecided = pages - menu_endpoints() - set(PART_OF) - PERSONAL
    assert not undecided
    assert set(PART_OF.values()) <= menu_endpoints()


def test_each_menu_entry_but_the_home_is_guarded_by_its_route_s_own_right(app):
    for endpoint in menu_endpoints() - {'home.index'}:
        view = app.view_functions[endpoint]
        assert getattr(view, 'required_rights', None) or getattr(view, 'opens_when', None), endpoint


def test_sections_the_role_may_not_open_answer_403_and_are_not_offered(client, region, child_user):
    page = signed_in(client, 'child', region).get('/').get_data(as_text=True)
    for url in ('/movement/', '/movement/orders', '/programs/', '/imports/', '/inbox/'):
        assert client.get(url).status_code == 403
        assert f'href="{url}"' not in page


def test_the_current_section_is_marked(admin_client, region):
    with admin_client.application.app_context():
        order = builders.draft(region.odo, Order.ENROLMENT, 3)
    for url, current in (('/', 'Главная'), ('/movement/', 'Книга движения'),
                         ('/movement/print', None), ('/movement/orders', 'Приказы'),
                         (f'/movement/orders/{order.id}', 'Приказы'),
                         (f'/enrolment/orders/{order.id}/search', 'Приказы'),
                         ('/associations/', 'Объединения')):
        page = admin_client.get(url).get_data(as_text=True)
        nav = MENU.search(page)
        if current is None:
            continue  # a print page has no menu
        marked = re.findall(r'aria-current="page">(.*?)</a>', nav.group(0))
        assert marked == [current], (url, marked)


# --- Homes --------------------------------------------------------------------------------

def test_the_administrator_s_home_lists_the_day_s_tasks(app, admin_client, region):
    with app.app_context():
        order = builders.draft(region.odo, Order.WITHDRAWAL, 17)
        builders.draft(region.other_odo, Order.ENROLMENT, 99)  # another organisation's
        job = ImportJob.create(organisation=region.odo, user=region.admin, file_name='осень.xlsx',
                               status=ImportJob.RESOLVING, active_organisation=region.odo.id)
        ImportJob.create(organisation=region.odo, user=region.admin, file_name='весна.xlsx',
                         status=ImportJob.COMMITTED)
        Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                       subject='Запрос на выбытие: Орлова Софья Ивановна', body='…')
        Region.update(next_year_from='03-15').execute()
    page = html.unescape(admin_client.get('/').get_data(as_text=True))
    assert f'<a href="/movement/orders/{order.id}">Приказ №17 от 01.09.2026</a> — выбытие' in page
    assert '№99' not in page
    assert f'<a href="/imports/{job.id}">«осень.xlsx»</a>' in page and 'нужно ваше решение' in page
    assert 'весна.xlsx' not in page
    assert 'Запрос на выбытие: Орлова Софья Ивановна' in page
    assert 'Формирование следующего, 2027/2028 учебного года — с 15.03.2027' in page
    assert 'Закрытие 2026/2027 учебного года — до 05.09.2027, не позднее 20.09.2027' in page


def test_the_next_step_of_the_year_follows_the_region_s_dates(app, region):
    with app.app_context():
        year = region.odo.school_years.get()
        steps = home.year_steps(Region.get_by_id(region.region.id), year)
    titles = lambda day: (home.next_step(steps, day) or home.Step('—', day)).title
    assert titles(datetime.date(2026, 12, 2)).startswith('Формирование следующего, 2027/2028')
    assert titles(datetime.date(2027, 4, 1)).startswith('Формирование')  # the day itself
    assert titles(datetime.date(2027, 4, 2)).startswith('Открытие 2027/2028')
    assert titles(datetime.date(2027, 9, 10)).startswith('Закрытие 2026/2027')  # until the deadline
    assert home.next_step(steps, datetime.date(2027, 9, 21)) is None


def test_the_teacher_s_home_shows_own_associations_with_their_children_only(app, client, region):
    with app.app_context():
        teaching = Employment.get(Employment.person == region.teacher.person_id)
        beads = builders.association(region.odo, '1а Бисер', teacher=teaching)
        other = builders.association(region.odo, '2б Танцы')  # taught by the administrator
        anna = builders.child('Иванова', 'Анна', birth_date=datetime.date(2015, 3, 1))
        builders.place(anna, beads, started=builders.day(9, 14))
        builders.place(builders.child('Петрова', 'Вера'), other)
    page = signed_in(client, 'teacher', region).get('/').get_data(as_text=True)
    assert '<h1>Мои объединения</h1>' in page
    assert '1а Бисер' in page and '2б Танцы' not in page
    row = re.search(rf'<tr><td class="name"><a href="/my/children/{anna.id}">Иванова Анна Сергеевна</a></td>'
                    r'<td data-label="Возраст, лет">(\d+)</td><td data-label="Занимается с">(.*?)</td></tr>', page)
    today = datetime.date.today()
    assert int(row.group(1)) == today.year - 2015 - ((today.month, today.day) < (3, 1))
    assert row.group(2) == '14.09.2026'
    assert 'Петрова' not in page
    assert '<form' not in main_of(page)  # read-only


def test_the_child_s_home_shows_own_classes_with_teacher_and_program(app, client, region, child_user):
    _, kid = child_user
    with app.app_context():
        teaching = Employment.get(Employment.person == region.teacher.person_id)
        beads = builders.association(region.odo, '1а Бисер', builders.program(region.odo), teacher=teaching)
        builders.place(kid, beads, started=builders.day(9, 14))
        builders.place(builders.child('Петрова', 'Вера'), beads)
        builders.place(kid, builders.association(region.other_odo, '3в Хор'))  # another organisation
    page = signed_in(client, 'child', region).get('/').get_data(as_text=True)
    assert '<h1>Мои занятия</h1>' in page
    assert '1а Бисер' in page and 'Бисероплетение' in page and 'Ёлкин Иван Сергеевич' in page
    assert '14.09.2026' in page
    assert 'Петрова' not in page and '3в Хор' not in page


def test_the_management_body_s_home_lists_its_organisations_by_municipality(app, client, region):
    page = signed_in(client, 'authority', region).get('/').get_data(as_text=True)
    assert '<h1>Мониторинг</h1>' in page
    assert '<h2>Городской округ Южно-Сахалинск</h2>' in page
    main = main_of(page)  # ОДО first, then schools
    assert main.index('МАУДО Центр детского творчества') < main.index('МБУДО Дом детского творчества') < main.index('МАОУ СОШ № 1')
    assert 'МБУДО Дом детского творчества' in page and 'МАОУ СОШ № 1' in page
    assert 'Корсакова' not in page  # overseen by nobody here
    assert 'Иванова' not in page


def test_the_regional_body_sees_every_organisation_of_the_region(app, client, region):
    with app.app_context():
        ministry = builders.organisation(region.region, None, None, 'regional_body', 'Министерство')
        builders.user('ministry', ministry, 'authority_specialist')
    client.sign_in('ministry', organisation=ministry)
    page = client.get('/').get_data(as_text=True)
    assert '<h2>Корсаковский городской округ</h2>' in page and 'МБУДО ЦДТ г. Корсакова' in page
    assert '<h2>Городской округ Южно-Сахалинск</h2>' in page and 'МАОУ СОШ № 1' in page
    assert 'Департамент образования' not in main_of(page)  # management bodies are not listed


# --- Signed out; the footer ----------------------------------------------------------------

def test_the_first_visit_goes_to_sign_in_without_a_scolding(client, region):
    response = client.get('/')
    assert response.status_code == 302 and response.headers['Location'] == '/login'
    assert 'Войдите в систему' not in client.get('/login').get_data(as_text=True)


def test_other_protected_pages_still_say_why_sign_in_is_needed(client, region):
    response = client.get('/movement/')
    assert response.status_code == 302 and '/login' in response.headers['Location']
    assert 'Войдите в систему, чтобы открыть эту страницу.' in client.get(response.headers['Location']).get_data(as_text=True)


def test_every_page_names_the_operator_support_and_the_personal_data_law(app, admin_client, client):
    app.config.update(OPERATOR_NAME='ГКУ «Региональный центр обработки информации»',
                      SUPPORT_PHONE='8 (4242) 00-00-00', SUPPORT_EMAIL='help@example.org')
    pages = [admin_client.get(url).get_data(as_text=True) for url in ('/', '/movement/', '/no-such-page')]
    pages.append(app.test_client().get('/login').get_data(as_text=True))
    for page in pages:
        footer = html.unescape(re.search(r'<footer class="site-footer">.*?</footer>', page, re.S).group(0))
        assert 'Оператор: ГКУ «Региональный центр обработки информации».' in footer
        assert '<a href="tel:84242000000">8 (4242) 00-00-00</a>' in footer and 'mailto:help@example.org' in footer
        assert '№ 152-ФЗ «О персональных данных»' in footer
