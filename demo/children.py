"""The children phase: children streamed in chunks, each with their identity document, their
school, kindergarten or college, their объединения (some already left: the pool of graduates
and departed) and, now and then, a near-duplicate record made with a classic slip."""
import datetime

from demo.catalogue import (
    CERTIFICATE_LETTERS, CERTIFICATE_NUMERALS, DEMO_SNILS, HOME_TEACHER_PROGRAMS, MOVED_TO, STREETS,
    WITHDRAWAL_DESTINATIONS, WITHDRAWAL_REASON,
)
from demo.dates import add_years, age_on
from demo.names import DUPLICATE_VARIANTS, LATIN_LOOKALIKE, typo
from demo.writer import Pipeline
from models import IdentityDocument, Membership, Order, OrderLine, Person
from keys import document_key, name_key

CHUNK = 20000  # children generated and written per transaction


class Children:
    """The loader's children phase (a mixin of the loader)."""

    def run_children(self):
        total = self.children_total
        dup_target = max(5, round(total / 1000)) if total >= 100 else 0
        interval = max(3, total // (dup_target + 1)) if dup_target else 0
        self.birth_lo = add_years(self.today, -19).toordinal() + 1
        self.birth_hi = add_years(self.today, -3).toordinal()
        saved = self.drop_indexes()
        self.pipeline = Pipeline(self)
        try:
            self.stream_children(total, dup_target, interval)
            pipeline, self.pipeline = self.pipeline, None
            pipeline.close()
        except BaseException:
            if self.pipeline is not None:
                self.pipeline.abort()
                self.pipeline = None
            try:
                self.create_indexes(saved)
            except Exception:
                pass  # the original error matters more
            raise
        self.create_indexes(saved)

    def stream_children(self, total, dup_target, interval):
        done = 0
        want_duplicate = False
        self.report(0, total, 'дети')
        while done < total:
            end = min(total, done + CHUNK)
            while done < end:
                if done == 0:
                    self.child(forced='child-13')
                    done += 1
                    continue
                if done == 1:
                    self.child(forced='child-15')
                    done += 1
                    continue
                if dup_target and self.duplicates < dup_target and done % interval == interval - 1:
                    want_duplicate = True
                if want_duplicate and done + 1 < total:
                    variant = DUPLICATE_VARIANTS[self.duplicates % len(DUPLICATE_VARIANTS)]
                    made = self.child(duplicate=variant)
                    want_duplicate = made < 2  # nowhere to put the copy: try with the next child
                    done += made
                else:
                    self.child()
                    done += 1
            self.flush()
            self.report(done, total, 'дети')

    def identity(self, gender=None):
        rng = self.rng
        names = self.names
        gender = gender or ('M' if rng.random() < 0.512 else 'F')
        pair = names.surnames(rng)
        if gender == 'M':
            surname, name = pair[0], names.boys(rng)
        else:
            surname, name = pair[1], names.girls(rng)
        if rng.random() < 0.012:
            patronymic, no_patronymic = '', 1
        else:
            patronymic, no_patronymic = names.patronymics(rng)[0 if gender == 'M' else 1], 0
        birth = datetime.date.fromordinal(rng.randint(self.birth_lo, self.birth_hi))
        return [surname, name, patronymic, no_patronymic, birth, gender]

    def document(self, pid, birth, muni):
        """The child's current identity document: a birth certificate, or a passport from 14."""
        rng = self.rng
        today = self.today
        if age_on(birth, today) >= 14:
            issued = min(add_years(birth, 14) + datetime.timedelta(days=rng.randint(0, 60)), today)
            series = f'64{issued.year % 100:02d}'
            number = self.doc_number(series)
            issued_by = ('УМВД России по Сахалинской области' if issued.year >= 2017
                         else f'Отделом УФМС России по Сахалинской обл. по {muni.dat}')
            return (self.new_id(IdentityDocument), pid, 'passport_rf', '', series, number,
                    document_key(series, number), issued.isoformat(), issued_by, muni.division, '', 1)
        issued = min(birth + datetime.timedelta(days=rng.randint(3, 45)), today)
        series = f'{CERTIFICATE_NUMERALS(rng)}-{CERTIFICATE_LETTERS(rng)}'
        number = self.doc_number(series)
        if birth.year >= 2018:
            self.civil_counter += 1
            civil = f'1{birth.year:04d}65{muni.index + 1:03d}{self.civil_counter % 100_000_000:08d}'
        else:
            civil = str(rng.randint(1, 2999))
        return (self.new_id(IdentityDocument), pid, 'birth_certificate_rf', '', series, number,
                document_key(series, number), issued.isoformat(), muni.zags, '', civil, 1)

    def main_place(self, muni, birth):
        """The class or group a child attends in their municipality."""
        rng = self.rng
        grade = self.start_year - birth.year - 6
        if grade <= 0:
            org = muni.kg_pick(rng)
            return org, org.slots[('group', min(3, max(0, grade + 3)))]
        if grade >= 10 and muni.colleges and (grade >= 12 or rng.random() < 0.2):
            org = muni.colleges[rng.randrange(len(muni.colleges))]
            return org, org.slots[('group', min(4, max(1, grade - 9)))]
        org = muni.school_pick(rng)
        return org, org.slots[('class', min(11, grade))]

    def take_seat(self, slot):
        if slot.count >= slot.cap:
            self.open_association(slot)
        slot.count += 1
        return slot.assoc_id

    def enrol(self, pid, prog, sy, used_orders, close=None):
        """An enrolment line and membership in an объединение; close=(kind, reason, destination)."""
        rng = self.rng
        org = prog.org
        slot = prog.slots[sy - 1]
        if close is None:
            aid = self.take_seat(slot)
        else:
            aid = slot.assoc_id
        orders = org.enrol_orders
        k = rng.randrange(len(orders))
        if orders[k][0] in used_orders:
            k = (k + 1) % len(orders)
        order_id, day = orders[k]
        used_orders.add(order_id)
        line = self.new_id(OrderLine)
        self.buffers[OrderLine].append((line, order_id, pid, None, aid, day, '', '', False))
        ended_on, end_line, end_kind, end_reason, destination = None, None, '', '', ''
        if close is not None:
            end_kind, end_reason, destination = close
            leave = org.grad_orders if end_kind == Order.GRADUATION else org.withdraw_orders
            leave_id, ended_on = leave[rng.randrange(len(leave))]
            end_line = self.new_id(OrderLine)
            self.buffers[OrderLine].append((end_line, leave_id, pid, aid, None, ended_on, end_reason,
                                            destination, False))
        self.buffers[Membership].append((self.new_id(Membership), pid, aid, org.id, day, ended_on, line,
                                         end_line, end_kind, end_reason, destination, '', ''))
        return org

    def leave_reason(self, prog, sy, muni):
        rng = self.rng
        if sy == prog.duration and rng.random() < 0.5:
            return Order.GRADUATION, '', ''
        reason = WITHDRAWAL_REASON(rng)
        if reason == 'moved':
            destination = f'Переезд: {rng.choice(MOVED_TO)}'
        elif reason == 'other_organisation':
            others = [o for o in muni.odos if o is not prog.org] or [o for m in self.munis for o in m.odos
                                                                      if o is not prog.org]
            destination = rng.choice(others).short_name
        else:
            destination = rng.choice(WITHDRAWAL_DESTINATIONS[reason])
        return Order.WITHDRAWAL, reason, destination

    def child(self, forced=None, duplicate=None):
        """One child (and, for a duplicate slot, their near-duplicate record); returns rows made."""
        rng = self.rng
        today = self.today
        if forced == 'child-13':
            ident = ['Соколов', 'Артём', 'Игоревич', 0,
                     add_years(today, -13) - datetime.timedelta(days=100), 'M']
            muni = self.munis[0]
        elif forced == 'child-15':
            ident = ['Петрова', 'Алина', 'Андреевна', 0,
                     add_years(today, -15) - datetime.timedelta(days=200), 'F']
            muni = self.munis[0]
        else:
            ident = self.identity()
            muni = self.muni_pick(rng)
        if duplicate:
            ident = self.prepare_original(ident, duplicate)
        surname, name, patronymic, no_patronymic, birth, gender = ident
        if forced:
            snils = DEMO_SNILS[forced]
        else:
            snils = self.snils() if rng.random() < 0.93 else None
        org, slot = self.main_place(muni, birth)
        address = ''
        if rng.random() < 0.5:
            settlement = org.settlement
            address = f'{settlement[4]}, ул. {rng.choice(STREETS)}, д. {rng.randint(1, 90)}'
            if settlement is muni.settlements[0]:
                address += f', кв. {rng.randint(1, 120)}'
        pid = self.new_id(Person)
        birth_iso = birth.isoformat()
        self.buffers[Person].append(self.person_row(pid, surname, name, patronymic, no_patronymic,
                                                    birth_iso, gender, snils, address=address))
        doc = self.document(pid, birth, muni)
        self.buffers[IdentityDocument].append(doc)
        started = self.starts_on if rng.random() < 0.92 else datetime.date.fromordinal(
            rng.randint(self.starts_on.toordinal(), max(self.starts_on, today).toordinal()))
        aid = self.take_seat(slot)
        self.buffers[Membership].append((self.new_id(Membership), pid, aid, org.id, started.isoformat(),
                                         None, None, None, '', '', '', '', ''))
        orgs = {org.id}
        age = age_on(birth, today)
        used = set()
        if forced:
            home = self.home_odo
            program = HOME_TEACHER_PROGRAMS[0] if forced == 'child-13' else HOME_TEACHER_PROGRAMS[1]
            prog = next(p for p in home.programs if p.name == program)
            self.enrol(pid, prog, 1, used)
            self.demo[forced] = pid
            return 1
        r = rng.random()
        candidates = muni.odo_by_age.get(age) or ()
        if candidates and r < 0.05:
            prog = candidates[rng.randrange(len(candidates))]
            sy = rng.randint(1, max(1, min(prog.duration, age - prog.age_from + 1)))
            orgs.add(self.enrol(pid, prog, sy, used, close=self.leave_reason(prog, sy, muni)).id)
            self.pool += 1
        elif candidates and r < 0.65:
            taken = set()
            for _ in range(2 if rng.random() < 0.3 else 1):
                prog = candidates[rng.randrange(len(candidates))]
                if prog in taken:
                    continue
                taken.add(prog)
                sy = rng.randint(1, max(1, min(prog.duration, age - prog.age_from + 1)))
                orgs.add(self.enrol(pid, prog, sy, used).id)
        if not duplicate:
            return 1
        return 1 + self.near_duplicate(ident, duplicate, snils, doc, muni, orgs)

    def prepare_original(self, ident, variant):
        """Make the original fit the variant (a ё to lose, a day ≤ 12, a patronymic)."""
        rng = self.rng
        surname, name, patronymic, no_patronymic, birth, gender = ident
        if variant == 'yo' and 'ё' not in (surname + name + patronymic):
            ident[1] = rng.choice(('Артём', 'Семён', 'Фёдор')) if gender == 'M' else 'Алёна'
        elif variant == 'swap_day_month' and (birth.day > 12 or birth.day == birth.month):
            day = rng.choice([d for d in range(1, 13) if d != birth.month])
            new = birth.replace(day=day)
            if age_on(new, self.today) > 18:
                new = add_years(new, 1)
            elif age_on(new, self.today) < 3:
                new = add_years(new, -1)
            ident[4] = new
        elif variant == 'no_patronymic' and not patronymic:
            ident[2] = self.names.patronymics(rng)[0 if gender == 'M' else 1]
            ident[3] = 0
        return ident

    def near_duplicate(self, ident, variant, snils, doc, muni, orgs):
        """The same child entered again in another organisation, with a classic slip.

        Returns the number of Person rows made (0 when there is nowhere else to put them).
        """
        rng = self.rng
        surname, name, patronymic, no_patronymic, birth, gender = ident
        if variant == 'yo':
            surname, name, patronymic = (s.replace('ё', 'е') for s in (surname, name, patronymic))
        elif variant == 'typo':
            if len(surname) >= 4:
                surname = typo(rng, surname)
            else:
                name = typo(rng, name)
        elif variant == 'swap_day_month':
            birth = birth.replace(month=birth.day, day=birth.month)
        elif variant == 'no_patronymic':
            patronymic, no_patronymic = '', 0
        elif variant == 'latin':
            positions = [i for i, ch in enumerate(surname) if ch in LATIN_LOOKALIKE and i > 0] or \
                [i for i, ch in enumerate(surname) if ch in LATIN_LOOKALIKE]
            if positions:
                i = rng.choice(positions)
                surname = surname[:i] + LATIN_LOOKALIKE[surname[i]] + surname[i + 1:]
            else:
                i = next((i for i, ch in enumerate(name) if ch in LATIN_LOOKALIKE), 0)
                name = name[:i] + LATIN_LOOKALIKE.get(name[i], name[i]) + name[i + 1:]
        # Where the second record lives: an ОДО the original does not attend, else another
        # school or kindergarten of the municipality.
        dup_age = age_on(birth, self.today)
        candidates = [p for p in (muni.odo_by_age.get(dup_age) or ()) if p.org.id not in orgs] or \
            [p for p in self.odo_by_age.get(dup_age, ()) if p.org.id not in orgs]
        place = None
        if not candidates:
            grade = self.start_year - birth.year - 6
            if grade <= 0:
                options, key = muni.kindergartens, ('group', min(3, max(0, grade + 3)))
            else:
                options, key = muni.schools, ('class', min(11, grade))
            options = [o for o in options if o.id not in orgs] or \
                [o for m in self.munis for o in (m.kindergartens if grade <= 0 else m.schools)
                 if o.id not in orgs]
            if not options:
                return 0
            place = options[rng.randrange(len(options))].slots[key]
        pid = self.new_id(Person)
        key = name_key
        self.buffers[Person].append((
            pid, surname, name, patronymic, no_patronymic, birth.isoformat(), gender,
            snils if rng.random() < 0.3 else None, 'Российская Федерация', '', '', '',
            key(surname), key(name), key(patronymic), 0, self.created_at, 1))
        if variant == 'swap_day_month':
            self.buffers[IdentityDocument].append(self.document(pid, birth, muni))
        elif rng.random() < 0.6:
            self.buffers[IdentityDocument].append((self.new_id(IdentityDocument), pid) + tuple(doc[2:]))
        if candidates:
            prog = candidates[rng.randrange(len(candidates))]
            sy = rng.randint(1, max(1, min(prog.duration, dup_age - prog.age_from + 1)))
            self.enrol(pid, prog, sy, set())
        else:
            aid = self.take_seat(place)
            self.buffers[Membership].append((self.new_id(Membership), pid, aid, place.org.id,
                                             self.starts_on.isoformat(), None, None, None, '', '', '', '', ''))
        self.duplicates += 1
        return 1
