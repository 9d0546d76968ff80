"""QR strings and pairing codes in WhatsApp Web's formats."""

from __future__ import annotations

import base64
import dataclasses
import re
import secrets

from simulator.errors import BadInput

DEVICE_PLATFORM = "1"  # WAWebCompanionRegClientUtils.DEVICE_PLATFORM, the QR's last field
QR_PARTS = 5
PAIRING_CODE_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTVWXYZ"  # no 0/O, I: read aloud and typed on a phone
PAIRING_CODE_LENGTH = 8
PHONE_RE = re.compile(r"[1-9][0-9]{6,14}")  # E.164 digits without "+"


@dataclasses.dataclass(frozen=True, kw_only=True)
class PageKeys:
    """What a fresh browser profile generates once: the base64 public keys and the ADV secret (32 bytes)."""

    noise: str
    identity: str
    adv_secret: str

    @classmethod
    def generate(cls) -> PageKeys:
        return cls(noise=_b64_random(32), identity=_b64_random(32), adv_secret=_b64_random(32))

    def as_json(self) -> dict[str, str]:
        return {"noise": self.noise, "identity": self.identity, "adv_secret": self.adv_secret}


def _b64_random(size: int) -> str:
    return base64.b64encode(secrets.token_bytes(size)).decode()


def new_ref() -> str:
    """A server ref as the real site shows them: ``2@`` and base64 of random bytes."""
    return "2@" + base64.b64encode(secrets.token_bytes(48)).decode()


def qr_string(*, ref: str, keys: PageKeys) -> str:
    return ",".join((ref, keys.noise, keys.identity, keys.adv_secret, DEVICE_PLATFORM))


def looks_like_qr(qr: str) -> bool:
    parts = qr.split(",")
    return len(parts) == QR_PARTS and all(parts) and parts[0].startswith("2@")


def new_pairing_code() -> str:
    return "".join(secrets.choice(PAIRING_CODE_ALPHABET) for _ in range(PAIRING_CODE_LENGTH))


def normalize_pairing_code(code: str) -> str:
    """As a phone accepts it: case-insensitive, dashes and spaces ignored (the page shows ``ABCD-1234``)."""
    return re.sub(r"[\s-]", "", code).upper()


def phone_number_checked(value: object) -> str:
    """``value`` if it is a phone number as the phone API takes it (E.164 digits without '+'); BadInput if not."""
    if not isinstance(value, str) or not PHONE_RE.fullmatch(value):
        raise BadInput("phone_number must be digits in E.164 without '+', for example 5511999990000")
    return value
