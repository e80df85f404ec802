#!/usr/bin/env bash
# quiet.sh MAXSECONDS CMD...: runs CMD while every other java/mvn/python3/Xvfb process is stopped
# (SIGSTOP) and resumes them afterwards (at MAXSECONDS at the latest). Ours carry VBP_QUIET_RUN=1.
max=$1; shift
frozen=$(mktemp)
: > $frozen
VBP_QUIET_RUN=1 "$@" &
child=$!
( end=$((SECONDS + max))
  while kill -0 $child 2>/dev/null && [ $SECONDS -lt $end ]; do
    for p in $(pgrep -x java; pgrep -x mvn; pgrep -x python3; pgrep -x Xvfb); do
      grep -qz '^VBP_QUIET_RUN=1$' /proc/$p/environ 2>/dev/null && continue
      kill -STOP $p 2>/dev/null && echo $p >> $frozen
    done
    sleep 0.5
  done
  for p in $(sort -u $frozen); do kill -CONT $p 2>/dev/null; done ) &
watcher=$!
wait $child; rc=$?
kill $watcher 2>/dev/null; wait $watcher 2>/dev/null
for p in $(sort -u $frozen); do kill -CONT $p 2>/dev/null; done
rm -f $frozen
exit $rc
