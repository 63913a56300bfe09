"""The thresholds of duplicate grouping: when two texts are one report, and how the index is looked up."""

NEAR_JACCARD = 0.70  # same report: chrome leftovers, filter damage, edits, layout
CONTAINMENT = 0.80  # the smaller text found in the larger one
EXCERPT_RATIO = 0.90  # …and clearly smaller than it: an excerpt / a truncated copy
CANDIDATE_SHARE = 0.60  # share of the sampled hashes looked up that a candidate holds (copies: ~1.0)
MAX_DF = 100  # a hash in more documents than this is stock phrasing: no longer indexed or looked up
QUERY_K = 32  # rarest shared hashes looked up per document (64 found the same groups at 100k, 7 % slower)
MIN_SAMPLE = 8  # documents with a smaller sample (under ~500 characters) are found only as newcomers
MAX_CANDIDATES = 8
GUARD_KEYS = ("city", "year", "admin_code")
