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
$J bench --shape deit-tiny --batch 32 --iterations 3 --warmup 1 --synthetic-images 512 --json
$J bench --shape deit-tiny --batch 32 --iterations 2 --warmup 1 --synthetic-images 256 --json
$J bench --shape deit-tiny --batch 32 --iterations 2 --warmup 1 --synthetic-images 2048 --json
# 5. Real-scale inputs: random-weight DeiT-shaped model directories and 1,000 synthetic 256-px PNGs,
#    one per class folder (written once to $W, default /tmp/vbp-bench).
W=${W:-/tmp/vbp-bench}
mkdir -p $W
for s in tiny small base; do [ -d $W/deit-$s ] || $J bench model --shape deit-$s --output $W/deit-$s; done
[ -d $W/val1000 ] || $J bench images --count 1000 --classes 1000 --size 256 --output $W/val1000
# 6. The app's live preview (its engine and threading), 1,000 images: first estimate and whole-slice
#    refresh after each block's ratio changes, beside a plain forward pass; peak memory.
/usr/bin/time -f "maxrss_kb %M" $J bench --model $W/deit-tiny --calibration $W/val1000 --preview $W/val1000 --preview-slice 1000 --json
/usr/bin/time -f "maxrss_kb %M" $J bench --model $W/deit-small --calibration $W/val1000 --preview $W/val1000 --preview-slice 1000 --preview-blocks 0,6,11 --json
/usr/bin/time -f "maxrss_kb %M" $J bench --model $W/deit-base --calibration $W/val1000 --limit 64 --preview $W/val1000 --preview-slice 1000 --preview-blocks 11 --json
$J bench --model $M --calibration $M/data/calibration --preview $M/data/validation --preview-slice 1000 --json
# 7. Forward memory: stats and predict over 64 images of the DeiT-Base shape, batch 32.
/usr/bin/time -f "stats maxrss_kb %M" $J stats --model $W/deit-base --calibration $W/val1000 --limit 64 --output $W/base-stats.safetensors --force
/usr/bin/time -f "predict maxrss_kb %M" $J predict --model $W/deit-base --images $W/val1000 --limit 64 --batch 32 --output $W/base-predict.csv --force
# 8. The app, DeiT-Tiny shape: open, calibrate on 1,000 images, preview, snapshot (peak memory).
/usr/bin/time -f "gui maxrss_kb %M" xvfb-run -a $J gui --model $W/deit-tiny --calibration $W/val1000 --validation $W/val1000 --snapshot $W/gui-tiny.png --force
