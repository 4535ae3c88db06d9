"""The demo region: a Sakhalin-like region with organisations, staff and children.

A plain package (no Flask), beside the product rather than part of it.  The caller
initialises ``models.db`` on an empty, migrated database and calls
:func:`load_demo_region`; :func:`demo_sign_ins` lists the demo accounts and
:func:`print_progress` is a progress printer for command-line callers.

Speed: rows are generated in memory in chunks of children and written in bulk
(COPY on PostgreSQL, ``executemany`` on SQLite) with ids chosen here, so related
rows reference each other without round trips.  The normalised key columns are
filled exactly as the models' ``save()`` methods fill them.  Everything random
comes from one ``random.Random(seed)``, so a seed and a date give one region.

Modules: ``catalogue`` (places, programs, organisation types and the other constant
tables), ``names`` (names and the noise typed into them, also used by ``bench/``),
``writer`` (the bulk writer), ``loader`` (the core and the public run) with its phases
``organisations``, ``staff`` and ``children``.
"""
from demo.catalogue import DEMO_PASSWORD, DEMO_SNILS, HOME_ODO
from demo.dates import add_years, age_on
from demo.loader import demo_sign_ins, load_demo_region, print_progress

__all__ = ['DEMO_PASSWORD', 'DEMO_SNILS', 'HOME_ODO', 'add_years', 'age_on', 'demo_sign_ins',
           'load_demo_region', 'print_progress']
