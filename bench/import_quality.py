"""Quality of «Поиск похожих пользователей системы» on labelled data, with baselines in the same run.

    bench/.venv/bin/python bench/import_quality.py [--registry 100000] [--rows 5000] [--two-kinds 0.25]

(bench/.venv: `python3 -m venv bench/.venv && bench/.venv/bin/pip install -r requirements.txt
-r bench/requirements.txt`; without recordlinkage only the exact-key baseline runs.)

Figures: recall — share of true duplicates whose person is among the shown candidates
(target ≥ 99 %); top-1 — share of duplicate rows with a proposal whose first candidate is
right (target ≥ 97 %); false preselect — share of new children given a preselected match
(target ≤ 0.5 %); and, for the administrator's work, the share of new children shown any
candidate at all.  Baselines: exact keys (what school systems do: same СНИЛС, or the same
surname, name and birth date) and the recordlinkage toolkit (blocking on birth date and on
surname+name, Jaro-Winkler on the names).  Two files are measured: one noise kind per
noisy row, and a realistic one where a share of the noisy rows carry two kinds at once.
"""
import argparse
import os
import sys
import tempfile
import time
from collections import Counter, defaultdict

sys.path[:0] = [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), os.path.dirname(os.path.abspath(__file__))]

import models  # noqa: E402
import import_data  # noqa: E402
from keys import name_key  # noqa: E402
from services.registry.similar_people import find_similar  # noqa: E402


def metrics(rows, truth, proposals):
    """``proposals``: per row, [(person_id, preselected)] best first."""
    found = top = proposed = dup = new = false_pre = new_shown = 0
    by_kind = defaultdict(Counter)
    for row, true_id, candidates in zip(rows, truth, proposals):
        ids = [pid for pid, _ in candidates]
        if true_id is None:
            new += 1
            false_pre += any(pre for _, pre in candidates)
            new_shown += bool(candidates)
            by_kind['new']['rows'] += 1
            by_kind['new']['ok'] += not any(pre for _, pre in candidates)
            continue
        dup += 1
        hit = true_id in ids
        found += hit
        by_kind[row['noise']]['rows'] += 1
        by_kind[row['noise']]['ok'] += hit
        if ids:
            proposed += 1
            top += ids[0] == true_id
    return {'recall': found / dup, 'top1': top / max(proposed, 1), 'false_preselect': false_pre / max(new, 1),
            'new_shown': new_shown / max(new, 1),
            'by_kind': {k: v['ok'] / v['rows'] for k, v in by_kind.items()}}


def engine(rows):
    results = find_similar(import_data.incoming(rows))
    return [[(c.person_id, c.exact) for c in candidates] for candidates in results]


def exact_keys(registry, rows):
    by_snils = {c.snils: c.id for c in registry}
    by_key = defaultdict(list)
    for c in registry:
        by_key[(name_key(c.surname), name_key(c.name), c.birth_date)].append(c.id)
    out = []
    for r in rows:
        if r['snils'] and r['snils'] in by_snils:
            out.append([(by_snils[r['snils']], True)])
        else:
            out.append([(pid, False) for pid in by_key.get((name_key(r['surname']), name_key(r['name']), r['birth_date']), [])])
    return out


def record_linkage(registry, rows):
    import pandas
    import recordlinkage
    left = pandas.DataFrame([{'surname': name_key(r['surname']), 'name': name_key(r['name']),
                              'patronymic': name_key(r['patronymic']), 'birth_date': r['birth_date'].isoformat(),
                              'snils': r['snils'] or None} for r in rows])
    right = pandas.DataFrame([{'surname': name_key(c.surname), 'name': name_key(c.name),
                               'patronymic': name_key(c.patronymic), 'birth_date': c.birth_date.isoformat(),
                               'snils': c.snils} for c in registry], index=[c.id for c in registry])
    indexer = recordlinkage.Index()
    indexer.block(left_on='birth_date', right_on='birth_date')
    indexer.block(left_on=['surname', 'name'], right_on=['surname', 'name'])
    indexer.block(left_on='snils', right_on='snils')
    pairs = indexer.index(left, right)
    compare = recordlinkage.Compare()
    compare.string('surname', 'surname', method='jarowinkler', label='surname')
    compare.string('name', 'name', method='jarowinkler', label='name')
    compare.string('patronymic', 'patronymic', method='jarowinkler', label='patronymic')
    compare.exact('birth_date', 'birth_date', label='birth_date')
    compare.exact('snils', 'snils', label='snils')
    features = compare.compute(pairs, left, right)
    features['score'] = features[['surname', 'name', 'patronymic', 'birth_date']].sum(axis=1) + 2 * features['snils']
    shown = features[features['score'] >= 3.2].sort_values('score', ascending=False)
    out = [[] for _ in rows]
    for (row_index, person_id), values in shown.iterrows():
        if len(out[row_index]) < 5:
            out[row_index].append((person_id, bool(values['snils'])))
    return out


