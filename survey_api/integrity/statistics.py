"""The two statistical checks of a period's figures: a centre whose share of top ratings is improbably high, and a
centre with many ratings and not one low one when its peers make that improbable (docs/integrity.md).

Both compare a centre with the other centres of its province in the same report (leave-one-out, so a large centre
cannot hide in its own average), through a **beta-binomial** model: each centre's true share is drawn from a beta
distribution fitted to its peers by the method of moments, so ordinary differences between centres are not alarms;
when the peers vary no more than chance would make them, it is the plain binomial. A centre is flagged when the
probability of a result at least as extreme is below ``false_alarm_rate ÷ centres tested`` (Bonferroni): the chance
that a report flags any centre when nothing is wrong is then at most ``false_alarm_rate`` (1% by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MIN_PEERS = 3
"""Peers (other centres of the province with enough ratings) needed to fit what is ordinary."""


@dataclass(frozen=True, slots=True)
class Peers:
    """The distribution of a share among a centre's peers: beta(a, b), or binomial(p) when ``a`` is None."""

    p: float
    a: float | None = None
    b: float | None = None


def fit(shares: Sequence[tuple[int, int]]) -> Peers | None:
    """(successes, ratings) of each peer → their distribution (method of moments); None with fewer than
    ``MIN_PEERS`` peers or no ratings."""
    peers = [(k, n) for k, n in shares if n > 0]
    if len(peers) < MIN_PEERS:
        return None
    total = sum(n for _, n in peers)
    p = sum(k for k, _ in peers) / total
    if p <= 0 or p >= 1:
        return Peers(p=p)
    spread = sum((k / n - p) ** 2 for k, n in peers) / (len(peers) - 1)
    inverse = sum(1 / n for _, n in peers) / len(peers)
    rho = (spread - p * (1 - p) * inverse) / (p * (1 - p) * (1 - inverse)) if inverse < 1 else 0.0
    if rho <= 1e-9:  # no more spread than chance: binomial
        return Peers(p=p)
    rho = min(rho, 0.999)
    scale = (1 - rho) / rho
    return Peers(p=p, a=p * scale, b=(1 - p) * scale)


def _log_pmf(k: int, n: int, peers: Peers) -> float:
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    if peers.a is None or peers.b is None:
        if peers.p <= 0:
            return 0.0 if k == 0 else -math.inf
        if peers.p >= 1:
            return 0.0 if k == n else -math.inf
        return log_choose + k * math.log(peers.p) + (n - k) * math.log1p(-peers.p)
    a, b = peers.a, peers.b
    return (
        log_choose
        + math.lgamma(k + a) + math.lgamma(n - k + b) - math.lgamma(n + a + b)
        - math.lgamma(a) - math.lgamma(b) + math.lgamma(a + b)
    )  # fmt: skip


def upper_tail(k: int, n: int, peers: Peers) -> float:
    """P(X ≥ k) for X of ``n`` ratings under ``peers``: summed from k up by the ratio of successive terms, stopping
    once the terms no longer count (they fall after the mode, and k is at or above it when it matters)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    term = math.exp(_log_pmf(k, n, peers))
    total = term
    for j in range(k, n):
        if peers.a is None or peers.b is None:
            if peers.p in (0.0, 1.0):
                break
            ratio = (n - j) / (j + 1) * peers.p / (1 - peers.p)
        else:
            ratio = (n - j) / (j + 1) * (j + peers.a) / (n - j - 1 + peers.b)
        term *= ratio
        total += term
        if term < total * 1e-12 and ratio < 1:
            break
    return min(1.0, total)


def none_of(n: int, peers: Peers) -> float:
    """P(X = 0): not one of ``n`` ratings a success (here: a low one) under ``peers``."""
    return math.exp(_log_pmf(0, n, peers))
