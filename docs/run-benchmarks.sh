#!/usr/bin/env bash
# Reruns the README's example and the commands behind the figures of docs/BENCHMARKS.md (run from
# the repository root after `mvn -B package -DskipTests`). Each table there states the conditions it was measured under
# ("others stopped": wrap this script, or one command, in `docs/quiet.sh 900 ...`). `bench` prints
# one JSON object per line; the other commands print their usual lines, and /usr/bin/time its
# figures on stderr. Section 11 (recovery fine-tuning, about 40 minutes of CPU) needs the Debian
# package dataset-fashion-mnist; SKIP_FINETUNE=1 skips it.
set -euo pipefail
J="java -jar target/vbp-studio.jar"
M=sample-models/vit-fashion-mnist
echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
# 0. The README's example exactly as written (DocumentedCommandsTest only parses it): prune half of
#    every MLP of the sample model, then evaluate the export on the 10,000 validation images.
rm -rf /tmp/vit-half
$J prune --model $M --calibration $M/data/calibration --ratio 0.5 --output /tmp/vit-half
$J eval --model /tmp/vit-half --images $M/data/validation --json
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
#    stats at the other families' Tiny shapes, 256 images, batch 16 (wall time and peak memory).
for m in swin-tiny convnext-tiny; do
  /usr/bin/time -f "stats $m maxrss_kb %M elapsed_s %e" $J stats --model $W/$m --calibration $W/val1000 --limit 256 --batch 16 --output $W/$m-s.safetensors --force
done
#    Calibration over 1,000 images and the export (safetensors + ONNX), DeiT-Tiny shape.
/usr/bin/time -f "prune maxrss_kb %M elapsed_s %e" $J prune --model $W/deit-tiny --calibration $W/val1000 --ratio 0.5 --onnx --output $W/tiny-half-1000 --force
# 8. The app, DeiT-Tiny shape: open, calibrate on 1,000 images, preview, snapshot (peak memory).
/usr/bin/time -f "gui maxrss_kb %M elapsed_s %e" xvfb-run -a $J gui --model $W/deit-tiny --calibration $W/val1000 --validation $W/val1000 --snapshot $W/gui-tiny.png --force
#    DeiT-Small in the app, 256 calibration images (the first 256 class folders, linked) and 1,000 validation images.
mkdir -p $W/val256
for i in $(seq 0 255); do d=$(printf "class_%04d" $i); [ -e $W/val256/$d ] || ln -s ../val1000/$d $W/val256/$d; done
/usr/bin/time -f "gui-small maxrss_kb %M elapsed_s %e" xvfb-run -a $J gui --model $W/deit-small --calibration $W/val256 --validation $W/val1000 --snapshot $W/gui-small.png --force
mkdir -p $W/val64
for i in $(seq 0 63); do d=$(printf "class_%04d" $i); [ -e $W/val64/$d ] || ln -s ../val1000/$d $W/val64/$d; done
/usr/bin/time -f "gui-base maxrss_kb %M elapsed_s %e" xvfb-run -a $J gui --model $W/deit-base --calibration $W/val64 --validation $W/val1000 --snapshot $W/gui-base.png --force
#    The mid-refresh picture (docs/preview-deit-tiny.png).
/usr/bin/time -f "gui-mid-refresh maxrss_kb %M elapsed_s %e" xvfb-run -a $J gui \
  --model $W/deit-tiny --calibration $W/val1000 --validation $W/val1000 --snapshot $W/gui-tiny-mid.png --snapshot-mid-refresh --force
# 9. glibc's mmap threshold: plain forward pass with glibc's own policy (0) and a fixed 256 KiB threshold, twice each.
for t in 0 262144 0 262144; do
  java -Dvbp.mmapThreshold=$t -jar target/vbp-studio.jar bench --shape deit-tiny --batch 32 --iterations 5 --warmup 2 --json
