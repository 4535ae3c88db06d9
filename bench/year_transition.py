"""Forming the next school year and building the transfer preview for an organisation of
5,000 children in 120 объединения; then drafting the transfer order from that preview.

    .venv/bin/python bench/year_transition.py                 # a temporary SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/kruzhok_bench .venv/bin/python bench/year_transition.py

Point DATABASE_URL at a scratch database: the bench migrates it and adds its own region and
organisations on every run.  Each step is timed and its statements counted, for two sizes
(a tenth of the children, then all of them, in the same 120 объединения): the count must not
grow with the number of children.  The goal is ≤ 10 s for forming and the preview on PostgreSQL.
"""
import argparse
import datetime
import logging
import os
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import models  # noqa: E402
from models import (Association, Employment, Membership, Order, Organisation, Person, Program,  # noqa: E402
                    Region, SchoolYear, db)
from services import years  # noqa: E402

DAY = datetime.date(2027, 4, 2)
START = datetime.date(2026, 9, 1)


class Counter(logging.Handler):
    """Statements peewee runs in this thread."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.count, self.thread = 0, threading.get_ident()

    def emit(self, record):
        if record.thread == self.thread:
            self.count += 1


def timed(label, call):
    logger = logging.getLogger('peewee')
    counter, level = Counter(), logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    started = time.perf_counter()
    try:
        result = call()
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)
    seconds = time.perf_counter() - started
    print(f'  {label:<34} {seconds:7.2f} s  {counter.count:6d} statements')
    return result, seconds, counter.count


def build(children, groups):
    """An ОДО with 30 programs of 4 years, ``groups`` объединения and ``children`` members."""
    tag = uuid.uuid4().hex[:6]
    region = Region.create(name=f'Бенч {tag}', code=tag[:8])
    org = Organisation.create(region=region, kind='odo', short_name=f'ЦДТ {tag}', full_name='ЦДТ')
    year = SchoolYear.create(organisation=org, start_year=2026, state=SchoolYear.CURRENT,
                             starts_on=START, ends_on=datetime.date(2027, 8, 31))
    teacher_person = Person.create(surname='Педагогова', name='Анна', birth_date=datetime.date(1980, 1, 1),
                                   gender='F')
    teacher = Employment.create(person=teacher_person, organisation=org, position='Педагог')
    programs = [Program.create(organisation=org, focus='arts', name=f'Программа {n}', duration_years=4)
                for n in range(groups // 4)]
    rows = [{'organisation': org.id, 'school_year': year.id, 'program': programs[n // 4].id,
             'kind': 'association', 'name': f'{n % 4 + 1}а Программа {n // 4}', 'study_year': n % 4 + 1,
             'teacher': teacher.id, 'capacity': children // groups + 10} for n in range(groups)]
    Association.insert_many(rows).execute()
    associations = list(Association.select(Association.id).where(Association.school_year == year)
                        .order_by(Association.id))
    people = [{'surname': f'Иванова{n % 97}', 'name': 'Анна', 'birth_date': datetime.date(2014, 1, 1),
               'gender': 'F', 'surname_key': f'иванова{n % 97}', 'name_key': 'анна'}
              for n in range(children)]
    with db.atomic():
        for start in range(0, children, 1000):
            Person.insert_many(people[start:start + 1000]).execute()
        ids = [pid for (pid,) in Person.select(Person.id).where(Person.surname_key.startswith('иванова'))
               .order_by(Person.id.desc()).limit(children).tuples()]
        members = [{'person': pid, 'association': associations[n % groups].id, 'organisation': org.id,
                    'started_on': START, 'surname_key': 'иванова', 'gender': 'F'}
                   for n, pid in enumerate(sorted(ids))]
        for start in range(0, len(members), 1000):
            Membership.insert_many(members[start:start + 1000]).execute()
    return Organisation.get_by_id(org.id)


def run(children, groups):
    print(f'{children} children in {groups} объединения:')
    org = build(children, groups)
    programs = [p.id for p in Program.select(Program.id).where(Program.organisation == org)]
    _, form_s, form_q = timed('Формирование следующего года', lambda: years.form_next_year(org, DAY, programs))
    preview, preview_s, preview_q = timed('Предпросмотр перевода', lambda: years.preview(org, Order.NEXT_YEAR))
    choices = {g.association.id: (g.target.id, [c.person.id for c in g.children if c.ticked])
               for g in preview}
    header = {'number': f'П-{uuid.uuid4().hex[:4]}', 'document_date': DAY, 'act_date': DAY}
    result, draft_s, draft_q = timed('Черновик приказа о переводе', lambda: years.create_bulk_order(
        org, None, Order.NEXT_YEAR, header, choices))
    print(f'  lines in the draft: {result.added}; formed + preview: {form_s + preview_s:.2f} s')
    return form_q, preview_q, draft_q


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--children', type=int, default=5000)
    parser.add_argument('--groups', type=int, default=120)
    args = parser.parse_args()
    url = os.environ.get('DATABASE_URL') or 'sqlite:///' + os.path.join(tempfile.mkdtemp(), 'bench.db')
    database = models.make_database(url)
    models.db.initialize(database)
    models.migrate(database)
    print('database:', url.split('@')[-1])
    small = run(args.children // 10, args.groups)
    full = run(args.children, args.groups)
    print('statements (small → full): ' + ', '.join(
        f'{name} {a} → {b}' for name, a, b in zip(('forming', 'preview', 'draft'), small, full)))


if __name__ == '__main__':
    main()
