"""Dense features from the bundled multilingual-e5-small query encoder (int8 ONNX).

``python -m indexer prepare-model`` (``make model``) writes the model directory with
``tokenizer.json`` and ``onnx/model_qint8.onnx``; the API encodes search queries with the
same file. This component runs it in the Rasa process, without importing ``indexer`` (the bot
runs on Python 3.10 and never imports the search side), and gives DIET, next to the sparse
features:

- a sentence feature: the e5 query embedding of ``prefix + text`` (mean over the attention
  mask, L2-normalised), the same vector as the indexer's ONNX query encoder;
- sequence features: one row per Rasa token (the tokenizer's tokens, in order), the mean of
  the e5 sub-word vectors whose character span overlaps the token, L2-normalised so that
  they have the scale of the sentence vector. A token that no sub-word covers (text cut at
  ``max_length``) gets a zero row.

The ONNX session loads on first use, once per process and configuration; nothing is cached
per text. Every text gets its own ONNX run, in training as at inference: the int8 graph
quantises activations with one scale per tensor, so a text's vector depends on the other
texts of a batch (cosine 0.996-0.997 to the single-text vector in a padded batch), and on
two shared cores batches were not faster (797 NLU examples: 7.1 s one by one, 9.5 s in
batches of 64). One by one, training features equal the features DIET sees when serving.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Text, Tuple, Type

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import MAX_POOLING, MEAN_POOLING, POOLING

logger = logging.getLogger(__name__)

DEFAULT_MODEL_DIR = "models/multilingual-e5-small"
QUERY_ONNX = Path("onnx") / "model_qint8.onnx"  # where prepare-model writes it
TOKENIZER_JSON = "tokenizer.json"
E5_POOLING = "e5"  # the sentence feature is the model's own query embedding


class E5ModelNotFoundError(RasaException):
    """The model directory lacks the ONNX query encoder or its tokenizer."""


def resolve_model_dir(configured: Optional[Text]) -> Path:
    """``model_dir`` from the config, else ``INDEXER_MODEL_DIR``, else the bundled model;
    a relative path is taken from the working directory (the repository root for rasa)."""
    path = Path(configured or os.environ.get("INDEXER_MODEL_DIR") or DEFAULT_MODEL_DIR)
    return path if path.is_absolute() else Path.cwd() / path


def model_files(model_dir: Path) -> Tuple[Path, Path]:
    """The ONNX encoder and tokenizer of ``model_dir``; raises if one is missing."""
    onnx_path, tokenizer_path = model_dir / QUERY_ONNX, model_dir / TOKENIZER_JSON
    missing = [str(p) for p in (onnx_path, tokenizer_path) if not p.is_file()]
    if missing:
        raise E5ModelNotFoundError(
            f"E5DenseFeaturizer: the e5 query encoder is missing ({', '.join(missing)}). "
            f"Run `make model` (or `.venv/bin/python -m indexer prepare-model`) from the "
            f"repository root to prepare {model_dir}, or point `model_dir` in config.yml "
            f"(or INDEXER_MODEL_DIR) to a prepared model directory."
        )
    return onnx_path, tokenizer_path


class EncodedText(NamedTuple):
    hidden: np.ndarray  # [sub-words, dim]
    offsets: np.ndarray  # [sub-words, 2] character spans in prefix + text; specials (0, 0)
    sentence: np.ndarray  # [dim], L2-normalised mean over the attention mask


class QueryEncoder:
    """The ONNX session and fast tokenizer, as the indexer's ``OnnxEncoder`` sets them up."""

    def __init__(self, onnx_path: Path, tokenizer_path: Path, *, max_length: int,
                 threads: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer as FastTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(str(onnx_path), options,
                                             providers=["CPUExecutionProvider"])
        self._tokenizer = FastTokenizer.from_file(str(tokenizer_path))
        self._tokenizer.enable_truncation(max_length)

    def encode(self, text: str) -> EncodedText:
        """One ONNX run; the sentence vector is ``OnnxEncoder.encode([text])[0]``."""
        encoding = self._tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        sentence = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)[0]
        offsets = np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)
        offsets[np.asarray(encoding.special_tokens_mask, dtype=bool)] = 0  # never overlap
        return EncodedText(hidden[0], offsets, sentence)


_ENCODERS: Dict[Tuple[str, int, int], QueryEncoder] = {}
_ENCODERS_LOCK = threading.Lock()


def load_encoder(model_dir: Path, *, max_length: int, threads: int) -> QueryEncoder:
    """One encoder per process and configuration, created on first use."""
    key = (str(model_dir.resolve()), max_length, threads)
    encoder = _ENCODERS.get(key)
    if encoder is not None:
        return encoder
    with _ENCODERS_LOCK:
        if key not in _ENCODERS:
            onnx_path, tokenizer_path = model_files(model_dir)
            logger.info("e5_featurizer.load", extra={"model": str(onnx_path)})
            _ENCODERS[key] = QueryEncoder(onnx_path, tokenizer_path, max_length=max_length,
                                          threads=threads)
        return _ENCODERS[key]


