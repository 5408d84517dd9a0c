"""A deterministic PRNG: SHA-256 in counter mode.

``random.Random`` is not used because its algorithms (seeding, ``shuffle``,
``randbelow``) may change between Python versions, and a form must be
re-drawable years later for an appeal or audit. SHA-256 of
``seed / purpose / counter`` is fixed forever and the same on every platform.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


class HashRNG:
    """An independent random stream for one ``(seed, purpose)`` pair."""

    def __init__(self, seed: int, purpose: str):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError("seed must be an int")
        self._prefix = f"{seed}\x00{purpose}\x00".encode("utf-8")
        self._counter = 0

    def next64(self) -> int:
        """The next uniformly distributed 64-bit integer."""
        block = hashlib.sha256(self._prefix + str(self._counter).encode("ascii")).digest()
        self._counter += 1
        return int.from_bytes(block[:8], "big")

    def randbelow(self, n: int) -> int:
        """A uniform integer in ``0..n-1``, without modulo bias (rejection sampling)."""
        if n <= 0:
            raise ValueError("n must be positive")
        if n > 1 << 64:
            raise ValueError("n too large")
        # Reject the top partial bucket so every residue is equally likely.
        limit = (1 << 64) - ((1 << 64) % n)
        while True:
            x = self.next64()
            if x < limit:
                return x % n

    def shuffle(self, seq: Sequence[T]) -> list[T]:
        """A new list with the elements of ``seq`` in random order (Fisher-Yates)."""
        out = list(seq)
        for i in range(len(out) - 1, 0, -1):
            j = self.randbelow(i + 1)
            out[i], out[j] = out[j], out[i]
        return out

    def sample(self, seq: Sequence[T], k: int) -> list[T]:
        """``k`` distinct elements of ``seq`` in random order (partial Fisher-Yates)."""
        out = list(seq)
        if not 0 <= k <= len(out):
            raise ValueError("sample larger than population")
        for i in range(k):
            j = i + self.randbelow(len(out) - i)
            out[i], out[j] = out[j], out[i]
        return out[:k]
