"""«Импорт учеников» from a spreadsheet: the area's public API.

A file is checked and measured before it is read (``sheets``), read in a memory-capped child
process and validated cell by cell (``parser``); its rows then live in the database through
the similar-person search, the decisions and the commit into a draft enrolment order (``jobs``,
``commit``), whose long steps a runner claims and keeps alive (``worker``).  The downloadable
templates and the file of rejected rows are ``template``.  «Импорт сотрудников» is a job of
kind ``staff`` through the same gates, report and runner: its rows and template are
``staff_rows``, its search, decisions and one-transaction commit ``staff_jobs``.
"""
from services.imports.jobs import (DECISIONS, RUNNABLE, ImportBusy, active_import, age_rows, cancel,
                                   choose_skip_mode, decide, draft_enrolment_orders, issues_of,
                                   match, organisation_associations, rejected_rows, report_of,
                                   request_commit, row_child, row_has_errors, rows_for_resolution,
                                   runs_in_background, start_import, undecided_count, values_of)
from services.imports.parser import (FIELD_LABELS, MAX_BYTES, MAX_MEMBERS, MAX_ROWS, ImportRefused,
                                     parse_date, parse_file)
from services.imports.requests import departure_places, request_departure
from services.imports.sheets import measure_sheets
from services.imports.staff_jobs import (active_staff_import, decide_staff, request_staff_commit,
                                         staff_rows_to_decide, staff_runs_in_background,
                                         start_staff_import, undecided_staff)
from services.imports.staff_rows import FILE_NAME as STAFF_TEMPLATE_NAME, build_staff_template
from services.imports.template import LAYOUTS, build_template, rejected_workbook
from services.imports.worker import claim, run_job, run_pending, start_worker, work_forever

__all__ = [
    'DECISIONS', 'FIELD_LABELS', 'LAYOUTS', 'MAX_BYTES', 'MAX_MEMBERS', 'MAX_ROWS', 'RUNNABLE',
    'active_import', 'active_staff_import', 'age_rows', 'build_staff_template', 'build_template',
    'cancel', 'choose_skip_mode', 'claim', 'decide', 'decide_staff', 'departure_places',
    'draft_enrolment_orders', 'ImportBusy', 'ImportRefused', 'issues_of', 'match', 'measure_sheets',
    'organisation_associations', 'parse_date', 'parse_file', 'rejected_rows', 'rejected_workbook',
    'report_of',
    'request_commit', 'request_departure', 'request_staff_commit', 'row_child', 'row_has_errors',
    'rows_for_resolution', 'run_job', 'run_pending', 'runs_in_background', 'staff_rows_to_decide',
    'staff_runs_in_background', 'STAFF_TEMPLATE_NAME', 'start_import', 'start_staff_import',
    'start_worker', 'undecided_count', 'undecided_staff', 'values_of', 'work_forever',
]
