"""Twenty people enrol the same child into the same объединение at once.

The database holds the invariant: one open membership, nineteen refusals that name the
order that won, no 500.  Every thread has its own client and its own database connection.
"""
import re
import threading

from models import AuditEvent, Membership, Order, OrderLine, db
from services import common
from services import movement
from tests.builders import association, child, draft, program

ATTEMPTS = 20


def run_together(work, count=ATTEMPTS):
    """Run ``work(i)`` in ``count`` threads released at the same moment; return the results."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def worker(index):
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # a crash must show up in the assertions, not vanish
            results[index] = error
        finally:
            db.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_twenty_commits_of_the_same_enrolment(app, admin_client, region):
    beads = association(region.odo, '1а Бисер', program(region.odo), capacity=30)
    anna = child()
    orders = []
    for number in range(1, ATTEMPTS + 1):
        order = draft(region.odo, 'enrolment', number)
        assert movement.add_children_to_draft(order, [anna.id], beads).added == [anna.id]
        orders.append(order)
    db.close()
    cookie = admin_client.get_cookie('kruzhok_session').value
    token = admin_client.csrf_token('/')

    def commit(index):
        client = app.test_client()
        client.set_cookie('kruzhok_session', cookie)
        order = orders[index]
        return client.post(f'/movement/orders/{order.id}/commit',
                           data={'csrf_token': token, 'version': order.version})

    responses = run_together(commit)
    assert not [r for r in responses if isinstance(r, Exception)], responses
    # Committed or refused, each answer sends back to its order's own page.
    assert [r.status_code for r in responses] == [303] * ATTEMPTS
    assert [r.headers['Location'] for r in responses] == [f'/movement/orders/{o.id}' for o in orders]

    assert Membership.select().where(Membership.person == anna).count() == 1
    winner = Order.get(Order.status == 'committed')
    assert Order.select().where(Order.status == 'draft').count() == ATTEMPTS - 1
    refused = AuditEvent.select().where(AuditEvent.event == 'order_commit_refused',
                                        AuditEvent.result == 'denied').count()
    assert refused == ATTEMPTS - 1
    loser = next(order for order in orders if order.id != winner.id)
    again = admin_client.post_form(f'/movement/orders/{loser.id}/commit', {'version': loser.version})
    page = admin_client.get(again.headers['Location']).get_data(as_text=True)
    assert (f'Иванова Анна Сергеевна: ребёнок уже занимается в «1а Бисер»: зачислен приказом '
            f'№{winner.number} от 01.09.2026.') in page


def test_twenty_services_commit_the_same_child(region):
    """The same race without HTTP: the plain functions other pages call."""
    beads = association(region.odo, '1а Бисер', program(region.odo), capacity=30)
    anna = child()
    orders = [draft(region.odo, 'enrolment', number) for number in range(1, ATTEMPTS + 1)]
    for order in orders:
        movement.add_children_to_draft(order, [anna.id], beads)
    db.close()

    def commit(index):
        try:
            movement.commit_order(orders[index])
            return 'committed'
        except common.Refused as refusal:
            return ' '.join(refusal.messages)

    results = run_together(commit)
    assert results.count('committed') == 1, results
    refusals = [r for r in results if r != 'committed']
    assert len(refusals) == ATTEMPTS - 1
    assert all(re.fullmatch(r'Иванова Анна Сергеевна: ребёнок уже занимается в «1а Бисер»: '
                            r'зачислен приказом №\d+ от 01\.09\.2026\.', r) for r in refusals), refusals
    assert Membership.select().count() == 1


def test_twenty_additions_of_the_same_child_to_one_draft(region):
    beads = association(region.odo, '1а Бисер', program(region.odo))
    anna = child()
    order = draft(region.odo, 'enrolment', 1)
    db.close()
    results = run_together(lambda i: movement.add_children_to_draft(order, [anna.id], beads))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.added) for r in results) == 1
    refusals = [r.refusals[anna.id] for r in results if r.refusals]
    assert refusals == ['Иванова Анна Сергеевна: ребёнок уже есть в этом приказе.'] * (ATTEMPTS - 1)
    assert OrderLine.select().count() == 1
