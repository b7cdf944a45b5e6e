"""Sending one message through SMTP (plain, STARTTLS or SSL; AUTH when a user is set).

Errors say whether the message certainly did not go (DeliveryError) or whether the server may have
taken it (DeliveryUncertain: the connection broke after the whole message was handed over). The
delivery log treats the two differently (see delivery/log.py).
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage

from paperfeed.errors import PaperfeedError

Sender = Callable[[EmailMessage], None]


class DeliveryError(PaperfeedError):
    """The message was not delivered to the SMTP server."""


class DeliveryUncertain(DeliveryError):
    """The message was handed over but the server's answer never came: it may have been accepted."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str = "localhost"
    port: int = 25
    tls: str = "starttls"  # none | starttls | ssl
    user: str = ""
    password: str | None = None
    timeout: float = 30.0
    cafile: str = ""

    @property
    def where(self) -> str:
        """host:port for messages."""
        return f"{self.host}:{self.port}"


def _context(cfg: SmtpSettings) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cfg.cafile or None)


def _connect(cfg: SmtpSettings) -> smtplib.SMTP:
    """An open, greeted, secured and authenticated connection; DeliveryError otherwise."""
    try:
        if cfg.tls == "ssl":
            conn: smtplib.SMTP = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout, context=_context(cfg))
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(f"cannot reach SMTP server {cfg.where}: {_reason(e)}") from None
    try:
        conn.ehlo()
        if cfg.tls == "starttls":
            conn.starttls(context=_context(cfg))
            conn.ehlo()
        if cfg.user:
            if cfg.password is None:
                raise DeliveryError(f"smtp.user is set but PAPERFEED_SMTP_PASSWORD is not (server {cfg.where})")
            conn.login(cfg.user, cfg.password)
    except smtplib.SMTPAuthenticationError as e:
        _close(conn)
        raise DeliveryError(f"SMTP login failed for user {cfg.user!r} at {cfg.where}: {_reason(e)}") from None
    except smtplib.SMTPNotSupportedError as e:
        _close(conn)
        raise DeliveryError(f"SMTP server {cfg.where} does not support {cfg.tls!r}/AUTH: {_reason(e)}") from None
    except (OSError, smtplib.SMTPException) as e:
        _close(conn)
        raise DeliveryError(f"SMTP session with {cfg.where} failed: {_reason(e)}") from None
    except DeliveryError:
        _close(conn)
        raise
    return conn


def _close(conn: smtplib.SMTP) -> None:
    try:
        conn.quit()
    except (OSError, smtplib.SMTPException):
        conn.close()


def _reason(e: BaseException) -> str:
    if isinstance(e, smtplib.SMTPResponseException):
        text = e.smtp_error.decode("utf-8", "replace") if isinstance(e.smtp_error, bytes) else str(e.smtp_error)
        return f"{e.smtp_code} {' '.join(text.split())}"
    if isinstance(e, socket.timeout | TimeoutError):
        return "timed out"
    return " ".join(str(e).split()) or type(e).__name__


def _payload(msg: EmailMessage) -> bytes:
    """The message as SMTP DATA: CRLF line ends, leading dots doubled, the end marker added."""
    data = msg.as_bytes(policy=policy.SMTP)
    data = re.sub(rb"(?m)^\.", b"..", data)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _transfer(conn: smtplib.SMTP, msg: EmailMessage, sender: str, recipients: list[str], where: str) -> None:
    """MAIL, RCPT, DATA; only a missing final answer to DATA leaves the outcome uncertain."""
    try:
        code, resp = conn.mail(sender)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, resp, sender)
        for rcpt in recipients:
            code, resp = conn.rcpt(rcpt)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({rcpt: (code, resp)})
        code, resp = conn.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, resp)
        conn.send(_payload(msg))
    except smtplib.SMTPRecipientsRefused as e:
        raise DeliveryError(f"SMTP server {where} refused recipient(s): "
                            + "; ".join(f"{r}: {_reason(smtplib.SMTPResponseException(*v))}"
                                        for r, v in e.recipients.items())) from None
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryError(f"SMTP server {where} did not take the message: {_reason(e)}") from None
    try:
        code, resp = conn.getreply()
    except (OSError, smtplib.SMTPException) as e:
        raise DeliveryUncertain(f"SMTP server {where} did not confirm the message ({_reason(e)}); "
                                "it may have been delivered") from None
    if code != 250:
        raise DeliveryError(f"SMTP server {where} rejected the message: {_reason(smtplib.SMTPDataError(code, resp))}")


def send(msg: EmailMessage, cfg: SmtpSettings) -> None:
    """Send one message to its To address; raises DeliveryError / DeliveryUncertain."""
    conn = _connect(cfg)
    try:
        _transfer(conn, msg, str(msg["From"].addresses[0].addr_spec), [a.addr_spec for a in msg["To"].addresses],
                  cfg.where)
    finally:
        _close(conn)


def smtp_sender(cfg: SmtpSettings) -> Sender:
    """A ``Sender`` bound to these settings."""
    return lambda msg: send(msg, cfg)
