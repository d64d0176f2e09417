"""The roster unit nearest to a name no unit matched, for the reviewer's hint."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

import numpy


def closest(key: str, candidates: Mapping[str, str]) -> str | None:
    """Return the display name of the candidate key most like `key`, or None below 0.6.

    The answer of `difflib.get_close_matches(key, candidates, n=1, cutoff=0.6)`: the highest
    ratio, the greater key among equals. The exact ratio is slow to work out and never above
    the quick upper bound: the candidates are tried from the highest bound down, and once a
    bound falls below the best ratio found, no candidate left can be it.
    """
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(key)
    bounds = []
    for candidate in candidates:
        matcher.set_seq1(candidate)
        if matcher.real_quick_ratio() >= 0.6 and (bound := matcher.quick_ratio()) >= 0.6:
            bounds.append((bound, candidate))
    best: tuple[float, str] | None = None
    for bound, candidate in sorted(bounds, reverse=True):
        if best is not None and bound < best[0]:
            break
        matcher.set_seq1(candidate)
        found = (matcher.ratio(), candidate)
        if found[0] >= 0.6 and (best is None or found > best):
            best = found
    return candidates[best[1]] if best else None


class Nearest:
    """Find the closest of many keys fast: shared trigrams pick a shortlist, difflib decides.

    difflib alone compares the key with every candidate, which is minutes for a national
    roster; trigrams shared by more than a twentieth of the roster tell little and are skipped.
    The shortlist is the candidates sharing the most trigrams with the key; among those
    sharing as many, the first met when the key's trigrams are walked in sorted order, each
    trigram's candidates in roster order (the same on every run, whatever the hash seed).
    """

    SHORTLIST = 25
    MEMO_SIZE = 4096
    COUNTDOWN = 8

    def __init__(self, candidates: Mapping[str, str]) -> None:
        self.candidates = dict(candidates)
        self.memo: dict[str, str | None] = {}
        self.names = list(self.candidates)
        self.common = max(200, len(self.names) // 20)
        chars = sorted(set().union(_padded(""), *self.names))  # the padding's space too
        # Without an index (a small roster, or one whose trigrams cannot be coded in 64 bits:
        # tens of thousands of distinct characters), difflib compares with every candidate.
        self._index = (
            _TrigramIndex(self.names, chars, self.common)
            if len(self.names) > self.SHORTLIST * 4 and _TrigramIndex.fits(self.names, chars)
            else None
        )

    def __call__(self, key: str) -> str | None:
        # Unmatched names repeat (resubmissions). The answers are kept by the index itself, not
        # in a cache on the class, which would keep the last run's index alive after the run.
        if key not in self.memo:
            if len(self.memo) >= self.MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = self._find(key)
        return self.memo[key]

    def _find(self, key: str) -> str | None:
        if self._index is None:
            return closest(key, self.candidates)
        shortlist = [self.names[i] for i in self._shortlist(key)]
        return closest(key, {k: self.candidates[k] for k in shortlist})

    def _shortlist(self, key: str) -> list[int]:
        assert self._index is not None
        postings = self._index.postings(sorted(_trigrams(key)))
        if not postings:
            return []
        size = len(self.names)
        counts = numpy.bincount(numpy.concatenate(postings), minlength=size)
        # The first trigram (in sorted order) that names each candidate.
        first = numpy.full(size, len(postings), dtype=numpy.int32)
        for number in range(len(postings) - 1, -1, -1):
            first[postings[number]] = number
        found = numpy.flatnonzero(counts >= self._least_score(counts))
        scores = counts[found]
        order = numpy.lexsort((found, first[found], -scores))[: self.SHORTLIST]
        return [int(i) for i in found[order]]

    def _least_score(self, counts: numpy.ndarray) -> int:
        """The SHORTLIST-th best score (1 with fewer scoring): no lower one is shortlisted.

        Counting down from the best score usually takes a step or two, and costs less than
        listing every candidate that shares a trigram (thousands); past COUNTDOWN steps the
        scores are spread out, and the SHORTLIST-th is picked among all of them instead.
        """
        least = int(counts.max())
        for _ in range(self.COUNTDOWN):
            if least <= 1 or numpy.count_nonzero(counts >= least) >= self.SHORTLIST:
                return least
            least -= 1
        scores = counts[counts > 0]
        if len(scores) <= self.SHORTLIST:
            return 1
        return int(numpy.partition(scores, len(scores) - self.SHORTLIST)[-self.SHORTLIST])


def _padded(key: str) -> str:
    """The key as its trigrams are taken: two spaces before, one after."""
    return f"  {key} "


def _trigrams(key: str) -> set[str]:
    padded = _padded(key)
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _TrigramIndex:
    """Each telling trigram's candidates (their numbers, in roster order), built with numpy.

    A national roster has millions of trigrams: each is coded as one integer with the number
    of its name, a batch of names at a time, and all are sorted together rather than gathered
    name by name in Python. Characters are numbered in code point order, so codes order as the
    trigrams' texts do, and the candidates of a trigram come in roster order.
    """

    # Names coded at a time: arrays of a few MB, whose memory the next batch uses again.
    BATCH = 4096

    def __init__(self, names: list[str], chars: list[str], common: int) -> None:
        self.chars = {char: rank for rank, char in enumerate(chars)}
        self.base = len(chars)
        ranks = numpy.zeros(ord(chars[-1]) + 1, dtype=numpy.int64)
        ranks[list(map(ord, chars))] = numpy.arange(len(chars))
        count = len(names)
        batches = [self._pairs(names, start, ranks) for start in range(0, count, self.BATCH)]
        pairs = numpy.concatenate(batches)
        del batches
        pairs.sort()
        # Arrays as long as the pairs (tens of MB) are made as few times as can be: on a VM,
        # handing out fresh memory costs more than the work done in it.
        codes = pairs // count
        first = numpy.concatenate(([0], numpy.flatnonzero(codes[1:] != codes[:-1]) + 1))
        sizes = numpy.diff(first, append=len(codes))
        telling = sizes <= common  # trigrams in more names than that tell little
        self.grams = codes[first[telling]]
        self.bounds = numpy.concatenate(([0], numpy.cumsum(sizes[telling])))
        codes *= count
        pairs -= codes  # each pair's name number, worked out in place
        del codes
        self.owners = pairs.astype(numpy.int32)[numpy.repeat(telling, sizes)]

    @staticmethod
    def fits(names: list[str], chars: list[str]) -> bool:
        """Tell whether every (trigram, name) pair codes as one 64-bit integer."""
        return 0 < len(chars) ** 3 * len(names) < 2**63

    def _pairs(self, names: list[str], start: int, ranks: numpy.ndarray) -> numpy.ndarray:
        """The trigrams of BATCH names from `start`, once a name: code * names + name number."""
        part = list(map(_padded, names[start : start + self.BATCH]))
        text = "".join(part)
        ranked = ranks[numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)]
        codes = (ranked[:-2] * self.base + ranked[1:-1]) * self.base + ranked[2:]
        lengths = numpy.fromiter(map(len, part), dtype=numpy.int64, count=len(part))
        owners = numpy.repeat(numpy.arange(start, start + len(part)), lengths)[:-2]
        # A trigram starts anywhere but in the last two characters of its padded name.
        starts = numpy.ones(len(codes), dtype=bool)
        ends = numpy.cumsum(lengths)[:-1]
        starts[ends - 1] = starts[ends - 2] = False
        pairs = codes[starts] * len(names) + owners[starts]
        pairs.sort()
        once: numpy.ndarray = pairs[numpy.diff(pairs, prepend=-1) != 0]  # twice in a name: once
        return once

    def code(self, gram: str) -> int | None:
        """The trigram's code, None when one of its characters is in no name."""
        a, b, c = (self.chars.get(char) for char in gram)
        if a is None or b is None or c is None:
            return None
        return (a * self.base + b) * self.base + c

    def postings(self, grams: list[str]) -> list[numpy.ndarray]:
        """The candidates of each of `grams` that the index holds, in the order given."""
        codes = [code for code in map(self.code, grams) if code is not None]
        found = numpy.searchsorted(self.grams, codes).tolist()
        bounds, owners, known = self.bounds, self.owners, self.grams
        return [
            owners[bounds[i] : bounds[i + 1]]
            for i, code in zip(found, codes, strict=True)
            if i < len(known) and known[i] == code
        ]
