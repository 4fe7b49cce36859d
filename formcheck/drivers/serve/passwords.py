"""Coach passwords: scrypt (the standard library's), with a random salt per password.

Stored as ``scrypt$N$r$p$<salt hex>$<hash hex>``; checked with
:func:`hmac.compare_digest`. N = 2^15, r = 8, p = 1 (OWASP's scrypt minimum is 2^17 with
r = 8, p = 1, or an equal cost: 2^15 takes about 0.1 s and 32 MB here; raise
:data:`SCRYPT_N` for a faster machine, old hashes keep their own parameters).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
#: Longest password accepted, characters (scrypt takes any; a bound keeps requests cheap).
MAX_PASSWORD_CHARS = 1024
MIN_PASSWORD_CHARS = 10


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, the same work is done
    against a dummy so that a wrong name takes as long as a wrong password."""
    if len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        scheme, n, r, p, salt_hex, digest_hex = (stored or _DUMMY).split("$")
        if scheme != "scrypt":
            return False
        digest = _scrypt(password, bytes.fromhex(salt_hex), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(digest, bytes.fromhex(digest_hex)) and stored is not None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=256 * 1024 * 1024, dklen=32)


_DUMMY = f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${'00' * 16}${'00' * 32}"
