"""The staff phase: every organisation's director, deputies and other staff with their
employments, portfolios and (password-less) users, the demo staff among them."""
import datetime

import models
from demo.catalogue import DEMO_SNILS, EDUCATIONS, PORTFOLIO, PORTFOLIO_ISSUERS, SUBJECT_TEACHERS
from demo.dates import age_on
from demo.names import translit
from models import Employment, Person, PortfolioItem


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
        _, director_pid, director = self.staff(org, head)
        self.staff_user(director_pid, org, role_of_head, director)
        deputy_names = []
        for position in deputies:
            _, pid, fio = self.staff(org, position)
            deputy_names.append(fio)
            self.staff_user(pid, org, 'authority_specialist' if org.kind in models.MANAGEMENT_KINDS
                            else 'deputy', fio)
        if org is self.home_odo:
            eid, pid, fio = self.staff(org, 'Заместитель директора', completeness=1.0,
                                       person=('Ковалёва', 'Наталья', 'Викторовна', datetime.date(1981, 4, 12), 'F'),
                                       snils=DEMO_SNILS['odo-admin'])
            self.demo['odo-admin'] = pid
            deputy_names.append(fio)
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
        card = {}
        if org.completeness >= 0.999 or rng.random() < org.completeness:
            card['director'] = director
        if deputy_names and (org.completeness >= 0.999 or rng.random() < org.completeness):
            card['deputies'] = '\n'.join(deputy_names)
        if card:
            self.patch_org(org, card)

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
        if pid is None:
            pid = self.new_id(Person)
            email = ''
            if rng.random() < p * 0.6:
                email = f'{translit(surname)}.{translit(name)[:1]}{pid}@mail.ru'
            self.buffers[Person].append(self.person_row(
                pid, surname, name, patronymic, 0, birth.isoformat(), gender, snils or self.snils(),
                phone=self.phone() if rng.random() < p * 0.7 else '', email=email))
        eid = self.new_id(Employment)
        age = age_on(birth, self.today)
        experience = rng.randint(0, max(0, min(40, age - 21)))
        pedagogical = rng.randint(0, experience)
        started = self.today - datetime.timedelta(days=rng.randint(0, max(1, pedagogical) * 365))
        full = p >= 0.999
        self.buffers[Employment].append((
            eid, pid, org.id, position, started.isoformat() if full or rng.random() < p else None,
            None, rng.choice(EDUCATIONS) if full or rng.random() < p else '',
            rng.choice(('', 'first', 'highest', 'conformity')) if full or rng.random() < p else '',
            experience if full or rng.random() < p else None,
            pedagogical if full or rng.random() < p else None,
            f'+7 ({org.email_slug[1]}) {rng.randint(20, 79)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}'
            if full or rng.random() < p * 0.8 else '',
            f'{org.email_slug[0]}@edu65.ru' if full or rng.random() < p * 0.5 else '', 1))
        if rng.random() < p * 0.7:
            for _ in range(rng.randint(1, 4)):
                kind = rng.choice(tuple(PORTFOLIO))
                hours = rng.choice((16, 24, 36, 72, 108)) if kind in ('course', 'qualification') else None
                issued = self.today - datetime.timedelta(days=rng.randint(30, 5 * 365))
                self.buffers[PortfolioItem].append((
                    self.new_id(PortfolioItem), eid, kind, rng.choice(PORTFOLIO[kind]),
                    issued.isoformat(),
                    rng.choice(PORTFOLIO_ISSUERS) if rng.random() < 0.85 else '', hours,
                    f'65{rng.randint(10**9, 10**10 - 1)}' if hours else ''))
        return eid, pid, f'{surname} {name} {patronymic}'

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
