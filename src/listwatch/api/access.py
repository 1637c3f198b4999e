"""One access rule for every route: the JSON API, the web pages and their forms.

``LISTWATCH_READ_KEYS`` (optional) makes every read need a key; ``LISTWATCH_ADMIN_KEYS`` guards the
admin routes (and is also good for reading). A reader shows a key in the ``X-API-Key`` header or
in the login cookie the web UI sets (``POST /login``: HttpOnly, SameSite=Strict); never in a
query string, where it would end up in logs and browser history. Admin routes take the header
only. Keys are kept as SHA-256 hashes (an entry may already be ``sha256:<hex>``) and compared in
constant time, every key each time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["COOKIE", "Keys"]

COOKIE = "listwatch_key"


def _hashes(env: str) -> tuple[bytes, ...]:
    out = []
    for raw in filter(None, (k.strip() for k in os.environ.get(env, "").split(","))):
        out.append(bytes.fromhex(raw[7:]) if raw.startswith("sha256:") else hashlib.sha256(raw.encode()).digest())
    return tuple(out)


def _matches(given: str | None, hashes: tuple[bytes, ...]) -> bool:
    if not given:
        return False
    h = hashlib.sha256(given.encode()).digest()
    return any([hmac.compare_digest(h, k) for k in hashes])  # a list: every key compared, no early exit


@dataclass(frozen=True)
class Keys:
    read: tuple[bytes, ...]
    admin: tuple[bytes, ...]

    @classmethod
    def from_env(cls) -> Keys:
        return cls(_hashes("LISTWATCH_READ_KEYS"), _hashes("LISTWATCH_ADMIN_KEYS"))

    @property
    def reading_needs_key(self) -> bool:
        return bool(self.read)

    def can_read(self, header: str | None, cookies: Mapping[str, str]) -> bool:
        """True when reading is open, or a read or admin key is in the header or the login cookie."""
        if not self.read:
            return True
        keys = self.read + self.admin
        return _matches(header, keys) or _matches(cookies.get(COOKIE), keys)

    def is_admin(self, header: str | None) -> bool:
        return _matches(header, self.admin)

    def valid(self, key: str) -> bool:
        """A key worth a login cookie (a read or an admin key)."""
        return _matches(key, self.read + self.admin)
