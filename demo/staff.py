"""The staff phase: every organisation's director, deputies and other staff with their
employments, portfolios and (password-less) users, the demo staff among them."""
import datetime

import models
from demo.catalogue import DEMO_SNILS, EDUCATIONS, PORTFOLIO, PORTFOLIO_ISSUERS, SUBJECT_TEACHERS
from demo.dates import age_on
from demo.names import translit
from models import Employment, EmploymentEducation, EmploymentPosition, Person, PortfolioItem

# The fields services/staff requires of a card and a portfolio by default, as the demo fills them
# (the position and the СНИЛС, by which staff link their ЕСИА accounts, are always there).
CARD_FIELDS = ('started_on', 'education', 'qualification', 'experience',
               'pedagogical_experience', 'work_phone', 'work_email')
PORTFOLIO_CHECKS = ('recent_course', 'attestation', 'complete_items')
QUALIFICATION, RETRAINING = PortfolioItem.QUALIFICATION, PortfolioItem.RETRAINING
COURSE_KINDS = (PortfolioItem.COURSE, QUALIFICATION, RETRAINING)
COURSE_HOURS, RETRAINING_HOURS = (16, 24, 36, 72, 108), (260, 300, 520)
EXTRA_POSITIONS = {'Методист': 'Педагог дополнительного образования',
                   'Педагог-организатор': 'Педагог дополнительного образования',
                   'Заместитель директора': 'Методист'}


