#!/usr/bin/env bash
# Draws the README's evaluation pictures and table from the built-in digit model: four methods and the
# edge-detector control on the first 100 MNIST test digits, with the issue's default metrics (seed 0),
# and an adversarial example (PGD towards a 3) with its sweep. Writes docs/images/evaluation-*.png,
# docs/images/attack.png (a Chromium screenshot; apt-get install chromium) and docs/evaluation-table.md.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node bin/glassbox.js evaluate --model digits --data data/mnist/t10k-images-idx3-ubyte.gz \
  --methods integrated-gradients,saliency,grad-cam,occlusion,edge-detector --limit 100 --seed 0 --format html --out "$work/eval"
cp "$work/eval/curves.png" docs/images/evaluation-curves.png
cp "$work/eval/randomisation.png" docs/images/evaluation-randomisation.png
cp "$work/eval/table.md" docs/evaluation-table.md
node bin/glassbox.js attack --model digits --input samples/digits/digit-7.png --method pgd --epsilon 0.2 --target 3 \
  --explain integrated-gradients --sweep 0,0.05,0.1,0.2,0.3 --data data/mnist/t10k-images-idx3-ubyte.gz --limit 100 \
  --format html --out "$work/attack" > /dev/null
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1300,1450 \
  --screenshot="$PWD/docs/images/attack.png" "file://$work/attack/report.html" 2>/dev/null
echo "wrote docs/images/evaluation-curves.png, docs/images/evaluation-randomisation.png, docs/images/attack.png and docs/evaluation-table.md"
