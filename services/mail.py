"""Outgoing mail: through SMTP when configured, otherwise into a local outbox folder."""
import os
import smtplib
import uuid
from email.message import EmailMessage

import clock


def send(config, to, subject, body):
    message = EmailMessage()
    message['From'] = config.get('MAIL_FROM', 'noreply@kruzhok.local')
    message['To'] = to
    message['Subject'] = subject
    message.set_content(body)
    host = config.get('SMTP_HOST') or os.environ.get('SMTP_HOST')
    if host:
        with smtplib.SMTP(host, int(os.environ.get('SMTP_PORT', 25)), timeout=10) as smtp:
            smtp.send_message(message)
        return None
    outbox = config['MAIL_OUTBOX']
    os.makedirs(outbox, exist_ok=True)
    stamp = clock.now().strftime('%Y%m%dT%H%M%S')
    path = os.path.join(outbox, f'{stamp}-{uuid.uuid4().hex[:8]}.eml')
    with open(path, 'wb') as fh:
        fh.write(bytes(message))
    return path
