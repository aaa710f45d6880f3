#!/usr/bin/env bash
# Train the Rasa model only when config.yml, bot/ data or the tokenizer changed (fingerprint).
set -euo pipefail
cd "$(dirname "$0")/.."
out=bot/models
fingerprint=$( { sha256sum config.yml; find bot -path bot/models -prune -o -type f \
  \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' \) -print | LC_ALL=C sort | xargs sha256sum; \
  } | sha256sum | cut -d' ' -f1)
if [ -f "$out/bot.tar.gz" ] && [ -f "$out/.fingerprint" ] \
   && [ "$(cat "$out/.fingerprint")" = "$fingerprint" ]; then
  echo "train: the Rasa model is up to date"
  exit 0
fi
echo "train: training the Rasa model (config.yml or bot/ changed)"
mkdir -p "$out"
.venv-rasa/bin/rasa train --config config.yml --domain bot/domain.yml --data bot/data \
  --out "$out" --fixed-model-name bot
echo "$fingerprint" > "$out/.fingerprint"