done
# 10. Statistics overhead on the sample model (17 tokens, D 96: the fixed per-op cost dominates).
$J bench --model $M --json
# 11. Recovery fine-tuning of the sample model (BENCHMARKS "Recovery fine-tuning", MODEL_CARD
#     "Recovery fine-tuning"): finetune.json of every run, one line each. SKIP_FINETUNE=1 skips it.
if [ "${SKIP_FINETUNE:-0}" != 1 ]; then
  T=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
  if [ ! -f $T ]; then
    echo "run-benchmarks.sh: $T is missing (Debian: apt-get install dataset-fashion-mnist); SKIP_FINETUNE=1 skips fine-tuning" >&2
    exit 2
  fi
  record() { tr -d '\n' < "$1/finetune.json"; echo; }
  $J prune --model $M --calibration $M/data/calibration --ratio 0.5 --output /tmp/half --force >&2
  $J prune --model $M --calibration $M/data/calibration --ratio 0.9 --output /tmp/p90 --force >&2
  $J prune --model $M --calibration $M/data/calibration --ratio 0.9 --global --output /tmp/g90 --force >&2
  for p in half p90 g90; do
    $J finetune --model /tmp/$p --teacher $M --train $T \
      --validation $M/data/validation --output /tmp/$p-kd --force >&2                     # distillation
    record /tmp/$p-kd
    $J finetune --model /tmp/$p --teacher $M --train $T \
      --validation $M/data/validation --output /tmp/$p-ce --no-distillation --force >&2   # labels only
    record /tmp/$p-ce
  done
  # MODEL_CARD's further runs: tuning (90 % per block, distillation), scarce data, and the control.
  $J finetune --model /tmp/p90 --teacher $M --train $T --validation $M/data/validation --lr 3e-4 --output /tmp/p90-lr3e-4 --force >&2
  record /tmp/p90-lr3e-4
  $J finetune --model /tmp/p90 --teacher $M --train $T --validation $M/data/validation --alpha 0.9 --output /tmp/p90-a0.9 --force >&2
  record /tmp/p90-a0.9
  for n in 2000 10000; do
    $J finetune --model /tmp/p90 --teacher $M --train $T --validation $M/data/validation --limit $n --output /tmp/p90-kd-$n --force >&2
    record /tmp/p90-kd-$n
    $J finetune --model /tmp/p90 --teacher $M --train $T --validation $M/data/validation --limit $n --no-distillation --output /tmp/p90-ce-$n --force >&2
    record /tmp/p90-ce-$n
  done
  $J finetune --model $M --train $T --validation $M/data/validation --no-distillation --output /tmp/control-ce --force >&2
  record /tmp/control-ce
fi
# 12. Pruned models in ONNX Runtime: the original and the 50 %-pruned model exported to ONNX and timed there.
$J bench --shape deit-tiny --batch 32 --iterations 10 --warmup 3 --ratio 0.5 --onnx --json
$J bench --shape deit-small --batch 32 --iterations 5 --warmup 2 --ratio 0.5 --onnx --json
$J bench --shape deit-base --batch 16 --iterations 4 --warmup 1 --ratio 0.5 --onnx --json
#     End to end: predict over 512 PNGs with the DeiT-Tiny-shaped directory, original and pruned, as .onnx.
$J prune --model $W/deit-tiny --calibration $W/val1000 --limit 64 --ratio 0.5 --onnx --output $W/tiny-half --force
$J onnx --model $W/deit-tiny --output $W/deit-tiny.onnx --force
for i in 1 2; do
  for m in $W/deit-tiny.onnx $W/tiny-half/model.onnx; do
    /usr/bin/time -f "$m wall_s %e maxrss_kb %M" $J predict --model $m --images $W/val1000 --limit 512 --output /tmp/vbp-predict.csv --force >/dev/null
  done
done
# 13. The research toolkit at real scale: statistics with and without gradients, sensitivity, allocation.
mkdir -p $W/val1000-named
for i in $(seq 0 999); do [ -e $W/val1000-named/$i ] || ln -s ../val1000/$(printf "class_%04d" $i) $W/val1000-named/$i; done
/usr/bin/time -f "stats wall_s %e maxrss_kb %M" $J stats --model $W/deit-tiny --calibration $W/val1000-named --limit 256 --output $W/tiny-stats.safetensors --force
/usr/bin/time -f "stats --gradients wall_s %e maxrss_kb %M" $J stats --model $W/deit-tiny --calibration $W/val1000-named --limit 256 --gradients --output $W/tiny-grad.safetensors --force
for s in small base; do
  /usr/bin/time -f "stats --gradients $s wall_s %e maxrss_kb %M" $J stats --model $W/deit-$s --calibration $W/val1000-named --limit 64 --gradients --output $W/$s-grad.safetensors --force
