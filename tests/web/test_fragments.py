"""The cache of rendered board fragments (`decisionlog.web.fragments`): bounded by size."""

from __future__ import annotations

from decisionlog.web.fragments import FragmentCache


def test_the_cache_keeps_at_most_its_size_dropping_the_least_recently_used() -> None:
    cache = FragmentCache(max_chars=1000)
    for n in range(20):
        cache.put(n, "x" * 90)
        cache.get(0)  # 0 stays in use
    assert cache.chars <= 1000 and len(cache) == 11
    assert cache.get(0) is not None and cache.get(1) is None and cache.get(19) is not None
    cache.put(0, "y" * 50)  # replacing an entry counts its new size only
    assert cache.chars == 10 * 90 + 50


def test_a_fragment_larger_than_a_tenth_of_the_bound_is_not_kept() -> None:
    cache = FragmentCache(max_chars=1000)
    cache.put("big", "x" * 101)
    assert cache.get("big") is None and cache.chars == 0
