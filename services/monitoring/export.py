"""Every monitoring table as .xlsx (services.spreadsheets: every name a string, never a formula;
the header row frozen, with an autofilter).  Figures are written as they are shown, with their
level's word beside them."""
from services.common import ru_date
from services.fill import LEVELS, level_of
from services.monitoring.figures import FIGURES, YEAR, figure_label
from services.spreadsheets import workbook_bytes


def _figure(value):
    return [figure_label(value), '' if value is None else LEVELS[level_of(value)]]


def _figure_header(label):
    return [label, f'{label}: уровень']


def overview_workbook(title, groups, total, day):
    header = ['Муниципалитет', 'Организация', 'Тип', 'Сотрудников']
    for label in FIGURES.values():
        header += _figure_header(label)
    header += [YEAR, f'{YEAR}: опоздание']
    rows = []
    for municipality, members in groups:
        for row in members:
            rows.append([row.municipality, row.name, row.kind_label, row.staff,
                         *[cell for code in FIGURES for cell in _figure(row.figures.get(code))],
                         row.year_cell()[1], 'опаздывает' if row.year and row.year.late else ''])
        rows.append([municipality.name, 'Итого по муниципалитету', '', municipality.staff,
                     *[cell for code in FIGURES for cell in _figure(municipality.figures.get(code))], '', ''])
    rows.append(['', 'Итого', '', total.staff, *[cell for code in FIGURES for cell in _figure(total.figures.get(code))],
                 '', ''])
    return workbook_bytes('Мониторинг', header, rows, [28, 40, 22, 12] + [14, 10] * len(FIGURES) + [36, 14],
                          heading=f'{title} на {ru_date(day)}')


def comparison_workbook(title, table):
    header = ['Муниципалитет', 'Организация']
    for day in table.dates:
        header += _figure_header(ru_date(day))
    rows = [[row.municipality, row.name, *[cell for value in values for cell in _figure(value)]]
            for row, values in table.rows]
    rows.append(['', 'Итого', *[cell for value in table.totals for cell in _figure(value)]])
    return workbook_bytes('Сравнение', header, rows, [28, 40] + [12, 10] * len(table.dates),
                          heading=f'{title}: {FIGURES[table.code]} по датам снимков')


def trend_workbook(title, chart):
    header = ['Дата снимка']
    for line in chart.series:
        header += _figure_header(line.label)
    rows = [[ru_date(day), *[cell for line in chart.series for cell in _figure(line.values[n])]]
            for n, day in enumerate(chart.dates)]
    return workbook_bytes('Динамика', header, rows, [14] + [14, 10] * len(chart.series), heading=title)


def missing_workbook(organisation, missing):
    header = ['Что не заполнено', 'Сотрудник', 'Должность', 'Карточка', 'Портфолио', 'Документов в портфолио']
    rows = [['Карточка ОО: ' + label, '', '', '', '', None] for _, label, _ in missing.card.missing]
    for person in missing.employees:
        lacks = [label for _, label, _ in person.fill.card.missing + person.fill.portfolio.missing]
        rows.append(['; '.join(lacks), person.name, person.position, person.fill.card.label,
                     person.fill.portfolio.label, person.items])
    return workbook_bytes('Что не заполнено', header, rows, [60, 36, 30, 12, 12, 12],
                          heading=f'{organisation.short_name}: что не заполнено')
