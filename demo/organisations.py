"""The setup phase: places, organisations with their cards and school years, programs,
объединения, classes and groups, and the orders that the children's lines go into."""
import datetime

import models
from demo.catalogue import (
    COLLEGE_NAMES, COLLEGE_SPECIALITIES, HOME_ODO, HOME_ODO_FULL, HOME_ODO_PROGRAMS,
    HOME_TEACHER_PROGRAMS, KG_AGE_LABELS, KINDERGARTEN_NAMES, LOWER_LETTERS, MUNICIPALITIES,
    ODO_TYPES, PROGRAM_CATALOG, REGION_CODE, REGION_NAME, REGION_TIME_ZONE, REGIONAL_BODY, STREETS,
    UPPER_LETTERS,
)
from demo.names import Pick
from demo.writer import convert
from models import Association, Municipality, Order, Organisation, Program, Region, SchoolYear, Settlement
from keys import name_key
from services.card.validation import normalise_phone, okpo_check_digit


class _Org:
    __slots__ = ('id', 'kind', 'muni', 'settlement', 'year_id', 'short_name', 'weight', 'programs',
                 'slots', 'teacher_id', 'teacher_left', 'enrol_orders', 'withdraw_orders',
                 'grad_orders', 'name_counts', 'completeness', 'staff_completeness', 'email_slug')

    def __init__(self, **kw):
        self.programs = []
        self.slots = {}
        self.teacher_id = None
        self.teacher_left = 0
        self.enrol_orders = []
        self.withdraw_orders = []
        self.grad_orders = []
        self.name_counts = {}
        for k, v in kw.items():
            setattr(self, k, v)


class _Prog:
    __slots__ = ('id', 'org', 'name', 'short', 'duration', 'age_from', 'age_to', 'slots')


class _Slot:
    """The объединение (class, group) currently taking children for one key."""
    __slots__ = ('org', 'kind', 'key', 'program', 'assoc_id', 'count', 'cap', 'index')


class _Muni:
    __slots__ = ('index', 'id', 'name', 'gen', 'dat', 'zags', 'phone', 'division', 'post',
                 'settlements', 'settlement_pick', 'weight', 'schools', 'kindergartens', 'odos',
                 'colleges', 'body', 'school_pick', 'kg_pick', 'odo_by_age')


def staff_level(rng):
    """How completely an organisation keeps its staff cards and portfolios: about a third well
    (monitoring's «high», 90 % and more), a third middling (80–90 %), the rest poorly."""
    band = rng.random()
    if band < 0.35:
        return rng.uniform(0.93, 1.0)
    if band < 0.7:
        return rng.uniform(0.78, 0.85)
    return rng.uniform(0.45, 0.70)


