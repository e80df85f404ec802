#!/usr/bin/env bash
# Reproduces the figures of docs/BENCHMARKS.md (run from the repository root after
# `mvn -B package -DskipTests`, on an otherwise idle machine). One JSON object per line.
set -euo pipefail
J="java -jar target/vbp-studio.jar"
M=sample-models/vit-fashion-mnist
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# 1. Forward throughput against a plain DJL sequence, statistics cost, pruned speed-up (DeiT-Tiny shape).
$J bench --shape deit-tiny --batch 32 --iterations 10 --warmup 3 --baseline --ratio 0.5 --json
# 2. round_to: 768 x 0.45 = 345.6 → 346 removed, 422 kept; with --round-to 16, 416 kept.
$J bench --shape deit-tiny --batch 32 --iterations 10 --warmup 3 --ratio 0.45 --json
$J bench --shape deit-tiny --batch 32 --iterations 10 --warmup 3 --ratio 0.45 --round-to 16 --json
# 3. Larger shapes, 50 % of MLP neurons removed.
$J bench --shape deit-small --batch 32 --iterations 5 --warmup 2 --ratio 0.5 --json
$J bench --shape deit-base --batch 16 --iterations 4 --warmup 1 --ratio 0.5 --json
# 4. Calibration with PNG decoding and preprocessing at 224 (320x240 PNGs), and peak memory vs image count.
$J bench --shape deit-tiny --batch 32 --iterations 2 --warmup 1 --synthetic-images 256 --json
$J bench --shape deit-tiny --batch 32 --iterations 2 --warmup 1 --synthetic-images 2048 --json
# 5. The app's preview: accuracy refresh after one block changes, sample model, 1,000 images.
java -Dai.djl.pytorch.num_threads=1 -jar target/vbp-studio.jar bench --model $M --batch 64 --iterations 5 \
  --preview $M/data/validation --calibration $M/data/calibration --json
