"""The fast engine (tiktoken) against `tokenizers`: same ids, or not used."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from webtext.core.errors import ConfigError
from webtext.tokenize.bpe import Tokenizer
from webtext.tokenize.byte_level import byte_to_char
from webtext.tokenize.vocab_files import checked

# Arbitrary Unicode, surrogates excluded (they cannot be UTF-8 encoded, so no web page holds them).
UNICODE = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)


@pytest.fixture(scope="module")
def engines(tokenizer: Tokenizer) -> tuple[Tokenizer, Tokenizer]:
    return Tokenizer(tokenizer.definition, "tiktoken"), Tokenizer(tokenizer.definition, "tokenizers")


def lists(batch: list[np.ndarray]) -> list[list[int]]:
    return [ids.tolist() for ids in batch]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=UNICODE)
def test_round_trip_and_agreement_on_arbitrary_unicode(engines: tuple[Tokenizer, Tokenizer], text: str) -> None:
    fast, reference = engines
    ids = fast.encode(text)
    assert fast.decode(ids) == text
    assert reference.encode(text) == ids
    assert lists(fast.encode_batch([text, text[::-1]])) == lists(reference.encode_batch([text, text[::-1]]))


def test_trained_tokenizer_uses_the_fast_engine(tokenizer: Tokenizer, prose: list[str]) -> None:
    assert tokenizer.engine == "tiktoken"
    reference = Tokenizer(tokenizer.definition, "tokenizers")
    assert lists(tokenizer.encode_batch(prose)) == lists(reference.encode_batch(prose))


def test_sample_web_documents_encode_identically(tokenizer: Tokenizer) -> None:
    from webtext.sampleweb.site import build_site

    texts = [truth.article_text for truth in build_site().truth.values() if truth.article_text]
    assert len(texts) > 50
    reference = Tokenizer(tokenizer.definition, "tokenizers")
    assert lists(tokenizer.encode_batch(texts)) == lists(reference.encode_batch(texts))
    assert [tokenizer.decode(ids) for ids in tokenizer.encode_batch(texts)] == texts


def _tiny(extra: list[str]) -> dict[str, int]:
    vocab = {char: index for index, char in enumerate(sorted(byte_to_char().values()))}
    for token in extra:
        vocab[token] = len(vocab)
    return vocab


def test_vocabulary_where_rank_order_differs_falls_back_with_a_warning() -> None:
    # merge order (b c), (a b), (ab c): `tokenizers` gives "a" "bc" for "abc" (no merge of a + bc);
    # rank-based BPE merges "a" + "bc" because "abc" is a token, so tiktoken must not be used.
    merges = [("b", "c"), ("a", "b"), ("ab", "c")]
    definition = checked(_tiny(["bc", "ab", "abc"]), merges, "tiny")
    with pytest.warns(RuntimeWarning, match="does not reproduce"):
        tokenizer = Tokenizer(definition)
    assert tokenizer.engine == "tokenizers"
    vocab = definition.vocab
    assert tokenizer.encode("abc") == [vocab["a"], vocab["bc"]]
    assert tokenizer.decode(tokenizer.encode("xabc abc")) == "xabc abc"
    # a merge list whose ids do not follow merge order is refused without trying
    merges = [("b", "c"), ("a", "b")]
    with pytest.warns(RuntimeWarning):
        assert Tokenizer(checked(_tiny(["ab", "bc"]), merges, "tiny")).engine == "tokenizers"
    with pytest.warns(RuntimeWarning), pytest.raises(ConfigError, match="use --engine tokenizers"):
        Tokenizer(definition, "tiktoken")