def token_vectors(tokens: Sequence[Token], encoded: EncodedText, shift: int) -> np.ndarray:
    """One L2-normalised row per token: the mean of the sub-words overlapping its span
    (token offsets are in the text; sub-word offsets are ``shift`` further, after the prefix)."""
    spans = np.array([(t.start + shift, t.end + shift) for t in tokens], dtype=np.int64)
    starts, ends = encoded.offsets[:, 0], encoded.offsets[:, 1]
    overlap = (starts[None, :] < spans[:, 1:2]) & (ends[None, :] > spans[:, 0:1])
    counts = overlap.sum(axis=1, keepdims=True)
    means = overlap.astype(np.float32) @ encoded.hidden / np.maximum(counts, 1)
    norms = np.linalg.norm(means, axis=1, keepdims=True)
    return (means / np.maximum(norms, 1e-12)).astype(np.float32)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class E5DenseFeaturizer(DenseFeaturizer, GraphComponent):
    """Sequence and sentence features from the multilingual-e5 int8 ONNX query encoder."""

    @classmethod
    def required_components(cls) -> List[Type]:
        """Components that should be included in the pipeline before this component."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Returns the component's default config."""
        return {
            **DenseFeaturizer.get_default_config(),
            # None: INDEXER_MODEL_DIR, else models/multilingual-e5-small (from the cwd).
            "model_dir": None,
            # e5 expects this prefix on queries; the indexer uses the same one.
            "prefix": "query: ",
            # Sub-words (with the prefix and <s> </s>) per text, as the indexer's default.
            "max_length": 256,
            "intra_op_threads": 1,
            # Sentence feature: "e5" (the model's query embedding), or "mean" / "max"
            # over the token rows, like Rasa's other dense featurizers.
            POOLING: E5_POOLING,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        """Any extra python dependencies required for this component to run."""
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> E5DenseFeaturizer:
        """Creates the component (see parent class for full docstring)."""
        return cls(config, execution_context.node_name)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> E5DenseFeaturizer:
        """A trained model being loaded to serve: open the encoder now, so that the server
        is ready when it says so (opening it takes seconds, which the first citizen would
        otherwise wait, past the API's Rasa timeout on a busy machine)."""
        component = cls.create(config, model_storage, resource, execution_context)
        component._encoder().encode("query: khởi động")
        return component

    def __init__(self, config: Dict[Text, Any], name: Text = "E5DenseFeaturizer") -> None:
        """Checks the configuration and that the model files exist; loads nothing."""
        super().__init__(name, {**self.get_default_config(), **config})
        self.model_dir = resolve_model_dir(self._config["model_dir"])
        model_files(self.model_dir)  # fail at startup, not at the first message

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Validates that the component is configured properly."""
        if config.get(POOLING) not in (E5_POOLING, MEAN_POOLING, MAX_POOLING):
            raise InvalidConfigException(
                f"E5DenseFeaturizer: `{POOLING}` must be '{E5_POOLING}', '{MEAN_POOLING}' "
                f"or '{MAX_POOLING}', not {config.get(POOLING)!r}."
            )
        for key, low in (("max_length", 8), ("intra_op_threads", 1)):
            value = config.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise InvalidConfigException(
                    f"E5DenseFeaturizer: `{key}` must be an integer >= {low}, not {value!r}."
                )
        if not isinstance(config.get("prefix"), str):
            raise InvalidConfigException("E5DenseFeaturizer: `prefix` must be a string.")

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        """Makes Rasa's training cache notice a re-prepared model (file sizes and times)."""
        model_dir = resolve_model_dir(config.get("model_dir"))
        parts = [str(model_dir)]
        for path in (model_dir / QUERY_ONNX, model_dir / TOKENIZER_JSON):
            stat = path.stat() if path.is_file() else None
            parts.append(f"{stat.st_size}:{stat.st_mtime_ns}" if stat else "missing")
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def _encoder(self) -> QueryEncoder:
        return load_encoder(self.model_dir, max_length=self._config["max_length"],
                            threads=self._config["intra_op_threads"])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurizes every text attribute of the training examples (one run per text)."""
        items = [
            (example, attribute)
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES
            for example in training_data.training_examples
            if example.get(TOKENS_NAMES[attribute])
        ]
        self._featurize(items)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Featurizes the text (and action text) of incoming messages in-place."""
        self._featurize([
            (message, attribute)
            for message in messages
            for attribute in (TEXT, ACTION_TEXT)
            if message.get(TOKENS_NAMES[attribute])
        ])
        return messages

    def _featurize(self, items: List[Tuple[Message, Text]]) -> None:
        if not items:
            return
        prefix: str = self._config["prefix"]
        encoder = self._encoder()
        for message, attribute in items:
            encoded = encoder.encode(prefix + message.get(attribute))
            sequence = token_vectors(message.get(TOKENS_NAMES[attribute]), encoded, len(prefix))
            sentence = self._sentence(sequence, encoded)
            self.add_features_to_message(sequence, sentence, attribute, message)

    def _sentence(self, sequence: np.ndarray, encoded: EncodedText) -> np.ndarray:
        pooling = self._config[POOLING]
        if pooling == E5_POOLING:
            return encoded.sentence[None, :]
        return self.aggregate_sequence_features(sequence, pooling).astype(np.float32)
