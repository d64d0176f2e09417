"""The roster unit nearest to a name no unit matched, for the reviewer's hint."""

from __future__ import annotations

import difflib
from collections import defaultdict
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
        index: defaultdict[str, list[int]] = defaultdict(list)
        for number, candidate in enumerate(self.names):
            for gram in _trigrams(candidate):
                index[gram].append(number)
        self.common = max(200, len(self.names) // 20)
        # Candidate numbers in roster order; only the trigrams that tell something.
        self.index = {
            gram: numpy.array(found, dtype=numpy.int32)
            for gram, found in index.items()
            if len(found) <= self.common
        }

    def __call__(self, key: str) -> str | None:
        # Unmatched names repeat (resubmissions). The answers are kept by the index itself, not
        # in a cache on the class, which would keep the last run's index alive after the run.
        if key not in self.memo:
            if len(self.memo) >= self.MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = self._find(key)
        return self.memo[key]

    def _find(self, key: str) -> str | None:
        if len(self.candidates) <= self.SHORTLIST * 4:
            return closest(key, self.candidates)
        shortlist = [self.names[i] for i in self._shortlist(key)]
        return closest(key, {k: self.candidates[k] for k in shortlist})

    def _shortlist(self, key: str) -> list[int]:
        postings = [p for g in sorted(_trigrams(key)) if (p := self.index.get(g)) is not None]
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


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}
