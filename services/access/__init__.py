"""Users and roles of an organisation («Пользователи и роли»), without Flask.

- ``rights``: roles as bundles of rights — the standard ones and a region's own; what a set
  of roles holds and what a role would give beyond it;
- ``people``: who has access here; granting and revoking roles, blocking, ending sessions,
  each kept with who, whom, what and why;
- ``children``: password accounts, for children under 14 only.

Sign-in itself (passwords, lockout, sessions) is ``services.auth``; this area decides who may
sign in where and reuses its ``end_all_sessions``.
"""
from services.access.children import (ChildRow, children_of, enrolled_child, password_refusal,
                                      set_password)
from services.access.people import (REASON_MAX, Row, account_here, account_of_person, actors_of,
                                    administrators_left, block, derive_login, employed_here,
                                    employment_here,
                                    end_sessions, grant, grant_to_employee, history, revoke,
                                    roles_here, sessions_of, unblock, users_of)
from services.access.rights import (FLAGS, STUDENT, create_regional_role, grantable_roles,
                                    held_rights, may_define_roles, parse_role, rights_beyond,
                                    role_of_region, roles_of_region, update_regional_role)