def report(name, seconds, figures):
    print(f'  {name:<26} recall {figures["recall"]:7.2%}   top-1 {figures["top1"]:7.2%}   '
          f'false preselect {figures["false_preselect"]:6.2%}   new shown a candidate {figures["new_shown"]:6.2%}'
          f'   {seconds:6.1f} s')


def evaluate(registry, rows, truth):
    """Ours and the baselines on one file; returns our figures."""
    started = time.perf_counter()
    ours = metrics(rows, truth, engine(rows))
    report('similar_people (ours)', time.perf_counter() - started, ours)
    started = time.perf_counter()
    report('exact keys (baseline)', time.perf_counter() - started, metrics(rows, truth, exact_keys(registry, rows)))
    try:
        import recordlinkage  # noqa: F401
    except ImportError:
        print('  recordlinkage (baseline)   not installed: see bench/requirements.txt')
    else:
        started = time.perf_counter()
        baseline = metrics(rows, truth, record_linkage(registry, rows))
        report('recordlinkage (baseline)', time.perf_counter() - started, baseline)
    return ours


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--registry', type=int, default=100000)
    parser.add_argument('--rows', type=int, default=5000)
    parser.add_argument('--seed', type=int, default=6)
    parser.add_argument('--two-kinds', type=float, default=import_data.REALISTIC_TWO_KINDS,
                        help='share of noisy copies with a second noise kind in the realistic file')
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix='kruzhok-quality-')
    database = models.make_database('sqlite:///' + os.path.join(folder, 'quality.db'))
    models.db.initialize(database)
    models.migrate(database)
    registry = import_data.make_registry(args.registry, args.seed)
    import_data.write_registry(database, registry)
    met = True
    for title, two_kinds in (('one noise kind per row', 0.0),
                             (f'realistic: {args.two_kinds:.0%} of the noisy copies carry two noise kinds', args.two_kinds)):
        rows, truth = import_data.make_file(registry, args.rows, seed=args.seed + 1, two_kinds=two_kinds)
        doubled = sum('+' in r['noise'] for r in rows)
        print(f'registry {len(registry):,} children, file {len(rows):,} rows ({sum(t is None for t in truth):,} '
              f'new children, {doubled:,} with two noise kinds), SQLite — {title}')
        ours = evaluate(registry, rows, truth)
        singles = {k: v for k, v in ours['by_kind'].items() if '+' not in k}
        print('  recall by noise kind (ours; for «new», the share without a false preselect):')
        print('   ', '  '.join(f'{kind} {share:.2%}' for kind, share in sorted(singles.items())))
        if doubled:
            pairs = Counter(r['noise'] for r in rows if '+' in r['noise'])
            hits = sum(ours['by_kind'][k] * n for k, n in pairs.items())
            worst = sorted(((ours['by_kind'][k], k, n) for k, n in pairs.items()))[:4]
            print(f'  recall on the rows with two noise kinds: {hits / doubled:.2%}; weakest pairs: '
                  + ', '.join(f'{k} {share:.0%} of {n}' for share, k, n in worst))
        met = met and ours['recall'] >= 0.99 and ours['top1'] >= 0.97 and ours['false_preselect'] <= 0.005
    print('targets (≥99 %, ≥97 %, ≤0.5 %) on both files:', 'met' if met else 'NOT met')


if __name__ == '__main__':
    main()
