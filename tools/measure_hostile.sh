#!/bin/sh
# Runs each hostile input of tools/hostile_inputs.py through the packaged CLI and prints
# case | exit | stderr lines | peak RSS (MB) | first stderr line. Usage: tools/measure_hostile.sh [DIR]
# (build first: mvn -B package -DskipTests; python3 tools/hostile_inputs.py DIR)
D=${1:-/tmp/vbp-hostile}
M=src/test/resources/fixtures/vit-micro/timm
# VBP: how to start the CLI (default: the packaged jar)
VBP=${VBP:-java -jar target/vbp-studio.jar}
run() {
  name=$1; shift
  rm -rf "$D/out" "$D/out.csv"
  /usr/bin/time -f %M -o "$D/rss" nice -n 19 $VBP "$@" >/dev/null 2>"$D/err"
  code=$?
  printf '%s | %s | %s | %s | %s\n' "$name" "$code" "$(wc -l <"$D/err")" "$(( $(tail -1 "$D/rss") / 1024 ))" \
    "$(head -c 220 "$D/err" | head -1 | sed "s#$D/##g")"
}
I=src/test/resources/fixtures/vit-micro/images
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
