"""Enrolment from the regional registry, the three ways of picking existing children: the
area's public API.

* «Поиск учащихся для зачисления» — one child by ФИО, date of birth, СНИЛС or document;
* «Список выпускников и выбывших» — the pool: departures from any organisation of the region;
* «Список обучающихся в других ОО» — another organisation's current list, without documents.

Counting stops at ``services.paging.COUNT_CAP`` rows so a page costs the same however broad
the filter.  Children ticked on these screens stay in the selection until they are added to
the draft order.
"""
from services.enrolment.filters import (others_choices, others_organisations, parse_others,
                                         parse_pool, parse_search, pool_choices,
                                         pool_organisations)
from services.enrolment.others import others_members
from services.enrolment.pool import POOL_LOOKAHEAD, pool_departures, pool_rows
from services.enrolment.rows import blockers, check, child_rows
from services.enrolment.search import search_page, search_people
from services.enrolment.selection import (SelectionRefused, add_selection_to_order, offered,
                                           order_of, refused_ticks, screen_filters,
                                           selected_ids, selected_people, selection_count,
                                           sync_selection, unselect)
from services.enrolment.targets import chosen_target, enrolment_target, enrolment_targets

__all__ = [
    'POOL_LOOKAHEAD', 'SelectionRefused', 'add_selection_to_order', 'blockers', 'check',
    'child_rows',
    'chosen_target', 'enrolment_target', 'enrolment_targets', 'offered', 'order_of', 'others_choices',
    'others_members', 'others_organisations', 'parse_others', 'parse_pool', 'parse_search', 'pool_choices',
    'pool_departures', 'pool_organisations', 'pool_rows', 'refused_ticks', 'screen_filters', 'search_page',
    'search_people',
    'selected_ids', 'selected_people', 'selection_count', 'sync_selection', 'unselect',
]
