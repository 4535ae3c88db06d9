"""One rule, one place: the text a registry screen shows instead of a child's tick, the refusal
of adding the child to a draft and the refusal of the commit are one sentence, from
``movement.child_problems``; and states and kinds are spelled by name, not as string literals."""
import html
import os
import pathlib
import re

import pytest

from models import Employment, Order, OrderLine
from services import enrolment, movement
from services.common import Refused
from tests import builders
from tests.builders import QueryCounter

OCT_1, OCT_15 = builders.day(10, 1), builders.day(10, 15)
ROOT = pathlib.Path(__file__).resolve().parent.parent


def greyed_out(client, path, kid):
    """The text in the kid's row of a registry screen where the tick would be."""
    page = client.get(path).get_data(as_text=True)
    rows = [row for row in re.findall(r'<tr>.*?</tr>', page, re.S) if kid.full_name in row]
    assert len(rows) == 1, f'{kid.full_name} is not listed once on {path}'
    assert 'name="person"' not in rows[0]
    return html.unescape(re.search(r'<span class="blocked">(.*?)</span>', rows[0], re.S).group(1))


def commit_refusals(order):
    with pytest.raises(Refused) as refused:
        movement.commit_order(order)
    return refused.value.messages


def already_in(region, bead, other):
    kid = builders.child('Орлова', 'Вера')
    builders.committed(region.odo, Order.ENROLMENT, 1, [kid], to=bead)
    order = builders.draft(region.odo, Order.ENROLMENT, 2, on=OCT_1)
    return kid, order, 'search?applied=1&surname=орлова', \
        'ребёнок уже занимается в «1а Бисер»: зачислен приказом №1 от 01.09.2026.'


def later_movement(region, bead, other):
    kid = builders.child('Белова', 'Ева')
    builders.committed(region.odo, Order.ENROLMENT, 7, [kid], on=OCT_15, to=other)
    order = builders.draft(region.odo, Order.ENROLMENT, 8, on=OCT_1)
    return kid, order, 'search?applied=1&surname=белова', \
        ('ребёнок уже зачислен приказом №7 от 15.10.2026 (дата движения 15.10.2026); '
         'движение нельзя датировать раньше 15.10.2026.')


def staff(region, bead, other):
    """A teacher of the ОДО who once graduated from another ОДО: the pool lists her departure."""
    kid = builders.child('Сидорова', 'Анна', 'Олеговна', builders.day(3, 3, 1999))
    robots = builders.association(region.other_odo, '2б Робототехника')
    builders.place(kid, robots, started=builders.day(9, 1, 2012), ended=builders.day(5, 31, 2017),
                   end_kind=Order.GRADUATION)
    Employment.create(person=kid, organisation=region.odo, position='Педагог')
    order = builders.draft(region.odo, Order.ENROLMENT, 3, on=OCT_1)
    return kid, order, 'pool?', \
        f'работает в организации «{region.odo.short_name}» — сотрудников нельзя зачислять как учащихся.'


def too_young(region, bead, other):
    kid = builders.child('Малышева', 'Ксения', birth_date=builders.day(12, 1, 2023))
    order = builders.draft(region.odo, Order.ENROLMENT, 4, on=OCT_1)
    return kid, order, 'search?applied=1&surname=малышева', \
        ('возраст на 01.10.2026 — 2 года: в объединения зачисляют детей от 3 до 18 лет — '
         'проверьте дату рождения.')


@pytest.mark.parametrize('situation', [already_in, later_movement, too_young])
def test_the_screen_greys_out_with_the_sentence_the_order_refuses_with(app, admin_client, region,
                                                                       situation):
    with app.app_context():
        bead = builders.association(region.odo, '1а Бисер')
        other = builders.association(region.odo, '1б Шахматы')
        kid, order, screen, sentence = situation(region, bead, other)
    shown = greyed_out(admin_client, f'/enrolment/orders/{order.id}/{screen}&to={bead.id}', kid)
    assert shown == sentence[0].upper() + sentence[1:]
    with app.app_context():
        assert enrolment.blockers(order, [kid.id], bead) == {kid.id: shown}
        added = movement.add_children_to_draft(order, [kid.id], bead)
        assert added.refusals == {kid.id: f'{kid.full_name}: {sentence}'} and not added.added
        OrderLine.create(order=order, person=kid, association_to=bead, moved_on=order.act_date)
        assert f'{kid.full_name}: {sentence}' in commit_refusals(order)


