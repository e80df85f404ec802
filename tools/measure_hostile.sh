#!/bin/sh
# Runs each hostile input of tools/hostile_inputs.py through the packaged CLI and prints
# case | exit | stderr lines | peak RSS (MB) | first stderr line. Usage: tools/measure_hostile.sh [DIR]
# (build first: mvn -B package -DskipTests; java -jar target/vbp-studio.jar onnx --model
#  src/test/resources/fixtures/vit-micro/timm --output DIR/base.onnx;
#  /usr/bin/python3 tools/hostile_inputs.py DIR DIR/base.onnx)
D=${1:-/tmp/vbp-hostile}
M=src/test/resources/fixtures/vit-micro/timm
# VBP: how to start the CLI (default: the packaged jar)
VBP=${VBP:-java -jar target/vbp-studio.jar}
run() {
  name=$1; shift
  rm -rf "$D/out" "$D/out.csv"
  # exit 124: still running after 300 s (a hang)
  /usr/bin/time -f %M -o "$D/rss" timeout 300 nice -n 19 $VBP "$@" >/dev/null 2>"$D/err"
  code=$?
  printf '%s | %s | %s | %s | %s\n' "$name" "$code" "$(wc -l <"$D/err")" "$(( $(tail -1 "$D/rss") / 1024 ))" \
    "$(head -c 220 "$D/err" | head -1 | sed "s#$D/##g")"
}
I=src/test/resources/fixtures/vit-micro/images
ORT_TMP_BEFORE=$(ls -d "${TMPDIR:-/tmp}"/onnxruntime-java* 2>/dev/null | wc -l)
# the statistics cases need real statistics of the fixture (and the wide file made from their fingerprint)
if [ ! -e "$D/wide-stats.safetensors" ]; then
  $VBP stats --model $M --calibration $I --output "$D/real.stats.safetensors" --force >/dev/null 2>&1
  /usr/bin/python3 "$(dirname "$0")/hostile_inputs.py" "$D"
fi
for m in shared-120 shared-60 empty-90mb rank0-fc1 rank0-head width0; do
  run "model $m" predict --model "$D/$m" --images $I --output "$D/out.csv"
done
for i in jpeg-26000 gif-46000 png-sparse-3gb png-20000 png-12000 png-truncated-46000; do
  run "images $i" predict --model $M --images "$D/$i" --output "$D/out.csv"
done
run "images png-12000 --max-image-pixels 150000000" predict --model $M --images "$D/png-12000" \
  --max-image-pixels 150000000 --output "$D/out.csv"
run "idx gzip 46000^2" predict --model $M --images "$D/idx-gzip-46000/x-images-idx3-ubyte.gz" --output "$D/out.csv"
run "idx gzip 46000^2 --max-image-pixels 3000000000" predict --model $M \
  --images "$D/idx-gzip-46000/x-images-idx3-ubyte.gz" --max-image-pixels 3000000000 --output "$D/out.csv"
run "idx overflow" predict --model $M --images "$D/idx-overflow/x-images-idx3-ubyte" --output "$D/out.csv"
run "plan round_to 2^32+8" prune --model $M --plan "$D/plan-round-to.json" --output "$D/out"
for o in ext-dotdot ext-absolute ext-symlink ext-fifo ext-missing ext-declared-4gb constant-2gb constant-of-shape-2gb \
    loop double-output input-size-16000 input-size-46341 input-size-65536; do
  [ -f "$D/onnx-$o/model.onnx" ] && run "onnx $o" predict --model "$D/onnx-$o/model.onnx" --images $I --output "$D/out.csv"
done
for o in constant-2gb constant-of-shape-2gb; do
  [ -f "$D/onnx-$o/model.onnx" ] && run "onnx $o --trust-onnx" predict --trust-onnx --model "$D/onnx-$o/model.onnx" \
    --images $I --output "$D/out.csv"
done
# trusted, the endless Loop runs until Ctrl-C (SIGINT after 15 s): exit 130, no crash, no temporary output left
if [ -f "$D/onnx-loop/model.onnx" ]; then
  mkdir -p "$D/loop-out"; rm -f "$D"/loop-out/* "$D"/loop-out/.p.csv.tmp-*
  VBP="timeout -s INT 15 $VBP" run "onnx loop --trust-onnx, Ctrl-C after 15 s" predict --trust-onnx \
    --model "$D/onnx-loop/model.onnx" --images $I --output "$D/loop-out/p.csv"
  echo "  left in loop-out: $(ls -A "$D/loop-out" | wc -l)"
fi
# ONNX Runtime's temporary library folders left by all of the above (none expected)
echo "onnxruntime-java* in ${TMPDIR:-/tmp}: $ORT_TMP_BEFORE before, $(ls -d "${TMPDIR:-/tmp}"/onnxruntime-java* 2>/dev/null | wc -l) after"
# FIFOs: refused at once (exit 2), never waited on
F=$D/fifo
run "fifo statistics" prune --model $M --stats "$F/stats.safetensors" --ratio 0.5 --output "$D/out"
run "fifo plan" prune --model $M --plan "$F/plan.json" --output "$D/out"
run "fifo session" gui --session "$F/session.vbps"
run "fifo sensitivity" prune --model $M --stats "$D/real.stats.safetensors" --allocate sensitivity \
  --target-macs 0.9 --sensitivity "$F/sensitivity.json" --output "$D/out"
run "fifo stats --merge" stats --merge "$D/real.stats.safetensors" "$F/stats.safetensors" --output "$D/out.csv"
run "fifo model weights" eval --model "$F/model" --images $I
# statistics of the wrong widths (640 MB, sparse): refused from the header, alone and in a merge
run "stats wide 640MB" prune --model $M --stats "$D/wide-stats.safetensors" --ratio 0.5 --output "$D/out"
run "stats --merge wide 640MB" stats --merge "$D/real.stats.safetensors" "$D/wide-stats.safetensors" --output "$D/out.csv"
run "stats --merge A A" stats --merge "$D/real.stats.safetensors" "$D/real.stats.safetensors" --output "$D/out.csv"
# sizes on the command line
run "bench --batch 1000000" bench --shape deit-tiny --batch 1000000
run "bench --iterations 2^31-1" bench --shape deit-tiny --iterations 2147483647
run "bench --synthetic-images 2^31-1" bench --shape deit-tiny --synthetic-images 2147483647
run "bench --memory-budget 1" bench --preview $I --calibration $I --memory-budget 1
