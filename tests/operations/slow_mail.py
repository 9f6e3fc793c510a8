"""A file email backend that takes its time, so a test can kill a worker mid-send.

For each message it first writes ``sending-<n>`` (a send is under way), then waits
WORKER_TEST_SEND_SECONDS (default 1), then writes the message to ``<n>.eml``, its own
file (Django's file backend puts all messages of one connection in one file). The
``.eml`` appears whole or not at all.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(self.file_path)
        delay = float(os.environ.get("WORKER_TEST_SEND_SECONDS", "1"))
        sent = 0
        for message in email_messages:
            number = len(list(folder.glob("sending-*"))) + 1
            (folder / f"sending-{number}").write_text(", ".join(message.to))
            time.sleep(delay)
            partial = folder / f"{number}.eml.partial"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(folder / f"{number}.eml")
            sent += 1
        return sent
