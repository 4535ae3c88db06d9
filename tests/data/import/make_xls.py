"""Writes sample.xls (the legacy Excel format) for the import tests; needs xlwt (not a project dependency).

Run once: `pip install xlwt && python tests/data/import/make_xls.py`; the output is committed.
"""
import datetime
import os

import xlwt

HERE = os.path.dirname(os.path.abspath(__file__))

book = xlwt.Workbook(encoding='utf-8')
sheet = book.add_sheet('Ученики')
for col, label in enumerate(['Объединение', 'Фамилия', 'Имя', 'Отчество', 'Дата рождения', 'Пол']):
    sheet.write_merge(0, 2, col, col, label)
sheet.write_merge(0, 0, 6, 13, 'Документы, уд. личность')
sheet.write_merge(1, 1, 6, 9, 'Паспорт')
sheet.write_merge(1, 1, 10, 13, 'Свидетельство о рождении')
for col, label in enumerate(['Серия', 'Номер', 'Дата выдачи', 'Кем выдан',
                             'Серия', '№ Св-ва', 'Когда выдано', 'Кем выдано'], start=6):
    sheet.write(2, col, label)
sheet.write_merge(0, 2, 14, 14, 'Номер актовой записи')
sheet.write_merge(0, 2, 15, 15, 'СНИЛС')
dates = xlwt.easyxf(num_format_str='DD.MM.YYYY')
sheet.write(3, 0, '1а Бисер')
sheet.write(3, 1, 'ПЕТРОВ')
sheet.write(3, 2, 'Семён')
sheet.write(3, 3, 'Игоревич')
sheet.write(3, 4, datetime.date(2014, 4, 7), dates)
sheet.write(3, 5, 'м')
sheet.write(3, 10, 'IV-ЖС')
sheet.write(3, 11, 654321)
sheet.write(3, 12, '15.04.2014')
sheet.write(3, 13, 'Отдел ЗАГС г. Корсакова')
sheet.write(3, 14, 123)
sheet.write(3, 15, 11223344595)
sheet.write(4, 0, '2б Робототехника')
sheet.write(4, 1, 'Ким')
sheet.write(4, 2, 'Алина')
sheet.write(4, 4, '3.2.13')
sheet.write(4, 5, 'Ж')
sheet.write(4, 6, '64 08')
sheet.write(4, 7, '012345')
sheet.write(4, 8, '2027-02-03')
book.save(os.path.join(HERE, 'sample.xls'))
