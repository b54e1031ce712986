"""The dedup stage: exact and MinHash near-duplicate removal, test-set decontamination, and the
n-gram Bloom filter and GPT-2 normalization the evaluator reuses (see docs/dedup.md)."""
