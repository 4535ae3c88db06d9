"""No user input causes a 500 (SECURITY.md 32; issue 10, item 13): every route of the URL map
is driven with numbers past 2^63, NUL bytes and header-breaking characters, in the path, the
query and the form, signed in as an administrator whose objects the ids name."""
import datetime
import pathlib
import re

import pytest

from models import CardParameter, Employment, ImportJob, ImportRow, Message, PortfolioItem, Role
from tests import builders

HUGE = str(2 ** 64)
NUL = 'Ив\x00анов'
BREAK = '/\r\nSet-Cookie: x=1'
VALUES = {'huge': HUGE, 'negative huge': '-' + HUGE, 'nul': NUL, 'line break': BREAK}
READ_PARAMETER = re.compile(r"""(?:args|form|values|files)\.get(?:list)?\(\s*['"](\w+)['"]""")
ROOT = pathlib.Path(__file__).resolve().parent.parent


def parameter_names():
    """Every query or form field the application reads, as its source spells them."""
    names = set()
    for folder in ('blueprints', 'services'):
        for path in (ROOT / folder).rglob('*.py'):
            names.update(READ_PARAMETER.findall(path.read_text(encoding='utf-8')))
    names.discard('csrf_token')
    return sorted(names)


@pytest.fixture
def objects(app, region):
    """One object of the administrator's organisation for each kind of id a route takes."""
    with app.app_context():
        program = builders.program(region.odo)
        association = builders.association(region.odo, '1а Бисер', program)
        child = builders.child()
        order = builders.draft(region.odo, 'enrolment', 7)
        builders.committed(region.odo, 'enrolment', 8, [child], to=association)
        line = order.lines.first() or _line(order, association)
        job = ImportJob.create(organisation=region.odo, user=region.admin, file_name='дети.xlsx',
                               status='resolving', active_organisation=region.odo.id)
        row = ImportRow.create(job=job, row_number=4)
        message = Message.create(sender_organisation=region.other_odo, recipient_organisation=region.odo,
                                 subject='Запрос', person=child)
        newcomer = Employment.create(person=builders.person('Иванов', 'Пётр', snils='78912345644'),
                                     organisation=region.odo, position='Педагог')
        item = PortfolioItem.create(employment=newcomer, kind='award', title='Грамота',
                                    issued_on=datetime.date(2026, 5, 1))
        return {'user_id': region.teacher.id, 'employment_id': newcomer.id, 'item_id': item.id,
                'role_id': Role.get(Role.code == 'teacher').id, 'association_id': association.id,
                'order': order.id, 'order_id': order.id,
                'line_id': line.id, 'job_id': job.id, 'row_id': row.id, 'message_id': message.id,
                'person_id': child.id, 'program_id': program.id, 'variant': 'short', 'token': 'x',
                'organisation_id': region.odo.id,
                'parameter_id': CardParameter.create(region=region.region, name='Спортзал', kind='yes_no').id}


def _line(order, association):
    from services import movement
    other = builders.child('Петрова', 'Мария', birth_date=datetime.date(2016, 1, 2))
    movement.add_children_to_draft(order, [other.id], association)
    return order.lines.first()


DESTRUCTIVE = ('delete', 'logout', 'commit', 'cancel', 'archive')


def routes(app):
    """Every route and method; those that delete or end something come last."""
    walk = [(rule, method) for rule in app.url_map.iter_rules() if rule.endpoint != 'static'
            for method in sorted(rule.methods & {'GET', 'POST'})]
    return sorted(walk, key=lambda item: any(word in item[0].endpoint for word in DESTRUCTIVE))


def url_for_rule(rule, args):
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf'<(?:\w+:)?{name}>', str(args[name]), path)
    return path


def test_the_walk_reads_the_application_s_own_fields():
    names = parameter_names()
    assert {'login', 'next', 'organisation', 'person', 'shown', 'page', 'back'} <= set(names)


def test_no_route_answers_500_to_hostile_values(app, admin_client, region, objects):
    app.config['PROPAGATE_EXCEPTIONS'] = False  # a bug answers 500 here instead of raising
    names = parameter_names()
    token = admin_client.csrf_token('/')
    failures, walked = [], 0
    for rule, method in routes(app):
        paths = {'real ids': url_for_rule(rule, objects)}
        for name in rule.arguments:
            for label, value in (('huge', HUGE), ('nul', '%00')):
                paths[f'{name} {label}'] = url_for_rule(rule, {**objects, name: value})
        for path_label, path in paths.items():
            for value_label, value in VALUES.items():
                fields = {name: value for name in names}
                if method == 'GET':
                    response = admin_client.get(path, query_string=fields)
                else:
                    response = admin_client.post(path, data={**fields, 'csrf_token': token},
                                                 query_string={'next': value})
                walked += 1
                if response.status_code >= 500:
                    failures.append(f'{method} {path} ({path_label}, {value_label}): {response.status_code}')
        if admin_client.get('/').status_code != 200:  # a route signed us out: sign in again
            admin_client.sign_in('odo-admin', organisation=region.odo)
            token = admin_client.csrf_token('/')
    assert walked > 200
    assert not failures, '\n'.join(failures)


def test_a_nul_in_a_form_is_refused_in_russian(admin_client):
    response = admin_client.post_form('/programs/new', {'name': NUL, 'focus': 'arts'})
    assert response.status_code == 400
    assert 'служебный символ' in response.get_data(as_text=True)


@pytest.mark.parametrize('path', [f'/movement/orders/{HUGE}', f'/programs/{HUGE}',
                                  f'/imports/{HUGE}/rows/{HUGE}'])
def test_an_id_past_the_schema_s_range_finds_no_page(admin_client, path):
    assert admin_client.get(path).status_code in (404, 405)


def test_a_huge_number_in_a_field_is_treated_as_absent(admin_client):
    response = admin_client.get('/movement/', query_string={'page': HUGE, 'association': HUGE})
    assert response.status_code == 200