class Staff:
    """The loader's staff phase (a mixin of the loader)."""

    def setup_staff(self, org):
        rng = self.rng
        kind = org.kind
        role_of_head = 'odo_admin'
        if kind == 'regional_body':
            head, deputies, others = 'Министр образования Сахалинской области', ['Заместитель министра'], \
                ['Консультант отдела общего образования', 'Консультант отдела дополнительного образования',
                 'Главный специалист-эксперт']
            role_of_head = 'authority_specialist'
        elif kind == 'municipal_body':
            head, deputies, others = 'Начальник управления образования', ['Заместитель начальника управления'], \
                ['Главный специалист', 'Ведущий специалист'][:rng.randint(1, 2)]
            role_of_head = 'authority_specialist'
        elif kind == 'school':
            head = 'Директор'
            deputies = ['Заместитель директора по учебно-воспитательной работе',
                        'Заместитель директора по воспитательной работе'][:rng.randint(1, 2)]
            others = rng.sample(SUBJECT_TEACHERS, rng.randint(3, 6))
        elif kind == 'kindergarten':
            head, deputies = 'Заведующий', ['Заместитель заведующего по воспитательно-методической работе']
            others = ['Музыкальный руководитель', 'Инструктор по физической культуре'][:rng.randint(1, 2)]
        elif kind == 'odo':
            head, deputies = 'Директор', ['Заместитель директора'] * rng.randint(1, 2)
            others = ['Методист', 'Педагог-организатор']
        else:
            head = 'Директор'
            deputies = ['Заместитель директора по учебной работе', 'Заместитель директора по воспитательной работе']
            others = ['Преподаватель', 'Мастер производственного обучения', 'Преподаватель']
        if org is self.home_odo:
            deputies = deputies[:1]
        director_eid, director_pid, director = self.staff(org, head)
        self.staff_user(director_pid, org, role_of_head, director)
        deputy_eids = []
        for position in deputies:
            eid, pid, fio = self.staff(org, position)
            deputy_eids.append(eid)
            self.staff_user(pid, org, 'authority_specialist' if org.kind in models.MANAGEMENT_KINDS
                            else 'deputy', fio)
        if org is self.home_odo:
            eid, pid, fio = self.staff(org, 'Заместитель директора', completeness=1.0,
                                       person=('Ковалёва', 'Наталья', 'Викторовна', datetime.date(1981, 4, 12), 'F'),
                                       snils=DEMO_SNILS['odo-admin'])
            self.demo['odo-admin'] = pid
            deputy_eids.append(eid)
            # odo-admin also works at the second ОДО, so the switcher has a real place to show.
            self.staff(self.second_odo, 'Методист', completeness=1.0, pid=pid,
                       person=('Ковалёва', 'Наталья', 'Викторовна', datetime.date(1981, 4, 12), 'F'))
            eid, pid, _ = self.staff(org, 'Педагог дополнительного образования', completeness=1.0,
                                     person=('Ким', 'Дмитрий', 'Сергеевич', datetime.date(1990, 11, 3), 'M'),
                                     snils=DEMO_SNILS['odo-teacher'])
            self.demo['odo-teacher'] = pid
            self.demo['odo-teacher-employment'] = eid
        if org.kind == 'municipal_body' and org.muni.index == 0:
            _, pid, _ = self.staff(org, 'Главный специалист отдела дополнительного образования',
                                   completeness=1.0,
                                   person=('Лебедева', 'Ольга', 'Николаевна', datetime.date(1976, 2, 20), 'F'),
                                   snils=DEMO_SNILS['uo-specialist'])
            self.demo['uo-specialist'] = pid
        for position in others:
            _, pid, fio = self.staff(org, position)
            if org.kind in models.MANAGEMENT_KINDS:
                self.staff_user(pid, org, 'authority_specialist', fio)
        # The card names them (demo/cards.py writes the choice once the staff is stored).
        chosen = org.completeness >= 0.999 or rng.random() < org.completeness
        with_deputies = bool(deputy_eids) and (org.completeness >= 0.999 or rng.random() < org.completeness)
        self.card_managers[org.id] = (director_eid if chosen else None, deputy_eids if with_deputies else [])

    def staff_user(self, pid, org, role, fio):
        """A user for a staff member: no password (staff sign in through ЕСИА)."""
        self.staff_users.append((pid, org.id, role, f'{translit(fio.split()[0])}.{pid}'))

    def staff(self, org, position, person=None, completeness=None, snils=None, pid=None):
        """A staff Person and their Employment; returns (employment id, person id, ФИО).

        ``person`` fixes the identity; ``pid`` reuses an existing Person (a second job).
        """
        rng = self.rng
        p = org.staff_completeness if completeness is None else completeness
        if person is None:
            surname, name, patronymic, birth, gender = self.adult()
        else:
            surname, name, patronymic, birth, gender = person
        # The card's fields the region requires by default (services/staff): as many left empty
        # as the organisation's staff completeness says, on average, which ones chosen at random.
        empty = self.left_empty(CARD_FIELDS, p)
        if pid is None:
            pid = self.new_id(Person)
            email = ''
            if rng.random() < p * 0.6:
                email = f'{translit(surname)}.{translit(name)[:1]}{pid}@mail.ru'
            self.buffers[Person].append(self.person_row(
                pid, surname, name, patronymic, 0, birth.isoformat(), gender,
                snils or self.snils(),
                phone=self.phone() if rng.random() < p * 0.7 else '', email=email))
        eid = self.new_id(Employment)
        age = age_on(birth, self.today)
        experience = rng.randint(0, max(0, min(40, age - 21)))
        pedagogical = rng.randint(0, experience)
        started = self.today - datetime.timedelta(days=rng.randint(0, max(1, pedagogical) * 365))
        category, assigned, order = '', None, ''
        if 'qualification' not in empty:
            category = rng.choice(('none', 'conformity', 'first', 'highest'))
            if category != 'none':
                assigned = self.today - datetime.timedelta(days=rng.randint(30, 5 * 365))
                order = f'№ {rng.randint(100, 2999)}-ОД'
        self.buffers[Employment].append((
            eid, pid, org.id, position, None if 'started_on' in empty else started.isoformat(), None,
            category, assigned and assigned.isoformat(), order,
            None if 'experience' in empty else experience,
            None if 'pedagogical_experience' in empty else pedagogical,
            '' if 'work_phone' in empty else
            f'+7 ({org.email_slug[1]}) {rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}',
            '' if 'work_email' in empty else f'{org.email_slug[0]}@edu65.ru', 1))
        level, institution, speciality = rng.choice(EDUCATIONS)
        graduated = birth.year + rng.randint(21, 25)
        # An education without its year is not complete; none at all, sometimes.
        if 'education' not in empty or rng.random() < 0.6:
            self.add(EmploymentEducation, employment=eid, level=level, institution=institution,
                     graduation_year=None if 'education' in empty else graduated, speciality=speciality)
        if position in EXTRA_POSITIONS and rng.random() < 0.15:
            self.add(EmploymentPosition, employment=eid, position=EXTRA_POSITIONS[position])
        self.portfolio(eid, p)
        return eid, pid, f'{surname} {name} {patronymic}'

    def left_empty(self, fields, p):
        """Which of ``fields`` stay empty for completeness ``p``: (1 - p) of them on average."""
        count = min(len(fields), int((1 - p) * len(fields) + self.rng.random()))
        return set(self.rng.sample(fields, count))

    def portfolio(self, eid, p):
        """Portfolio items meeting the default checks (a course of the last 3 years, an
        attestation of the last 5, every item complete) as completeness ``p`` says."""
        rng = self.rng
        empty = self.left_empty(PORTFOLIO_CHECKS, p)
        items = []

        def days_ago(low, high):
            return self.today - datetime.timedelta(days=rng.randint(low, high))
        if 'recent_course' not in empty:
            kind = QUALIFICATION if rng.random() < 0.85 else RETRAINING
            items.append((rng.choice((kind, PortfolioItem.COURSE)) if kind == QUALIFICATION else kind,
                          days_ago(30, 2 * 365)))
        elif rng.random() < 0.5:
            items.append((rng.choice((PortfolioItem.COURSE, QUALIFICATION)), days_ago(4 * 365, 7 * 365)))
        if 'attestation' not in empty:
            items.append((PortfolioItem.ATTESTATION, days_ago(60, 4 * 365)))
        for _ in range(rng.randint(0, 2)):
            items.append((rng.choice((PortfolioItem.AWARD, PortfolioItem.PUBLICATION, PortfolioItem.CONTEST)),
                          days_ago(30, 8 * 365)))
        if 'complete_items' not in empty and not items:
            items.append((PortfolioItem.AWARD, days_ago(30, 8 * 365)))
        spoilt = rng.randrange(len(items)) if items and 'complete_items' in empty else None
        for n, (kind, issued) in enumerate(items):
            hours, started, finished = None, None, None
            if kind in COURSE_KINDS:
                hours = rng.choice(RETRAINING_HOURS if kind == RETRAINING else COURSE_HOURS)
                # About 6 hours a day for courses; retraining runs for months beside the work.
                finished = issued - datetime.timedelta(days=rng.randint(0, 3))
                started = finished - datetime.timedelta(days=hours // 6 if kind != RETRAINING else hours // 2)
            self.buffers[PortfolioItem].append((
                self.new_id(PortfolioItem), eid, kind, rng.choice(PORTFOLIO[kind]), issued.isoformat(),
                '' if n == spoilt else rng.choice(PORTFOLIO_ISSUERS), hours,
                f'65{rng.randint(10**9, 10**10 - 1)}' if hours else '',
                started and started.isoformat(), finished and finished.isoformat(), '', '', None, '', 1))

    def adult(self, gender=None, age_from=23, age_to=64):
        rng = self.rng
        gender = gender or ('F' if rng.random() < 0.8 else 'M')
        pair = self.names.surnames(rng)
        surname = pair[0] if gender == 'M' else pair[1]
        name = (self.names.men if gender == 'M' else self.names.women)(rng)
        patronymic = self.names.patronymics(rng)[0 if gender == 'M' else 1]
        age = rng.randint(age_from, age_to)
        birth = self.today - datetime.timedelta(days=age * 365 + rng.randrange(365))
        return surname, name, patronymic, birth, gender

    def phone(self):
        rng = self.rng
        return (f'+7 ({rng.choice(("914", "924", "962", "984", "999"))}) '
                f'{rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}')

    def teacher_for(self, org, slot):
        """The employment that takes the next объединение (class, group) of an organisation."""
        if org.kind in ('school', 'kindergarten') or org.teacher_left <= 0:
            if org.kind == 'school':
                position = ('Учитель начальных классов' if slot.key <= 4
                            else self.rng.choice(SUBJECT_TEACHERS[:10]))
            else:
                position = {'odo': 'Педагог дополнительного образования', 'kindergarten': 'Воспитатель',
                            'college': 'Преподаватель'}[org.kind]
            org.teacher_id = self.staff(org, position)[0]
            org.teacher_left = {'odo': self.rng.randint(3, 8), 'college': 2}.get(org.kind, 1)
        org.teacher_left -= 1
        return org.teacher_id
