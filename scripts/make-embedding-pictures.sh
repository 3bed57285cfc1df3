#!/usr/bin/env bash
# Draws the README's embedding pictures from the built-in digit model: its dense1 activations of the first
# 2,000 MNIST test digits, projected with t-SNE. docs/images/tsne-digits.png is the static scatter;
# docs/images/projector.png is a Chromium screenshot of the projector page with one point selected.
# Needs chromium (apt-get install chromium) for the screenshot.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node bin/glassbox.js embed --model digits --data data/mnist/t10k-images-idx3-ubyte.gz --layer dense1 --limit 2000 --out "$work/dense1" > /dev/null
node bin/glassbox.js project --embeddings "$work/dense1" --method tsne --format png --out docs/images/tsne-digits.png
node bin/glassbox.js project --embeddings "$work/dense1" --method tsne,umap,pca --format html --out "$work/projector.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,900 \
  --screenshot="$PWD/docs/images/projector.png" "file://$work/projector.html#select=7" 2>/dev/null
echo "wrote docs/images/tsne-digits.png and docs/images/projector.png"
