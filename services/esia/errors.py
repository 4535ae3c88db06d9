"""ЕСИА failures and the Russian sentences users read about them."""
import re

_ESIA_CODE = re.compile(r'ESIA-\d{6}')

RETRY = 'Повторите вход через несколько минут; если ошибка повторится, сообщите её код в техподдержку.'

MESSAGES = {
    'ESIA-007053': ('Госуслуги не приняли подпись запроса Кружка (ESIA-007053). Это ошибка '
                    'настройки системы, а не вашей учётной записи: сообщите код ошибки в техподдержку региона.'),
    'ESIA-007014': ('В запросе Кружка к Госуслугам не хватает обязательного параметра (ESIA-007014). '
                    'Сообщите код ошибки в техподдержку региона.'),
    'ESIA-007004': ('Вы отказались предоставить Кружку данные на Госуслугах. Чтобы войти, начните '
                    'вход заново и разрешите доступ к ФИО, дате рождения и СНИЛС.'),
    'access_denied': ('Вы отказались предоставить Кружку данные на Госуслугах. Чтобы войти, начните '
                      'вход заново и разрешите доступ к ФИО, дате рождения и СНИЛС.'),
    'timeout': 'Госуслуги не ответили вовремя. ' + RETRY,
    'unreachable': 'Не удалось связаться с Госуслугами. ' + RETRY,
    'unavailable': 'Госуслуги временно не работают (ошибка на их стороне). ' + RETRY,
    'bad_token': ('Ответ Госуслуг не прошёл проверку подлинности, вход отклонён. Начните вход заново; '
                  'если это повторится, сообщите в техподдержку.'),
    'invalid_grant': ('Код входа от Госуслуг устарел или уже использован. Начните вход через Госуслуги заново.'),
    'not_configured': ('Вход через Госуслуги ещё не настроен в этой системе. Обратитесь в техподдержку региона.'),
    'signer': ('Кружок не смог подписать запрос к Госуслугам. Сообщите в техподдержку региона: '
               'нужно проверить ключ и сертификат подписи.'),
}


class EsiaError(Exception):
    """``code`` is ЕСИА's code (ESIA-007053…), an OAuth error or one of ours (timeout…);
    ``detail`` is for the log and never holds codes or tokens."""

    def __init__(self, code, detail=''):
        found = _ESIA_CODE.search(detail or '')
        self.code = found.group(0) if found and code not in MESSAGES else code
        self.detail = (detail or '')[:200]
        super().__init__(self.code)

    @property
    def user_message(self):
        return user_message(self.code)


def user_message(code):
    if code in MESSAGES:
        return MESSAGES[code]
    if code and _ESIA_CODE.fullmatch(code):
        return f'Госуслуги отказали во входе (ошибка {code}). ' + RETRY
    return 'Вход через Госуслуги не удался. ' + RETRY


def from_redirect(error, description):
    """The error ЕСИА put into the return address (?error=…&error_description=ESIA-007xxx: …)."""
    found = _ESIA_CODE.search(description or '')
    if found and found.group(0) in MESSAGES:
        return EsiaError(found.group(0))
    if error in MESSAGES:
        return EsiaError(error)
    return EsiaError(found.group(0) if found else (error or 'unknown')[:40])
