"""«Портфолио» of an employee: courses, retraining, attestation, awards, publications, contests,
each dated and with its scan (checked by magic bytes, kept outside ``static/``)."""
from services.portfolio.items import (FIELDS, MIN_HOURS, add_item, checked_scan, delete_item,
                                      dismissed_refusal, is_course, items_of, parse_item, update_item)
from services.portfolio.scans import (EXTENSIONS, MAX_BYTES, MIMETYPES, PDF, inline_safe, megabytes, size_label,
                                      read as read_scan)