done
/usr/bin/time -f "sensitivity wall_s %e maxrss_kb %M" $J sensitivity --model $W/deit-tiny --stats $W/tiny-stats.safetensors --images $W/val1000 --limit 256 --json $W/tiny-sens.json --force
/usr/bin/time -f "prune --allocate wall_s %e maxrss_kb %M" $J prune --model $W/deit-tiny --calibration $W/val1000 --limit 128 --target-macs 0.65 --allocate sensitivity --output $W/tiny-alloc --force
/usr/bin/time -f "sweep --sensitivity wall_s %e maxrss_kb %M" $J sweep --model $W/deit-tiny --stats $W/tiny-stats.safetensors --validation $W/val1000 --limit 256 --target-macs 0.65 --targets-only --sensitivity $W/tiny-sens.json --json $W/tiny-sweep.json --force
# 14. Statistics for the refit: DeiT-Tiny (256 images) and DeiT-Base (64 images) with and without
#     --refit (time, peak memory, file size), then a refit export at DeiT-Tiny from those statistics.
for s in tiny:256 base:64; do
  n=${s#*:}; s=${s%:*}
  /usr/bin/time -f "stats $s $n wall_s %e maxrss_kb %M" $J stats --model $W/deit-$s --calibration $W/val1000 --limit $n --output $W/$s-plain.safetensors --force
  /usr/bin/time -f "stats --refit $s $n wall_s %e maxrss_kb %M" $J stats --model $W/deit-$s --calibration $W/val1000 --limit $n --refit --output $W/$s-refit.safetensors --force
  ls -l $W/$s-plain.safetensors $W/$s-refit.safetensors
done
/usr/bin/time -f "prune --compensation refit tiny wall_s %e maxrss_kb %M" $J prune --model $W/deit-tiny --stats $W/tiny-refit.safetensors --ratio 0.5 --compensation refit --output $W/tiny-refit50 --force
# 15. Beside PyTorch eager (bench --peer torch runs tools/torch_peer.py: plain torch + torchvision, no timm;
#     Debian: python3-torch, python3-torchvision). Debian's torch does its matrix products in whatever
#     libblas.so.3 the alternatives system links: the reference BLAS unless an optimised one is installed,
#     which would make eager PyTorch look many times slower than it is. Install OpenBLAS (as root), or stop.
#     The peer's JSON names the library torch loaded (torch_eager.blas).
update-alternatives --display libblas.so.3-x86_64-linux-gnu | grep "points to" || true
if ! update-alternatives --display libblas.so.3-x86_64-linux-gnu | grep -q "points to .*openblas"; then
  if [ "$(id -u)" = 0 ]; then
    apt-get install -y libopenblas0-pthread >&2
  else
    echo "run-benchmarks.sh: torch would use the reference BLAS; as root: apt-get install -y libopenblas0-pthread" >&2
    exit 2
  fi
fi
/usr/bin/python3 -c "import torch; print('torch', torch.__version__, [l for l in torch.__config__.show().splitlines() if 'BLAS_INFO' in l][0].strip())"
#     The DeiT-Tiny shape, and Swin-T and ConvNeXt-T: forward beside PyTorch eager (same batch, same
#     threads), statistics overhead, 50 % of every MLP pruned against the MAC ratio (in both).
for s in swin-tiny convnext-tiny; do [ -d $W/$s ] || $J bench model --shape $s --output $W/$s; done
for m in swin-tiny convnext-tiny; do
  echo "# $m $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "maxrss_kb %M" $J bench --model $W/$m --batch 16 --iterations 5 --warmup 2 --ratio 0.5 --peer torch --json
done
#     The app's preview on Swin-T and ConvNeXt-T: first estimate, whole-slice refresh after a
#     first-block change, peak memory (1,000 images; 64 calibration images).
for m in swin-tiny convnext-tiny; do
  echo "# $m preview $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "maxrss_kb %M" $J bench --model $W/$m --calibration $W/val1000 --limit 64 --preview $W/val1000 --preview-slice 1000 --preview-blocks 0 --json
done
# 16. The Spark calibration job (target/vbp-studio-spark.jar, built by `mvn -B package`) in local[1]
#     and local[2] against `stats` on the same 256 images (DeiT-Tiny shape). SPARK_SUBMIT names a Spark
#     4 distribution's spark-submit; without one, Spark's own SparkSubmit runs on the Spark the build
#     resolved (provided scope), as .ci/check-spark-jar runs it. The job prints its calibration's
#     seconds and images/s (tasks only: without the JVM's and Spark's start, which the wall time holds).
if [ -n "${SPARK_SUBMIT:-}" ]; then
  SUBMIT=("$SPARK_SUBMIT")
else
  mvn -B -q -o dependency:build-classpath -DincludeScope=provided -Dmdep.outputFile=/tmp/vbp-spark.cp >/dev/null
  R=${MAVEN_REPOSITORY:-$HOME/.m2/repository}
  SPARK_CP="$(cat /tmp/vbp-spark.cp):$R/org/slf4j/slf4j-api/2.0.19/slf4j-api-2.0.19.jar"
  SPARK_CP="$SPARK_CP:$R/commons-io/commons-io/2.16.1/commons-io-2.16.1.jar:$R/commons-codec/commons-codec/1.17.1/commons-codec-1.17.1.jar"
  read -r -a OPENS <<<"$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' pom.xml)"
  SUBMIT=(java "${OPENS[@]}" -cp "$SPARK_CP" org.apache.spark.deploy.SparkSubmit)
fi
echo "# spark $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "stats wall_s %e maxrss_kb %M" $J stats --model $W/deit-tiny --calibration $W/val1000 --limit 256 --output $W/tiny-stats256.safetensors --force
for p in 1 2; do
  /usr/bin/time -f "spark local[$p] wall_s %e maxrss_kb %M" "${SUBMIT[@]}" --master "local[$p]" --class org.vbpstudio.spark.CalibrationJob \
    target/vbp-studio-spark.jar --model $W/deit-tiny --images $W/val1000 --limit 256 --partitions 8 --output $W/tiny-spark$p.safetensors --force
done
# 17. The statistics hook's cost: the forward pass with and without it, interleaved, median of 5
#     repetitions (bench --repeat) with the spread beside: three runs of bench's defaults at the
#     DeiT-Tiny shape (batch 32, 10 passes of each kind per repetition), then each family's Tiny
#     shape at batch 16; then stats against predict as whole processes over 512 images (DeiT-Tiny
#     shape, batch 32), five times each, alternating.
for i in 1 2 3; do
  echo "# deit-tiny stats overhead, run $i $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  $J bench --model $W/deit-tiny --calibration $W/val1000 --limit 64 --json
done
for m in deit-tiny swin-tiny convnext-tiny; do
  echo "# $m stats overhead $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  $J bench --model $W/$m --batch 16 --iterations 4 --warmup 2 --repeat 5 --json
done
for i in 1 2 3 4 5; do
  echo "# stats/predict $i $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "stats elapsed_s %e user_s %U maxrss_kb %M" $J stats --model $W/deit-tiny --calibration $W/val1000 --limit 512 --batch 32 --output $W/tiny-stats512.safetensors --force > /dev/null
  /usr/bin/time -f "predict elapsed_s %e user_s %U maxrss_kb %M" $J predict --model $W/deit-tiny --images $W/val1000 --limit 512 --batch 32 --output $W/tiny-predict512.csv --force > /dev/null
done
# 18. The preview opened progressively (the slice prepared in the background, the plan scored on the
#     chunks prepared so far): open_first_estimate_ms beside open_ms, the first estimate after a
#     first- and a last-block change, the whole slice after a first-block change, peak memory; then
#     the app itself with the same folder for calibration and validation (one shared pass) at Swin-T
#     and ConvNeXt-T scale (time and peak memory of the whole run).
for spec in "deit-tiny 0,6,11" "deit-small 0,11" "deit-base 0,11" "swin-tiny 0,2,4,10,11" "convnext-tiny 0,3,6,15,17"; do
  set -- $spec
  echo "# $1 progressive preview $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "maxrss_kb %M" $J bench --model $W/$1 --calibration $W/val1000 --limit 64 --preview $W/val1000 --preview-slice 1000 --preview-blocks $2 --json
done
for m in swin-tiny convnext-tiny; do
  echo "# $m gui snapshot $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "elapsed_s %e maxrss_kb %M" xvfb-run -a $J gui --model $W/$m --calibration $W/val1000 --validation $W/val1000 --snapshot $W/gui-$m.png --force --snapshot-timeout 24
done
# 19. stats and predict beside a user of the paper's code (tools/torch_peer.py's folder mode: the same
#     images read with PIL and torchvision transforms, eager forward, forward hooks on every GELU adding
#     float64 sums and sums of squares; predict: the plain forward), DeiT-Tiny, -Small and -Base shapes,
#     512 images, batch 32, 2 threads: whole processes (/usr/bin/time) and the loop alone, without the
#     start-up (Java: the last progress line's images/s, timed from the first batch's reading; the peer:
#     its "seconds" and "images_per_s"). Debian's torch needs OpenBLAS here too (section 15).
#     SHAPES="small base" runs only those shapes.
update-alternatives --display libblas.so.3-x86_64-linux-gnu | grep "points to" || true
for s in ${SHAPES:-tiny small base}; do
  [ -d $W/deit-$s ] || $J bench model --shape deit-$s --output $W/deit-$s
  echo "# deit-$s stats/predict/peer $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f "stats deit-$s elapsed_s %e user_s %U maxrss_kb %M" $J stats --model $W/deit-$s --calibration $W/val1000 \
    --limit 512 --batch 32 --output $W/$s-stats512.safetensors --force 2>&1 >/dev/null | tail -2
  /usr/bin/time -f "predict deit-$s elapsed_s %e user_s %U maxrss_kb %M" $J predict --model $W/deit-$s --images $W/val1000 \
    --limit 512 --batch 32 --output $W/$s-predict512.csv --force 2>&1 >/dev/null | tail -2
  for task in stats predict; do
    /usr/bin/time -f "peer $task deit-$s elapsed_s %e user_s %U maxrss_kb %M" /usr/bin/python3 tools/torch_peer.py \
      --model $W/deit-$s --batch 32 --threads 2 --images $W/val1000 --limit 512 --task $task
  done
done
