"""The employment summary (services/staff/summary.py): the database keeps, per employment, what
its portfolio items, educations and accounts amount to, whoever writes them — pages, the ORM,
bulk queries, plain SQL — and the fill read from it is the fill of the rows themselves."""
import datetime
import random

import pytest

import models
from models import Employment, EmploymentEducation, EmploymentSummary, PortfolioItem, User
from services import staff
from services.staff import summary
from tests import builders

TODAY = datetime.date(2026, 12, 2)


def rows():
    return {row.employment_id: (row.course_on, row.attestation_on, row.items, row.item_gaps,
                                row.educations, row.esia_accounts)
            for row in EmploymentSummary.select().order_by(EmploymentSummary.employment)}


def recomputed():
    """The summaries as a full recomputation from the rows makes them (in a transaction rolled back)."""
    database = models.db.obj
    with database.atomic() as transaction:
        summary.refresh(database)
        found = rows()
        transaction.rollback()
    return found


def job(org, surname):
    return Employment.create(person=builders.person(surname, 'Анна', 'Ивановна'), organisation=org,
                             position='Педагог')


def test_the_installed_triggers_are_the_ones_generated_from_todays_rules(app):
    database = models.db.obj
    assert summary.installed(database) == summary.definitions(database)
    assert len(summary.definitions(database)) == (4 if isinstance(database, models.PostgresqlDatabase) else 11)


def test_a_new_employment_has_its_row_and_counts_the_persons_linked_account(app, region):
    person = builders.person('Линкова', 'Ольга', 'Петровна')
    User.create(login='linkova', person=person, esia_oid='oid-linkova')
    hired = Employment.create(person=person, organisation=region.odo, position='Педагог')
    assert rows()[hired.id] == (None, None, 0, 0, 0, 1)


def test_every_kind_of_write_keeps_the_summary_equal_to_a_recomputation(app, region):
    rng = random.Random(19)
    jobs = [job(region.odo, f'Сводкина{n}') for n in range(6)]
    kinds = ['qualification', 'course', 'retraining', 'attestation', 'award']
    # The ORM, one row at a time.
    items = [PortfolioItem.create(employment=rng.choice(jobs), kind=rng.choice(kinds), title='Документ',
                                  issued_on=rng.choice([None, datetime.date(2019, 5, 1), datetime.date(2025, 5, 1)]),
                                  issuer=rng.choice(['', '  ', 'ИРО']), hours=rng.choice([None, 0, 72]),
                                  document_number=rng.choice(['', '65-1']))
             for _ in range(30)]
    for n in range(8):
        EmploymentEducation.create(employment=jobs[n % 6], level=rng.choice(['', 'higher_master']),
                                   institution='СахГУ', graduation_year=rng.choice([None, 0, 2004]),
                                   speciality='Педагогика')
    assert rows() == recomputed()
    # Bulk queries: an update of many items, a move to another employment, deletes.
    PortfolioItem.update(issuer='ИРО').where(PortfolioItem.id.in_([i.id for i in items[:10]])).execute()
    PortfolioItem.update(employment=jobs[0]).where(PortfolioItem.employment == jobs[1]).execute()
    PortfolioItem.delete().where(PortfolioItem.id.in_([i.id for i in items[20:25]])).execute()
    EmploymentEducation.update(graduation_year=2010).where(EmploymentEducation.employment == jobs[2]).execute()
    EmploymentEducation.delete().where(EmploymentEducation.employment == jobs[3]).execute()
    assert rows() == recomputed()
    # Accounts: linked, unlinked, moved to another person, deleted; an employment given to another person.
    first = User.create(login='svodkina0', person=jobs[0].person_id, esia_oid='oid-0')
    second = User.create(login='svodkina4', person=jobs[4].person_id)
    assert rows()[jobs[0].id][5] == 1 and rows()[jobs[4].id][5] == 0
    User.update(esia_oid='oid-4').where(User.id == second.id).execute()
    User.update(person=jobs[5].person_id).where(User.id == first.id).execute()
    assert rows()[jobs[0].id][5] == 0 and rows()[jobs[5].id][5] == 1
    Employment.update(person=jobs[5].person_id).where(Employment.id == jobs[2].id).execute()
    assert rows()[jobs[2].id][5] == 1
    User.delete().where(User.id == second.id).execute()
    assert rows() == recomputed()
    # Plain SQL, as a hand-made fix would be.
    models.db.execute_sql('DELETE FROM "portfolio_item" WHERE "kind" = %s' % models.db.param, ('award',))
    assert rows() == recomputed()
    # A deleted employment takes its summary with it.
    PortfolioItem.delete().where(PortfolioItem.employment == jobs[5]).execute()
    EmploymentEducation.delete().where(EmploymentEducation.employment == jobs[5]).execute()
    Employment.delete().where(Employment.id == jobs[5].id).execute()
    assert jobs[5].id not in rows()


def test_the_fill_read_from_the_summary_follows_the_rows(app, region):
    hired = job(region.odo, 'Курсова')
    checks = lambda: {code for code, _, _ in staff.fill_of([hired], TODAY)[hired.id].portfolio.missing}  # noqa: E731
    assert {'recent_course', 'attestation', 'complete_items'} <= checks()
    course = PortfolioItem.create(employment=hired, kind='qualification', title='Курсы', hours=72, issuer='ИРО',
                                  document_number='65-1', issued_on=datetime.date(2023, 12, 2))
    assert 'recent_course' not in checks() and 'complete_items' not in checks()
    # The window is reckoned on the day read: three years back from 3 December 2026 it is out.
    assert 'recent_course' in {code for code, _, _ in
                               staff.fill_of([hired], datetime.date(2026, 12, 3))[hired.id].portfolio.missing}
    PortfolioItem.update(hours=None).where(PortfolioItem.id == course.id).execute()
    assert 'complete_items' in checks()


def test_refresh_mends_rows_written_around_the_triggers(app, region):
    hired = job(region.odo, 'Починкина')
    PortfolioItem.create(employment=hired, kind='attestation', title='Аттестация', issuer='Минобр',
                         issued_on=datetime.date(2024, 3, 1))
    EmploymentSummary.delete().where(EmploymentSummary.employment == hired).execute()
    assert hired.id not in rows()
    summary.refresh(models.db.obj, [hired.id])
    assert rows()[hired.id] == (None, datetime.date(2024, 3, 1), 1, 0, 0, 0)


@pytest.mark.parametrize('value', [None, True, 7, "о'Брайен"])
def test_values_are_written_into_the_triggers_as_literals(app, value):
    postgres = isinstance(models.db.obj, models.PostgresqlDatabase)
    (found,), = models.db.execute_sql(f'SELECT {summary._literal(value, postgres)}').fetchall()
    assert found == (1 if value is True and not postgres else value)
