"""``Mailer`` for the local stack: each e-mail is an ``.eml`` file (multipart text + HTML) in a folder."""

from __future__ import annotations

import re
import uuid
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path


class MailboxMailer:
    """Writes ``<mailbox>/<recipient>/<n>-<id>.eml``; open them with any mail client."""

    def __init__(self, mailbox: Path, sender: str = "reports@spothive.local") -> None:
        self._mailbox = mailbox
        self._sender = sender

    def send(self, to: str, subject: str, text: str, html: str) -> str:
        """The path of the written message."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._sender, to, subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = f"<{uuid.uuid4().hex}@spothive.local>"
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        folder = self._mailbox / re.sub(r"[^A-Za-z0-9@._+-]", "_", to)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(list(folder.glob('*.eml'))) + 1:04d}-{uuid.uuid4().hex[:8]}.eml"
        path.write_bytes(bytes(message))
        return str(path)
