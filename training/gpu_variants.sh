#!/usr/bin/env bash
# The variants trained side by side on one GPU (device tool); each writes .train/<name>/.
# The one with the best dev objective (training/pick_variant.py) is the shipped model.
set -u
cd "$(dirname "$0")/.."
BASE=${BASE:-.train/base}
py=${PY:-python3}
$py training/train_pairs.py --base "$BASE" --out .train/full --epochs 4 > .train/full.log 2>&1 &
$py training/train_pairs.py --base "$BASE" --out .train/general --epochs 4 --sources mrpc,stsb,sick,snli > .train/general.log 2>&1 &
$py training/train_pairs.py --base "$BASE" --out .train/nofnc --epochs 4 --sources mrpc,stsb,sick,snli,ecb-pos,ecb-sister,ecb-other > .train/nofnc.log 2>&1 &
$py training/train_pairs.py --base "$BASE" --out .train/full6 --epochs 6 > .train/full6.log 2>&1 &
wait
