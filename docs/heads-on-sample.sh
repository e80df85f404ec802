#!/usr/bin/env bash
# Head pruning on the sample model: top-1 on its 10,000 validation images of each export.
# Run from the repository root after `mvn -B package -DskipTests`; J is the CLI. Rows are printed
# as: name | prune options | MACs kept | heads kept (of 18) | top-1.
set -u
J=${J:-"java -jar target/vbp-studio.jar"}
M=sample-models/vit-fashion-mnist
C=$M/data/calibration
V=$M/data/validation
O=${O:-/tmp/hp-measure}
mkdir -p $O
echo "# load $(cut -d' ' -f1-3 /proc/loadavg) $(date -u +%FT%TZ)"
top1() { $J eval --model "$1" --images $V --json | sed -n 's/.*"top1":\([0-9.]*\).*/\1/p'; }
run() { # name, prune options...
  local name=$1; shift
  if $J prune --model $M --calibration $C --output $O/$name --force "$@" > $O/$name.log 2>&1; then
    local macs=$(sed -n '/"total"/,/}/p' $O/$name/report.json | tr -d ' ,' | awk -F: '/macs_before/{b=$2}/macs_after/{a=$2}END{printf "%.4f", a/b}')
    local heads=$(grep -o '"heads_after": [0-9]*' $O/$name/report.json | awk '{s+=$2}END{print s+0}')
    echo "$name | $* | macs $macs | heads $heads | top1 $(top1 $O/$name)"
  else
    echo "$name | $* | FAILED: $(tail -1 $O/$name.log)"
  fi
}
echo "unpruned | top1 $(top1 $M)"
run a-mean --ratio 0 --head-ratio 0.34
run a-none --ratio 0 --head-ratio 0.34 --no-compensation
run a-refit --ratio 0 --head-ratio 0.34 --compensation refit
for F in 0.6 0.5 0.4; do
  run mlp-block-$F --target-macs $F
  run mlp-global-$F --target-macs $F --global
  run heads-block-$F --target-macs $F --head-ratio 0.34
  run heads-block-none-$F --target-macs $F --head-ratio 0.34 --no-compensation
  run heads-block-refit-$F --target-macs $F --head-ratio 0.34 --compensation refit
  run joint-$F --target-macs $F --global --heads
  run joint-none-$F --target-macs $F --global --heads --no-compensation
  run joint-refit-$F --target-macs $F --global --heads --compensation refit
  run joint-std-$F --target-macs $F --global --heads --normalize standardize
done
echo "# done $(date -u +%FT%TZ)"
