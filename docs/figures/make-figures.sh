#!/usr/bin/env bash
# Regenerates the figures of docs/figures/ with the command line, on the shipped sample model and its
# calibration and validation images (run from the repository root after `mvn -B package -DskipTests`).
# Every figure is an SVG in the one house style; any --plot/--output may end in .pdf or .png instead.
set -euo pipefail
J="java -jar target/vbp-studio.jar"
M=sample-models/vit-fashion-mnist
F=docs/figures
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# Statistics of the 2,000 calibration images, and every block's variance histogram.
$J stats --model $M --calibration $M/data/calibration --output $T/stats.safetensors --plot $F/histograms.svg --force
# Where a neuron fires: block 3's highest- and lowest-variance neurons (from these statistics:
# 216, variance 0.29, and 360, variance 0.00029; override with NEURON_HIGH, NEURON_LOW) over the
# 10,000 validation images.
$J inspect --model $M --images $M/data/validation --block 3 --neuron "${NEURON_HIGH:-216}" --output $F/neuron-high.svg --force
$J inspect --model $M --images $M/data/validation --block 3 --neuron "${NEURON_LOW:-360}" --output $F/neuron-low.svg --force
# Each block alone pruned at 25, 50, 75 and 90 %, top-1 on 2,000 validation images spread evenly.
$J sensitivity --model $M --stats $T/stats.safetensors --images $M/data/validation --limit 2000 \
    --json $T/sensitivity.json --plot $F/sensitivity.svg --force
# Top-1 against MACs for every criterion, per block, global and global standardised, on 1,000
# validation images spread evenly (every point is a pass over them; the model card's
# sweep.png used all 10,000 and nine ratios).
$J sweep --model $M --stats $T/stats.safetensors --validation $M/data/validation --limit 1000 \
    --ratios 0.3,0.5,0.7,0.8,0.9 --json $F/sweep.json --plot $F/sweep.svg --force
