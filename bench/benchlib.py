"""Shared by the bench scripts' Python parts: the results row every comparison appends, and a port of
PatrolIQ's seeded generator (to draw the same samples and fixtures as the Swift code)."""
import os


def record(name, peer, ours, kb, note):
    """One row of bench/out/results.tsv (or $RESULTS), which bench/run prints as one table."""
    f = lambda v: "-" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v))
    with open(os.environ.get("RESULTS", "bench/out/results.tsv"), "a") as fh:
        fh.write(f"{name}\t{f(peer)}\t{f(ours)}\t{f(kb)}\t{note}\n")


M64 = (1 << 64) - 1


class SeededRandom:
    """PatrolIQ's xoshiro256** seeded through SplitMix64: the same numbers for a seed as in Swift."""

    def __init__(self, seed):
        z, s = seed, []
        for _ in range(4):
            z = (z + 0x9E3779B97F4A7C15) & M64
            x = z
            x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
            x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
            s.append(x ^ (x >> 31))
        self.s = s

    def next(self):
        s = self.s
        r = (((s[1] * 5) & M64) << 7 | ((s[1] * 5) & M64) >> 57) & M64
        r = (r * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
        s[3] = ((s[3] << 45) | (s[3] >> 19)) & M64
        return r

    def unit(self):
        return (self.next() >> 11) * 2.0 ** -53

    def below(self, n):
        return (self.next() * n) >> 64
