"""The child's personal file (личное дело): one record of the region, shared by every
organisation that teaches the child, edited with a version and a visible history of changes,
disclosed minimally (``access``), merged with a duplicate and unmerged (``merge``)."""
from services.personal_file.access import FULL, MASKED, TEACHER, disclosure, enrolled_or_drafted
from services.personal_file.edits import (CONSENT_SCOPE, DEFAULT_CATEGORIES, add_consent,
                                          add_document, add_guardian, categories_of, changes_of, consent_warnings, create_child,
                                          file_of, parse_document, parse_guardian, parse_identity,
                                          parse_new_identifiers, possible_duplicates, region_categories, remove_guardian,
                                          save_categories, save_contacts, save_identity,
                                          similar_for_new, siblings_through, withdraw_consent, without_consent)
from services.personal_file.merge import MERGE_DAYS, merge_people, undo_merge

__all__ = [
    'add_consent', 'add_document', 'consent_warnings', 'create_child', 'parse_new_identifiers', 'similar_for_new', 'add_guardian', 'categories_of', 'changes_of', 'CONSENT_SCOPE',
    'DEFAULT_CATEGORIES', 'disclosure', 'enrolled_or_drafted', 'file_of', 'FULL', 'MASKED',
    'MERGE_DAYS', 'merge_people', 'parse_document', 'parse_guardian', 'parse_identity',
    'possible_duplicates', 'region_categories', 'remove_guardian', 'save_categories',
    'save_contacts', 'save_identity', 'siblings_through', 'TEACHER', 'undo_merge',
    'withdraw_consent', 'without_consent',
]
