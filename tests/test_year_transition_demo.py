"""The demo region on the transition's days (issue 16): on 2 April, 26 August and 21 September
its ОДО stand at different steps, some done, some late; the same seed and day give the same
rows (SQLite files of their own, like tests/test_demo.py's determinism check)."""
import collections
import datetime

import pytest

import demo
import models
from models import Order, Organisation, SchoolYear
from services import years

DAYS = {
    datetime.date(2027, 4, 2): {('staff', 'not_started'), ('form', 'not_started'), ('orders', 'running')},
    datetime.date(2027, 8, 26): {('done', 'done'), ('orders', 'running'), ('orders', 'not_started')},
    datetime.date(2027, 9, 21): {('done', 'done'), ('staff', 'late'), ('orders', 'late')},
}


def load(path, day):
    models.db.initialize(models.make_database('sqlite:///' + str(path)))
    models.migrate()
    demo.load_demo_region(children=1500, organisations=60, seed=5, today=day)
    odos = [o.id for o in Organisation.select().where(Organisation.kind == 'odo')]
    found = years.progress_of(odos, day)
    home = Organisation.get(Organisation.short_name == demo.HOME_ODO).id
    dump = (sorted((y.organisation_id, y.start_year, y.state, str(y.closed_at)) for y in SchoolYear.select()),
            sorted((o.organisation_id, o.kind, o.number, o.status, str(o.created_at))
                   for o in Order.select().where(Order.year_step == 'bulk')))
    return found, found[home], dump


@pytest.fixture
def own_database():
    previous = models.db.obj
    yield
    models.db.close()
    if previous is not None:
        models.db.initialize(previous)


@pytest.mark.parametrize('day', sorted(DAYS))
def test_the_demo_stands_at_different_steps(tmp_path, own_database, day):
    found, home, dump = load(tmp_path / 'a.db', day)
    reached = collections.Counter((p.step, p.state) for p in found.values())
    assert DAYS[day] <= set(reached), reached
    if day.month == 9:
        assert home.past_deadline and home.state == 'late'  # the administrator sees the banner
    models.db.close()
    assert load(tmp_path / 'b.db', day)[2] == dump
