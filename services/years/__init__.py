"""«Переход на новый учебный год»: the steps of moving an organisation from its current school
year to the next (forming the future year, bulk orders, checks, opening and closing), and the
management body's view of how far its organisations are.  No Flask here."""
from services.years.calendar import Calendar, season_year, too_early
from services.years.progress import STEP_TITLES, Progress, overseen_by, progress_of
from services.years.transition import (BULK, BULK_KINDS, DONE, LATE, NOT_STARTED, RULES, RUNNING,
                                       STATES, TARGETED, BulkResult, Formed, PreviewChild,
                                       PreviewGroup, Step, StaffRow, Uncovered, Years,
                                       create_bulk_order, form_next_year, forming_problem,
                                       future_checks, mark_staff_checked, next_name, open_year,
                                       opening_problems, preview, staff_next_year, steps_of,
                                       uncovered)

__all__ = [
    'BULK', 'BULK_KINDS', 'BulkResult', 'Calendar', 'create_bulk_order', 'DONE', 'form_next_year',
    'Formed', 'forming_problem', 'future_checks', 'LATE', 'mark_staff_checked', 'next_name',
    'NOT_STARTED', 'open_year', 'opening_problems', 'overseen_by', 'preview', 'PreviewChild',
    'PreviewGroup', 'Progress', 'progress_of', 'RULES', 'RUNNING', 'season_year', 'staff_next_year',
    'StaffRow', 'STATES', 'Step', 'STEP_TITLES', 'steps_of', 'too_early', 'uncovered', 'Uncovered',
    'Years',
]
