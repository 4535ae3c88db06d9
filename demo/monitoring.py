"""Monitoring's history for the demo region: the seed's snapshot dates (October 2021, October
2023, February 2024) with believable progress towards today's snapshot, which is taken for real.

Past figures are today's less a loss that grows with age (seeded, so the same seed gives the same
history); ЕСИА links were rare before staff had to sign in through ЕСИА (1 July 2024)."""
import datetime

from models import Employment, MonitoringSnapshot, User
from services.monitoring import take_snapshot

HISTORY = (datetime.date(2021, 10, 1), datetime.date(2023, 10, 1), datetime.date(2024, 2, 1))
LOSS = {  # points of a percent lost per snapshot date, (low, high), oldest first
    'card_percent': ((15, 35), (5, 15), (2, 8)),
    'staff_percent': ((20, 40), (8, 18), (3, 10)),
    'portfolio_percent': ((25, 45), (10, 20), (4, 12)),
}
ESIA_SHARE = ((0.0, 0.1), (0.15, 0.35), (0.3, 0.5))  # of today's share, before ЕСИА became the rule


def link_staff_to_esia(loader):
    """Most staff have signed in through ЕСИА since it became the rule: an account linked to an
    ЕСИА id for a share of each organisation's employees who have no account yet (no roles, no
    password: the link is what monitoring counts)."""
    rng = loader.rng
    with_account = {pid for (pid,) in User.select(User.person).where(User.person.is_null(False)).tuples()}
    share, rows, seen = {}, [], set()
    for pid, oid in (Employment.select(Employment.person, Employment.organisation)
                     .where(Employment.dismissed_on.is_null()).order_by(Employment.id).tuples()):
        if oid not in share:
            share[oid] = rng.uniform(0.5, 1.0)
        if pid in with_account or pid in seen:
            continue
        seen.add(pid)
        if rng.random() < share[oid]:
            rows.append({'login': f'esia.{pid}', 'person': pid, 'esia_oid': f'demo-{pid}',
                         'created_at': loader.created_at})
    for start in range(0, len(rows), 500):
        User.insert_many(rows[start:start + 500]).execute()


def load_snapshots(loader):
    """Today's snapshot of the region, and the three past ones derived from it."""
    rng, today = loader.rng, loader.today
    link_staff_to_esia(loader)
    take_snapshot(loader.region_id, today)
    now = list(MonitoringSnapshot.select().where(MonitoringSnapshot.taken_on == today)
               .order_by(MonitoringSnapshot.organisation))
    rows = []
    for n, day in enumerate(HISTORY):
        if day >= today:
            continue
        for snap in now:
            values = {'organisation': snap.organisation_id, 'taken_on': day, 'staff_count': snap.staff_count}
            for column, losses in LOSS.items():
                value = getattr(snap, column)
                low, high = losses[n]
                values[column] = None if value is None else min(value, max(50, value - 10 * rng.randint(low, high)))
            share = rng.uniform(*ESIA_SHARE[n])
            values['esia_percent'] = None if snap.esia_percent is None else int(snap.esia_percent * share)
            rows.append(values)
    for start in range(0, len(rows), 500):
        MonitoringSnapshot.insert_many(rows[start:start + 500]).execute()
    return len(now) + len(rows)
