"""Vietnamese word tokenizer for the Rasa NLU pipeline (underthesea word segmentation).

Vietnamese writes one syllable per space-separated chunk, so whitespace tokens are syllables,
not words: "giấy khai sinh" is two words, "giấy" and "khai sinh". This component segments the
text with underthesea and joins the syllables of a multi-syllable word with "_"
("khai_sinh"), keeping character offsets that point into the original text so that entity
spans stay correct.

Each token also carries a folded form in ``lemma``: lowercase, without diacritics and with
"đ" -> "d" ("khai_sinh", "giay", "dang_ky"). Citizens often type without diacritics, so a
featurizer configured with ``use_lemma: true`` sees the same features for "đăng ký" and
"dang ky"; a featurizer with ``use_lemma: false`` keeps the accented text.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

import regex

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from vntext import fold

logger = logging.getLogger(__name__)

# A token is kept when it holds at least one letter or digit; punctuation-only tokens are
# dropped, as the WhitespaceTokenizer does.
_WORD_CHAR = regex.compile(r"[\p{L}\p{N}]")

Segmenter = Callable[[str], List[str]]


def _underthesea_segment(text: str) -> List[str]:
    from underthesea import word_tokenize  # imported on first use: no import-time cost

    # use_token_normalize=False keeps the citizen's spelling ("Hoà" stays "Hoà"), so every
    # syllable can be found again in the original text.
    return list(word_tokenize(text, use_token_normalize=False))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(Tokenizer):
    """Splits Vietnamese text into words with underthesea; offsets refer to the raw text."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default config."""
        return {
            # Flag to check whether to split intents
            "intent_tokenization_flag": False,
            # Symbol on which intent should be split
            "intent_split_symbol": "_",
            # Regular expression to detect tokens
            "token_pattern": None,
            # Symbol on which prefix should be split
            "prefix_separator_symbol": None,
            # Symbol that joins the syllables of a multi-syllable word
            "word_joiner": "_",
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Any extra python dependencies required for this component to run."""
        return ["underthesea"]

    def __init__(
        self, config: Dict[Text, Any], segmenter: Optional[Segmenter] = None
    ) -> None:
        """Creates the tokenizer; ``segmenter`` replaces underthesea in tests."""
        config = {**self.get_default_config(), **config}
        super().__init__(config)
        self._joiner: str = config["word_joiner"]
        self._segment: Segmenter = segmenter or _underthesea_segment

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenizes the text of the provided attribute of the incoming message."""
        text = message.get(attribute)
        if not text or not text.strip():
            return []
        tokens = self._align(self._segment(text), text)
        if not tokens:
            # Only punctuation or emoji: keep the whole text as one token, like Rasa does.
            stripped = text.strip()
            start = text.index(stripped)
            tokens = [self._make_token([stripped], start, start + len(stripped))]
        return self._apply_token_pattern(tokens)

    def _align(self, words: List[str], text: str) -> List[Token]:
        """Finds every segmented word in ``text`` and builds tokens with real offsets."""
        tokens: List[Token] = []
        cursor = 0
        for word in words:
            syllables = word.split()
            if not syllables or not _WORD_CHAR.search(word):
                continue
            span = self._locate(syllables, text, cursor)
            if span is None:
                # The word itself is not logged: it may be part of a phone or ID number.
                logger.debug("vi_tokenizer.unaligned_word", extra={"length": len(word)})
                continue
            start, end = span
            tokens.append(self._make_token(syllables, start, end))
            cursor = end
        return tokens

    @staticmethod
    def _locate(syllables: List[str], text: str, cursor: int) -> Optional[Tuple[int, int]]:
        start: Optional[int] = None
        end = cursor
        for syllable in syllables:
            index = text.find(syllable, end)
            if index < 0:
                return None
            if start is None:
                start = index
            end = index + len(syllable)
        assert start is not None
        return start, end

    def _make_token(self, syllables: List[str], start: int, end: int) -> Token:
        joined = self._joiner.join(unicodedata.normalize("NFC", s) for s in syllables)
        return Token(joined, start, end, lemma=fold(joined.lower()))
