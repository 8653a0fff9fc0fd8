"""A real SMTP server for the end-to-end tests: aiosmtpd on a free loopback port. Each message received is
saved in the directory given as <n>.json ({"to", "subject", "message_id", "text", "html"}, decoded the way a
mail client would) beside the raw <n>.eml. Prints the port once it listens, then serves until killed.

    .venv-mail/bin/python end2end/mail/smtp_sink.py <directory>
"""

import email
import email.policy
import itertools
import json
import pathlib
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Save:
    def __init__(self, directory: pathlib.Path):
        self.directory = directory
        self.count = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        n = next(self.count)
        (self.directory / f"{n:04d}.eml").write_bytes(raw)
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        # Written under another name first, so that a reader never sees half a file.
        part = self.directory / f"{n:04d}.part"
        part.write_text(json.dumps(record))
        part.rename(self.directory / f"{n:04d}.json")
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    directory = pathlib.Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    controller = Controller(Save(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