def test_staff_are_not_listed_and_adding_and_the_commit_refuse_them_alike(app, admin_client,
                                                                           region):
    with app.app_context():
        bead = builders.association(region.odo, '1а Бисер')
        kid, order, screen, sentence = staff(region, bead, None)
    page = admin_client.get(f'/enrolment/orders/{order.id}/{screen}&to={bead.id}').get_data(as_text=True)
    assert kid.full_name not in page and '2б Робототехника' not in page
    with app.app_context():
        assert enrolment.blockers(order, [kid.id], bead) == {kid.id: sentence[0].upper() + sentence[1:]}
        added = movement.add_children_to_draft(order, [kid.id], bead)
        assert added.refusals == {kid.id: f'{kid.full_name}: {sentence}'} and not added.added
        OrderLine.create(order=order, person=kid, association_to=bead, moved_on=order.act_date)
        assert f'{kid.full_name}: {sentence}' in commit_refusals(order)


def test_a_child_already_in_the_order_is_greyed_out_as_adding_refuses(app, admin_client, region):
    with app.app_context():
        bead = builders.association(region.odo, '1а Бисер')
        kid = builders.child('Орлова', 'Вера')
        order = builders.draft(region.odo, Order.ENROLMENT, 1, on=OCT_1)
        assert movement.add_children_to_draft(order, [kid.id], bead).added == [kid.id]
    shown = greyed_out(admin_client, f'/enrolment/orders/{order.id}/search?applied=1&surname=орлова'
                                     f'&to={bead.id}', kid)
    assert shown == 'Ребёнок уже есть в этом приказе.'
    with app.app_context():
        again = movement.add_children_to_draft(order, [kid.id], bead)
        assert again.refusals == {kid.id: f'{kid.full_name}: ребёнок уже есть в этом приказе.'}


@pytest.mark.parametrize('left, sentence', [
    (False, 'ребёнок не занимается в объединении «1а Бисер».'),
    (True, 'ребёнок уже выбыл из «1а Бисер» приказом №2 от 01.10.2026.'),
])
def test_a_child_not_in_the_source_is_refused_alike_when_added_and_at_commit(app, region, left,
                                                                            sentence):
    """Registry screens serve enrolment orders only: here the shared check meets both refusals."""
    with app.app_context():
        bead = builders.association(region.odo, '1а Бисер')
        kid = builders.child('Орлова', 'Вера')
        if left:
            builders.committed(region.odo, Order.ENROLMENT, 1, [kid], to=bead)
            builders.committed(region.odo, Order.WITHDRAWAL, 2, [kid], on=OCT_1, source=bead,
                               reason='moved', destination='Хабаровск')
        order = builders.draft(region.odo, Order.WITHDRAWAL, 3, on=OCT_15)
        line = OrderLine(order=order, person=kid, association_from=bead, moved_on=OCT_15,
                         reason='moved', destination='Хабаровск')
        assert movement.child_problems(order, [line]) == {kid.id: sentence}
        added = movement.add_children_to_draft(order, [kid.id], association_from=bead,
                                               reason='moved', destination='Хабаровск')
        assert added.refusals == {kid.id: f'{kid.full_name}: {sentence}'}
        line.save()
        assert f'{kid.full_name}: {sentence}' in commit_refusals(order)


def queries_of(call):
    with QueryCounter() as counter:
        result = call()
    return counter.count, result