class Organisations:
    """The loader's setup phase (a mixin of the loader)."""

    def setup(self):
        rng = self.rng
        region_id = self.add(Region, name=REGION_NAME, code=REGION_CODE, time_zone=REGION_TIME_ZONE)
        self.region_id = region_id
        munis = []
        for index, row in enumerate(MUNICIPALITIES):
            name, kind, weight, gen, dat, zags, phone, division, post, settlements = row
            m = _Muni()
            m.index, m.name, m.gen, m.dat, m.weight = index, name, gen, dat, weight
            m.zags = f'Отдел ЗАГС {zags} агентства ЗАГС Сахалинской области'
            m.phone, m.division, m.post = phone, division, post
            m.id = self.add(Municipality, region=region_id, name=name, kind=kind)
            m.settlements = []
            for s_name, s_label, s_weight in settlements:
                sid = self.add(Settlement, municipality=m.id, name=s_name)
                m.settlements.append((sid, s_name, s_label, s_weight, _nominative(s_name)))
            m.settlement_pick = Pick([(s, s[3]) for s in m.settlements])
            m.schools, m.kindergartens, m.odos, m.colleges = [], [], [], []
            munis.append(m)
        self.munis = munis
        home = munis[0]

        # How many organisations of each kind, and where.
        educational = self.organisations_total - len(munis) - 1
        n_school = round(educational * 0.45)
        n_kg = round(educational * 0.30)
        n_odo = max(2, round(educational * 0.18))
        n_college = max(0, educational - n_school - n_kg - n_odo)
        weights = [m.weight for m in munis]
        plan = {
            'school': _allocate(n_school, weights),
            'kindergarten': _allocate(n_kg, weights),
            'odo': _allocate(n_odo, weights, first_min=2),
            'college': _allocate(n_college, weights, spread=False),
        }

        # The ministry sits in Южно-Сахалинск, so the sign-in cascade reaches it too.
        regional = self.organisation(
            'regional_body', home, home.settlements[0], None, REGIONAL_BODY,
            'Министерство образования Сахалинской области', 'Государственное казённое учреждение',
            'Правительство Сахалинской области', completeness=0.95)
        self.regional = regional
        for m in munis:
            m.body = self.organisation(
                'municipal_body', m, m.settlements[0], regional.id,
                f'Управление образования {m.gen}',
                f'Управление образования администрации {m.gen}', 'Муниципальное казённое учреждение',
                f'Администрация {m.gen}', completeness=rng.uniform(0.6, 1.0))

        # The home ОДО first, so its ids are stable and low.
        self.home_odo = self.organisation(
            'odo', home, home.settlements[0], home.body.id, HOME_ODO, HOME_ODO_FULL,
            'Муниципальное автономное учреждение', 'Администрация города Южно-Сахалинска',
            completeness=1.0, staff_completeness=1.0)
        home.odos.append(self.home_odo)
        college_names = list(COLLEGE_NAMES)
        for m in munis:
            counters = {}
            for kind in ('school', 'kindergarten', 'odo', 'college'):
                count = plan[kind][m.index] - (1 if (kind == 'odo' and m is home) else 0)
                for i in range(count):
                    settlement = m.settlements[0] if i == 0 else m.settlement_pick(rng)
                    short, full, legal = self.org_name(kind, m, settlement, counters, college_names)
                    founder = ('Министерство образования Сахалинской области' if kind == 'college'
                               else f'Администрация {m.gen}')
                    org = self.organisation(kind, m, settlement, m.body.id, short, full, legal, founder,
                                            completeness=rng.uniform(0.45, 1.0))
                    org.weight = rng.uniform(0.6, 1.4) * (2.0 if settlement is m.settlements[0] else 0.6)
                    {'school': m.schools, 'kindergarten': m.kindergartens, 'odo': m.odos,
                     'college': m.colleges}[kind].append(org)
        self.second_odo = home.odos[1]

        # Staff of every organisation, and the demo staff.
        for org in self.orgs:
            self.setup_staff(org)
        # Programs, объединения, classes, groups.
        for m in munis:
            for org in m.odos:
                self.setup_programs(org)
            for org in m.schools:
                for grade in range(1, 12):
                    org.slots[('class', grade)] = self.slot(org, 'class', grade)
            for org in m.kindergartens:
                for k in range(4):
                    org.slots[('group', k)] = self.slot(org, 'group', k)
            for org in m.colleges:
                for course in range(1, 5):
                    org.slots[('group', course)] = self.slot(org, 'group', course)
            m.school_pick = Pick([(o, o.weight) for o in m.schools]) if m.schools else None
            m.kg_pick = Pick([(o, o.weight) for o in m.kindergartens]) if m.kindergartens else None
            m.odo_by_age = {age: [p for o in m.odos for p in o.programs if p.age_from <= age <= p.age_to]
                            for age in range(0, 20)}
        self.odo_by_age = {age: [p for m in munis for o in m.odos for p in o.programs
                                 if p.age_from <= age <= p.age_to] for age in range(0, 20)}
        eligible = [m for m in munis if m.schools and m.kindergartens]
        self.muni_pick = Pick([(m, m.weight) for m in eligible])
        self.setup_orders(eligible)
        self.flush()

    def organisation(self, kind, muni, settlement, authority, short, full, legal, founder,
                     completeness, staff_completeness=None):
        rng = self.rng
        p = completeness
        full_card = p >= 0.999
        oid = self.new_id(Organisation)
        year_id = self.new_id(SchoolYear)
        slug = f'{ {"school": "school", "kindergarten": "ds", "odo": "dod", "college": "spo"}.get(kind, "uo")}{oid}'
        phone_code = muni.phone
        org = _Org(id=oid, kind=kind, muni=muni, settlement=settlement, year_id=year_id,
                   short_name=short, weight=1.0, completeness=p,
                   staff_completeness=staff_completeness if staff_completeness is not None
                   else staff_level(rng),
                   email_slug=(slug, phone_code))
        address = f'{settlement[4]}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 120)}'
        post = f'{int(muni.post) + rng.randint(0, 9):06d}'

        def maybe(value):
            return value if full_card or rng.random() < p else None

        inn9 = f'65{rng.randint(0, 9999999):07d}'
        ogrn12 = f'1{rng.randint(2, 23):02d}65{rng.randint(0, 99):02d}{rng.randint(0, 99999):05d}'
        # Director and deputies are named on the card once the staff exists (setup_staff).
        card = dict(
            legal_form=maybe(legal) or '', founders=maybe(founder) or '',
            legal_address=maybe(f'{post}, Сахалинская обл, {address}') or '',
            actual_address=maybe(f'{post}, Сахалинская обл, {address}') or '',
            phone=normalise_phone(maybe(f'+7 ({phone_code}) ' + (
                f'{rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}' if len(phone_code) == 4 else
                f'{rng.randint(2, 6)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}')) or '') or '',
            email=maybe(f'{slug}@edu65.ru') or '',
            website=maybe(f'https://{slug}.edu65.ru') or '',
            inn=maybe(inn9 + _inn_check(inn9)) or '',
            kpp=maybe(f'{inn9[:4]}01001') or '',
            ogrn=maybe(ogrn12 + str(int(ogrn12) % 11 % 10)) or '',
            okpo=with_okpo_check(maybe(f'{rng.randint(10**7, 10**8 - 1)}') or ''),
            capacity=maybe(rng.choice((80, 120, 240, 400, 600, 850, 1100))),
            accessibility=maybe(rng.choice((
                'Пандус, кнопка вызова персонала, тактильные таблички',
                'Доступно частично: пандус на входе', 'Доступно условно',
                'Пандус, расширенные дверные проёмы, санитарная комната для маломобильных граждан'))) or '',
            internet=maybe(rng.choice(('Ростелеком', 'Сахалин Телеком', 'МТС'))) or '',  # the provider
        )
        if kind in models.EDUCATIONAL_KINDS:
            number = maybe(f'Л035-01254-65/{rng.randint(10**7, 10**8 - 1)}')
            card['licence_number'] = number or ''
            card['licence_date'] = (self.today - datetime.timedelta(days=rng.randint(400, 4000))) if number else None
        self.add(Organisation, id=oid, region=self.region_id, municipality=muni.id,
                 settlement=settlement[0], authority=authority, kind=kind,
                 short_name=short, full_name=full, name_key=name_key(short),
                 movement_period_start=self.starts_on, movement_period_end=self.ends_on, **card)
        self.add(SchoolYear, id=year_id, organisation=oid, start_year=self.start_year,
                 state=SchoolYear.CURRENT, starts_on=self.starts_on, ends_on=self.ends_on)
        self.orgs.append(org)
        return org

    def org_name(self, kind, muni, settlement, counters, college_names):
        rng = self.rng
        place = settlement[2]
        town = settlement is muni.settlements[0]
        if kind == 'school':
            n = counters['school'] = counters.get('school', 0) + 1
            r = rng.random()
            if town and n > 1 and r < 0.12:
                return (f'МАОУ Гимназия № {n} {place}',
                        f'Муниципальное автономное общеобразовательное учреждение гимназия № {n} {place}',
                        'Муниципальное автономное учреждение')
            if town and n > 1 and r < 0.2:
                return (f'МАОУ Лицей № {n} {place}',
                        f'Муниципальное автономное общеобразовательное учреждение лицей № {n} {place}',
                        'Муниципальное автономное учреждение')
            return (f'МБОУ СОШ № {n} {place}',
                    f'Муниципальное бюджетное общеобразовательное учреждение средняя '
                    f'общеобразовательная школа № {n} {place}', 'Муниципальное бюджетное учреждение')
        if kind == 'kindergarten':
            n = counters['kg'] = counters.get('kg', 0) + 1
            title = KINDERGARTEN_NAMES[(n * 7 + muni.index) % len(KINDERGARTEN_NAMES)]
            return (f'МБДОУ Детский сад № {n} «{title}» {place}',
                    f'Муниципальное бюджетное дошкольное образовательное учреждение детский сад № {n} '
                    f'«{title}» {place}', 'Муниципальное бюджетное учреждение')
        if kind == 'odo':
            n = counters['odo'] = counters.get('odo', 0) + 1
            stem, _ = ODO_TYPES[(n - 1) % len(ODO_TYPES)]
            suffix = f' № {(n - 1) // len(ODO_TYPES) + 1}' if n > len(ODO_TYPES) else ''
            autonomous = rng.random() < 0.3
            return (f'{"МАУДО" if autonomous else "МБУДО"} {stem}{suffix} {place}',
                    f'Муниципальное {"автономное" if autonomous else "бюджетное"} учреждение '
                    f'дополнительного образования {stem}{suffix} {place}',
                    f'Муниципальное {"автономное" if autonomous else "бюджетное"} учреждение')
        n = counters['college'] = counters.get('college', 0) + 1
        title = college_names.pop(0) if college_names else f'Сахалинский политехнический центр № {n} {place}'
        return (f'ГБПОУ {title}',
                f'Государственное бюджетное профессиональное образовательное учреждение «{title}»',
                'Государственное бюджетное учреждение')

    def patch_org(self, org, values):
        """Set card fields of an organisation still in the buffer."""
        fields = self.generic_fields[Organisation]
        rows = self.buffers[Organisation]
        for i, row in enumerate(rows):
            if row[0] == org.id:
                row = list(row)
                for n, field in enumerate(fields):
                    if field.name in values:
                        row[n] = values[field.name]
                rows[i] = tuple(row)
                return

    def setup_programs(self, org):
        rng = self.rng
        home = org is self.home_odo
        if home:
            chosen = [(focus, entry) for focus, entries in PROGRAM_CATALOG.items() for entry in entries
                      if entry[0] in HOME_ODO_PROGRAMS]
        else:
            favoured = ODO_TYPES[0][1]
            for stem, focus in ODO_TYPES:
                if stem in org.short_name:
                    favoured = focus
            pool = [(focus, entry) for focus, entries in PROGRAM_CATALOG.items() for entry in entries]
            weights = [6 if focus == favoured else 1 for focus, _ in pool]
            wanted = rng.randint(4, 15)
            chosen = []
            while len(chosen) < wanted:
                item = rng.choices(pool, weights)[0]
                if item not in chosen:
                    chosen.append(item)
        teacher_eid = self.demo.get('odo-teacher-employment') if home else None
        for focus, (name, short, duration, age_from, age_to, hours) in chosen:
            prog = _Prog()
            prog.id = self.add(Program, organisation=org.id, focus=focus, name=name, duration_years=duration,
                               age_from=age_from, age_to=age_to, hours_per_week=hours,
                               hours_per_year=hours * 36,
                               description=(f'Дополнительная общеобразовательная общеразвивающая программа '
                                            f'{models.PROGRAM_FOCUSES[focus].lower()} направленности «{name}»'),
                               archived=False, created_at=self.created_at)
            prog.org, prog.name, prog.short, prog.duration = org, name, short, duration
            prog.age_from, prog.age_to = age_from, age_to
            prog.slots = []
            for sy in range(1, duration + 1):
                teacher = teacher_eid if (home and name in HOME_TEACHER_PROGRAMS) else None
                prog.slots.append(self.slot(org, 'association', sy, program=prog, teacher=teacher))
            org.programs.append(prog)
        if not home and rng.random() < 0.3:  # an archived program, no объединения
            focus, (name, short, duration, age_from, age_to, hours) = rng.choice(
                [(f, e) for f, es in PROGRAM_CATALOG.items() for e in es])
            if name not in [p.name for p in org.programs]:
                self.add(Program, organisation=org.id, focus=focus, name=name, duration_years=duration,
                         age_from=age_from, age_to=age_to, hours_per_week=hours, hours_per_year=hours * 36,
                         archived=True, created_at=self.created_at)

    def slot(self, org, kind, key, program=None, teacher=None):
        slot = _Slot()
        slot.org, slot.kind, slot.key, slot.program = org, kind, key, program
        slot.index = -1
        self.open_association(slot, teacher)
        return slot

    def open_association(self, slot, teacher=None):
        rng = self.rng
        org = slot.org
        slot.index += 1
        i = slot.index
        n = len(LOWER_LETTERS)
        if slot.kind == 'association':
            sy = slot.key
            letter = LOWER_LETTERS[i % n] + (str(i // n + 1) if i >= n else '')
            name, study_year, grade = f'{sy}{letter} {slot.program.short}', sy, None
            cap = rng.randint(12, 25)
        elif slot.kind == 'class':
            grade = slot.key
            letter = UPPER_LETTERS[i % n] + (str(i // n + 1) if i >= n else '')
            name, study_year = f'{grade}{letter}', 1
            cap = rng.randint(20, 25)
        elif org.kind == 'kindergarten':
            k = slot.key
            names = KINDERGARTEN_NAMES
            j = (i + k * 7) % len(names)
            name = f'{KG_AGE_LABELS[k]} группа «{names[j]}»' + (f' {i // len(names) + 1}' if i >= len(names) else '')
            study_year, grade, cap = 1, None, rng.randint(18, 25)
        else:  # college group: speciality, course, number
            course = slot.key
            m = len(COLLEGE_SPECIALITIES)
            name = f'{COLLEGE_SPECIALITIES[i % m]}-{course}{i // m + 1}'
            study_year, grade, cap = course, None, rng.randint(20, 25)
        if teacher is None:
            teacher = self.teacher_for(org, slot)
        aid = self.new_id(Association)
        self.buffers[Association].append((
            aid, org.id, org.year_id, slot.program.id if slot.program else None, slot.kind, name,
            study_year, grade, teacher, cap, 1, None))
        slot.assoc_id, slot.count, slot.cap = aid, 0, cap

    def setup_orders(self, eligible):
        """Committed orders of every ОДО, numbered in date order; lines are added later."""
        rng = self.rng
        total_weight = sum(m.weight for m in eligible)
        span = (self.today - self.starts_on).days
        enrol_days = min(14, span // 3)
        leave_from = self.starts_on + datetime.timedelta(days=enrol_days + 1)
        leave_days = max(0, (self.today - leave_from).days)
        for m in self.munis:
            if not m.odos:
                continue
            kids = self.children_total * m.weight / total_weight if m in eligible else 1
            per_odo = kids * 0.83 / len(m.odos)
            for org in m.odos:
                n_enrol = min(250, max(2, round(per_odo / 40)))
                n_leave = min(80, max(1, round(per_odo * 0.06 / 15)))
                n_grad = min(10, max(1, round(per_odo * 0.02 / 15)))
                number = 0
                for j in range(n_enrol):
                    number += 1
                    day = self.starts_on + datetime.timedelta(days=j * (enrol_days + 1) // n_enrol)
                    org.enrol_orders.append((self.order(org, Order.ENROLMENT, number, day), day.isoformat()))
                kinds = [Order.WITHDRAWAL] * n_leave + [Order.GRADUATION] * n_grad
                rng.shuffle(kinds)
                for j, kind in enumerate(kinds):
                    number += 1
                    day = leave_from + datetime.timedelta(days=j * (leave_days + 1) // len(kinds))
                    target = org.withdraw_orders if kind == Order.WITHDRAWAL else org.grad_orders
                    target.append((self.order(org, kind, number, day), day.isoformat()))

    def order(self, org, kind, number, day):
        oid = self.new_id(Order)
        self.buffers[Order].append((
            oid, org.id, org.year_id, kind, f'{number}-у', day.isoformat(), day.isoformat(), Order.COMMITTED,
            None, convert(self.stored(day, 10)), convert(self.stored(day, 15)), 1, ORDER_BASES.get(kind, ''), ''))
        return oid


ORDER_BASES = {
    Order.ENROLMENT: 'заявления родителей (законных представителей)',
    Order.WITHDRAWAL: 'заявления родителей (законных представителей)',
    Order.GRADUATION: 'освоение дополнительной общеобразовательной программы в полном объёме',
}


def with_okpo_check(code):
    """An 8-digit ОКПО whose last digit is its check digit (the demo draws the other seven)."""
    return code[:7] + str(okpo_check_digit(code[:7])) if code else ''


def _inn_check(first9):
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return str(sum(int(d) * w for d, w in zip(first9, weights)) % 11 % 10)


def _nominative(settlement):
    """'Корсаков, г.' → 'г. Корсаков'."""
    base, _, abbr = settlement.rpartition(', ')
    return f'{abbr} {base}' if base else settlement


def _allocate(count, weights, first_min=0, spread=True):
    """Split ``count`` over municipalities: one each when there are enough (if spread),
    the rest by weight (largest remainder); the first gets at least ``first_min``."""
    n = len(weights)
    result = [0] * n
    rest = count
    if first_min:
        result[0] = min(first_min, rest)
        rest -= result[0]
    if spread and rest >= n:
        for i in range(n):
            if result[i] == 0:
                result[i] = 1
                rest -= 1
    total = sum(weights)
    shares = [rest * w / total for w in weights]
    floors = [int(s) for s in shares]
    for i in range(n):
        result[i] += floors[i]
    left = rest - sum(floors)
    order = sorted(range(n), key=lambda i: shares[i] - floors[i], reverse=True)
    for i in order[:left]:
        result[i] += 1
    return result
