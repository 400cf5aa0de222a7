#!/usr/bin/env bash
# NaN in a model's weights or in its inputs: `search` warns on stderr naming the file or node
# and the count (every loss would be NaN otherwise, without a word).
#   check_non_finite.sh <mixprec-toy> <custom_model dir> <work dir>
set -u
exe=$1 custom=$2 work=$3/non_finite
rm -rf "$work" && mkdir -p "$work" && cp -r "$custom/model" "$custom/data" "$work/"
# Overwrites the first float32 of an .npy's data (after its header) with NaN (bytes 00 00 c0 7f).
put_nan() {
  local len
  len=$(od -An -tu2 -j8 -N2 "$1" | tr -d ' ')
  printf '\x00\x00\xc0\x7f' | dd of="$1" bs=1 seek=$((10 + len)) conv=notrunc status=none
}
put_nan "$work/model/fc.bias.npy"
put_nan "$work/data/x_validation.npy"
"$exe" search --config "$custom/search.toml" --model "$work/model" --data "$work/data" --out "$work/out" \
  --n-trials 2 --quiet > "$work/stdout" 2> "$work/stderr"
rc=$?
[ "$rc" -eq 0 ] || { echo "search failed ($rc)"; cat "$work/stderr"; exit 1; }
grep -q "warning: $work/model: node 'fc' bias holds 1 NaN or infinite value(s)$" "$work/stderr" ||
  { echo "no warning for the NaN bias:"; cat "$work/stderr"; exit 1; }
grep -q "warning: $work/data/x_validation.npy: 1 NaN or infinite value(s) among " "$work/stderr" ||
  { echo "no warning for the NaN input:"; cat "$work/stderr"; exit 1; }
cat "$work/stderr"