def test_the_check_takes_the_same_queries_for_three_children_or_sixty(app, region):
    with app.app_context():
        bead = builders.association(region.odo, '1а Бисер', capacity=100)
        other = builders.association(region.odo, '1б Шахматы', capacity=100)
        kids = [builders.child('Орлова', f'Вера{"а" * n}') for n in range(60)]
        builders.committed(region.odo, Order.ENROLMENT, 1, kids[::2], to=bead)
        builders.committed(region.odo, Order.ENROLMENT, 2, kids[1::2], on=OCT_15, to=other)
        order = builders.draft(region.odo, Order.ENROLMENT, 3, on=OCT_1)

        def check(children):
            lines = [OrderLine(person=kid, association_to=bead) for kid in children]
            return queries_of(lambda: movement.child_problems(order, lines))

        few, found_few = check(kids[:3])
        many, found_many = check(kids)
    assert len(found_few) == 3 and len(found_many) == 60  # in this объединение, or moved later
    assert few == many <= 6  # the children's facts, programs, the order's lines, memberships, their orders, later lines


# --- Names instead of string literals ------------------------------------------------------

STATES = ('draft', 'committed', 'enrolment', 'withdrawal', 'transfer', 'next_year', 'repeat',
          'graduation', 'current', 'future', 'closed', 'validated', 'queued', 'matching',
          'resolving', 'commit_queued', 'committing', 'undoing', 'cancelling', 'failed',
          'cancelled', 'use', 'new', 'ignore', 'skip')
# A state spelled as a string: not a dict key of labels ('draft': 'Черновик') nor a subscript.
LITERAL = re.compile(r"""(?<![\w.])(['"])(%s)\1(?!\s*:\s*\S)(?!\s*\])""" % '|'.join(STATES))


def literals_in(paths):
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
            if LITERAL.search(line) and not line.lstrip().startswith('bp = Blueprint('):  # an area's name
                found.append(f'{os.path.relpath(path, ROOT)}:{number}: {line.strip()}')
    return found


def test_the_pattern_finds_comparisons_queries_and_tuples_but_not_labels(tmp_path):
    sample = tmp_path / 'sample.py'
    sample.write_text("if job.status == 'resolving':\nquery.where(Order.status == \"draft\")\n"
                      "Order.update(status='committed')\nENTERING = ('enrolment', 'transfer')\n"
                      "LABELS = {'draft': 'Черновик'}\nrow['current']\nOrder.DRAFT\n",
                      encoding='utf-8')
    assert [line.split(': ', 1)[1] for line in literals_in([sample])] == [
        "if job.status == 'resolving':", 'query.where(Order.status == "draft")',
        "Order.update(status='committed')", "ENTERING = ('enrolment', 'transfer')"]


def test_no_state_or_kind_is_spelled_as_a_string_in_the_rules_the_views_or_the_demo():
    code = [path for folder in ('services', 'blueprints', 'demo')
            for path in (ROOT / folder).rglob('*.py')]
    assert literals_in(code + [ROOT / 'app.py']) == []


def test_which_organisations_a_body_oversees_is_said_once_in_services_oversight():
    """The card, the year transition, monitoring and the body's home all ask services.oversight;
    none of them spells the rule (authority, or the regional body's region) itself."""
    rule = re.compile(r"Organisation\.authority\s*==|kind\s*==\s*'regional_body'")
    users = ['services/card/reach.py', 'services/years/progress.py', 'services/monitoring/figures.py',
             'services/home.py']
    for name in users:
        text = (ROOT / name).read_text(encoding='utf-8')
        assert 'oversight.' in text, f'{name} does not ask services.oversight'
        assert not rule.search(text), f'{name} defines its own oversight'
    elsewhere = [f'{os.path.relpath(path, ROOT)}' for folder in ('services', 'blueprints')
                 for path in (ROOT / folder).rglob('*.py')
                 if path.name != 'oversight.py' and re.search(r"Organisation\.authority\s*==\s*\w+\.id",
                                                                 path.read_text(encoding='utf-8'))]
    assert elsewhere == []
