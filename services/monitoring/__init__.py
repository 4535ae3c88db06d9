"""«Мониторинг» for the management body: how complete its organisations' data is, now and over
time.  Every figure is the one definition of services.fill, services.card and services.staff;
this package only gathers, totals, keeps snapshots and draws."""
from services.monitoring.figures import (FIGURES, LEVEL_FILTERS, SORTS, Row, current_rows, figure_label, in_scope, LIST_LIMIT, YEAR, YEAR_FILTERS, with_transition,
                                         organisation_in_scope, parse_view, region_scope, rows_of, scope_of,
                                         view_of, with_figures)
from services.monitoring.totals import METHODS, total_of
from services.monitoring.snapshots import comparison, dates_of, history_of, series_of, take_snapshot
from services.monitoring.trend import Chart, chart_of
from services.monitoring.missing import missing_of
from services.monitoring.export import (comparison_workbook, missing_workbook, overview_workbook,
                                        trend_workbook)
