"""Totals of many organisations' figures, as the region chooses (``region.monitoring_totals``):
the mean over organisations, or each organisation weighted by its current staff.  Floored to
tenths like every figure, so a total shown as 79,9 % is below 80 %."""

METHODS = {'mean': 'среднее по организациям', 'weighted': 'взвешенное по числу сотрудников'}


def total_of(rows, method='mean'):
    """{code: tenths} over ``rows`` (anything with ``figures`` and ``staff``); a figure no row
    counted is None.  Weighted with no staff anywhere falls back to the mean."""
    codes = {code for row in rows for code in row.figures}
    result = {}
    for code in codes:
        counted = [(row.figures[code], row.staff) for row in rows if row.figures.get(code) is not None]
        if not counted:
            result[code] = None
            continue
        weight = sum(staff for _, staff in counted)
        if method == 'weighted' and weight:
            result[code] = sum(value * staff for value, staff in counted) // weight
        else:
            result[code] = sum(value for value, _ in counted) // len(counted)
    return result
