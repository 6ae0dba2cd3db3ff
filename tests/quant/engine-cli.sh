#!/bin/sh
# engine-cli.sh - the two report engines (--engine) through the real binary:
#  a. the reference tensor W in every fixture format (.npy, .npz stored and
#     deflated, .safetensors, a sharded model, .pt zip and legacy, GGUF):
#     at a fixed alpha, --engine=histogram and --engine=sorted give the same
#     mse, sqnr_db, clipped, max_abs_err, entropy_bits, levels_used and
#     gap_to_optimal_db for every per-tensor scheme (relative 1e-12); the
#     JSON field "engine" names the engine that ran; auto picks "sorted"
#     for these 288 values. The same for float16 and big-endian float32
#     files (the converting histogram path) written here, but for
#     Lloyd-Max, whose mse there is only checked to be not below the exact
#     optimum the sorted engine finds.
#  b. a 1.5M-value demo tensor: auto picks "histogram" (2^20 values or
#     more; 2^20 - 1 values get "sorted"); at --alpha=mse the engines'
#     alphas agree to 1e-3 and their mse to 1e-5 (relative); at a fixed
#     alpha every per-alpha number agrees to 1e-12; --jobs does not change
#     the histogram engine's output.
#  c. what the histogram engine cannot answer falls back to "sorted" even
#     with --engine=histogram: percentile/kl/aciq alphas, per-channel and
#     per-group scales, MX schemes, float64 tensors.
#  d. --engine=bogus is a usage error (status 2) that names --engine.
#  e. float64 values beyond ~1e154 (mse beyond DBL_MAX): SQNR, gap and the
#     TOTAL SQNR equal the unscaled model's, mse is null, no star on inf.
set -u
D="$abs_top_srcdir/tests/data/io"
command -v python3 >/dev/null 2>&1 || { echo "engine-cli: python3 not found: skipped"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/apotview-engine.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# The checks on the JSON reports (python3 with the standard library only).
#   check.py engine LABEL FILE WANT
#       every tensor in FILE reports "engine": WANT
#   check.py ge LABEL A B SCHEME FIELD
#       SCHEME's FIELD in A is not below B's (relative 1e-12)
#   check.py cmp LABEL A WANT_A B WANT_B [skip=S1,S2] FIELD=TOL...
#       A and B hold the same tensors and schemes, engines WANT_A / WANT_B,
#       no result carries an error, and each FIELD (a dotted path into a
#       result, or stats.KEY for the tensor's stats) agrees to TOL
#       relative: |a - b| <= TOL * max(|a|, |b|); schemes in skip are not
#       compared.
cat > "$T/check.py" <<'EOF'
import json, sys

fails = []
def fail(msg):
    fails.append(msg)

def load(path):
    with open(path) as f:
        return json.load(f)["tensors"]

def get(d, path):
    for k in path.split("."):
        d = d[k]
    return d

def close(a, b, tol):
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    return abs(a - b) <= tol * max(abs(a), abs(b))

mode, label = sys.argv[1], sys.argv[2]
if mode == "engine":
    ts = load(sys.argv[3])
    if not ts:
        fail("no tensors")
    for t in ts:
        if t.get("engine") != sys.argv[4]:
            fail("%s: engine %r, expected %r" % (t["name"], t.get("engine"), sys.argv[4]))
elif mode == "ge":
    A, B, sc, f = load(sys.argv[3]), load(sys.argv[4]), sys.argv[5], sys.argv[6]
    if len(A) != len(B) or not A:
        fail("%d tensors against %d" % (len(A), len(B)))
    for ta, tb in zip(A, B):
        ra = [r for r in ta["results"] if r["scheme"] == sc]
        rb = [r for r in tb["results"] if r["scheme"] == sc]
        if len(ra) != 1 or len(rb) != 1 or f not in ra[0] or f not in rb[0]:
            fail("%s: no %s %s" % (ta["name"], sc, f))
        elif ra[0][f] < rb[0][f] * (1 - 1e-12):
            fail("%s: %s: %s %r is below %r" % (ta["name"], sc, f, ra[0][f], rb[0][f]))
else:
    A, wa, B, wb = load(sys.argv[3]), sys.argv[4], load(sys.argv[5]), sys.argv[6]
    skip, specs = set(), []
    for s in sys.argv[7:]:
        k, v = s.split("=", 1)
        if k == "skip":
            skip = set(v.split(","))
        else:
            specs.append((k, float(v)))
    if len(A) != len(B) or not A:
        fail("%d tensors against %d" % (len(A), len(B)))
    for ta, tb in zip(A, B):
        name = ta["name"]
        if ta.get("engine") != wa or tb.get("engine") != wb:
            fail("%s: engines %r and %r, expected %r and %r" % (name, ta.get("engine"), tb.get("engine"), wa, wb))
        for f, tol in specs:
            if f.startswith("stats."):
                a, b = get(ta, f), get(tb, f)
                if not close(a, b, tol):
                    fail("%s: %s %r (%s) against %r (%s): beyond %g relative" % (name, f, a, wa, b, wb, tol))
        ra, rb = ta["results"], tb["results"]
        if [r["scheme"] for r in ra] != [r["scheme"] for r in rb] or not ra:
            fail("%s: schemes differ or are missing" % name)
            continue
        for x, y in zip(ra, rb):
            sc = x["scheme"]
            for r, w in ((x, wa), (y, wb)):
                if "error" in r:
                    fail("%s: %s (%s): error %r" % (name, sc, w, r["error"]))
            if sc in skip or "error" in x or "error" in y:
                continue
            for f, tol in specs:
                if f.startswith("stats."):
                    continue
                try:
                    a, b = get(x, f), get(y, f)
                except KeyError:
                    fail("%s: %s: no field %s" % (name, sc, f))
                    continue
                if not close(a, b, tol):
                    rel = abs(a - b) / max(abs(a), abs(b))
                    fail("%s: %s: %s %r (%s) against %r (%s): relative %.3g > %g"
                         % (name, sc, f, a, wa, b, wb, rel, tol))
for m in fails:
    sys.stderr.write("FAIL: %s: %s\n" % (label, m))
sys.exit(1 if fails else 0)
EOF
engine_is() { # label file want
  python3 "$T/check.py" engine "$1" "$2" "$3" || fails=$((fails + 1))
}
not_below() { # label a b scheme field
  python3 "$T/check.py" ge "$@" || fails=$((fails + 1))
}
same() { # label a want_a b want_b spec...
  python3 "$T/check.py" cmp "$@" || fails=$((fails + 1))
}
# report NAME ARGS...: --report --format=json into $T/NAME.json
report() {
  out=$1
  shift
  $APOTVIEW --report --format=json "$@" > "$T/$out.json" 2> "$T/err" ||
    { bad "apotview --report --format=json $*: exit status $?: $(head -c 300 "$T/err")"; echo '{"tensors": []}' > "$T/$out.json"; }
}

# Every per-tensor scheme (mxfp4 has its own blocks: part c).
S=uniform,pot,apot,int-asym,nf4,fp4-e2m1,log2-sqrt2,lloyd-max
# At a fixed alpha the per-alpha numbers are the same computation on the
# same values in both engines.
EXACT="alpha=1e-12 mse=1e-12 sqnr_db=1e-12 clipped=1e-12 max_abs_err=1e-12 entropy_bits=1e-12 \
levels_used=1e-12 cost.adds_mean=1e-12 stats.mean=1e-12 stats.std=1e-12 stats.min=0 stats.max=0"
# Lloyd-Max picks its own levels: on a small tensor the sorted engine's
# are the exact optimum (dynamic programming over the sorted values,
# lloyd.c), the histogram engine's come from Lloyd restarts on its
# interpolated values. On the 288 values of W the restarts reach the
# optimum, so Lloyd-Max and gap_to_optimal_db (measured against it) agree
# there; on the 3000-value files below they do not (the histogram engine's
# Lloyd-Max mse is 0.1-0.2% higher), and all that must hold is that it is
# not below the exact optimum.

# ---- a. the same tensor in every format -----------------------------------
# 0.7 normalized clips about half the values; 0.012 (raw; |w| <= 0.0191)
# clips the tails only.
for spec in W.npy W_stored.npz:W W_deflate.npz:W W.safetensors:W sharded:W W_zip.pt:conv.weight \
            W_legacy.pt:conv.weight W.gguf:W; do
  for a in "--alpha=0.7 -n" "--alpha=0.012"; do
    # shellcheck disable=SC2086
    report h -s $S $a --engine=histogram "$D/$spec"
    # shellcheck disable=SC2086
    report s -s $S $a --engine=sorted "$D/$spec"
    # shellcheck disable=SC2086
    same "$spec $a" "$T/h.json" histogram "$T/s.json" sorted $EXACT gap_to_optimal_db=1e-12
  done
done
report auto "$D/W.npy"
engine_is "W.npy, 288 values, --engine=auto" "$T/auto.json" sorted

# The converting path of the histogram engine (not float32 little-endian)
# and float64, which it never takes: .npy files written here, 3000 values
# spread over several octaves of both signs.
python3 - "$T" <<'EOF'
import math, struct, sys
n = 3000
vals = [math.sin(0.37 * i) * math.exp(0.002 * i - 4) for i in range(n)]
for name, descr, fmt in (("f16", "<f2", "<%de"), ("f32be", ">f4", ">%df"), ("f64", "<f8", "<%dd")):
    hdr = "{'descr': '%s', 'fortran_order': False, 'shape': (%d,), }" % (descr, n)
    hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
    with open("%s/%s.npy" % (sys.argv[1], name), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode())
        f.write(struct.pack(fmt % n, *vals))
EOF
for f in f16 f32be; do
  report h -s $S --alpha=1.5 -n --engine=histogram "$T/$f.npy"
  report s -s $S --alpha=1.5 -n --engine=sorted "$T/$f.npy"
  # shellcheck disable=SC2086
  same "$f.npy --alpha=1.5 -n" "$T/h.json" histogram "$T/s.json" sorted skip=lloyd-max $EXACT
  not_below "$f.npy: Lloyd-Max" "$T/h.json" "$T/s.json" lloyd-max mse
done

# ---- b. a tensor past the auto threshold ----------------------------------
G='demo:gaussian,n=1500000,seed=3'
report auto -s $S "$G"
report h -s $S --engine=histogram "$G"
report s -s $S --engine=sorted "$G"
engine_is "$G, --engine=auto" "$T/auto.json" histogram
cmp -s "$T/auto.json" "$T/h.json" || bad "$G: --engine=auto and --engine=histogram reports differ"
# The alpha search runs on interpolated bucket sums: near the sorted
# engine's optimum, not on it; each engine's mse is exact at its own alpha.
# Lloyd-Max on 1.5M values is a search too.
same "$G --alpha=mse" "$T/h.json" histogram "$T/s.json" sorted alpha=1e-3 mse=1e-5 \
  stats.mean=1e-12 stats.std=1e-12 stats.min=0 stats.max=0 stats.kurtosis=1e-5
# Fixed alphas: every number that depends on the alpha alone is exact.
# Not Lloyd-Max (its own search picks its alpha) nor gap_to_optimal_db (it
# is measured against that search).
for a in "--alpha=2.5 -n" "--alpha=1.1"; do
  # shellcheck disable=SC2086
  report h -s $S $a --engine=histogram "$G"
  # shellcheck disable=SC2086
  report s -s $S $a --engine=sorted "$G"
  same "$G $a" "$T/h.json" histogram "$T/s.json" sorted skip=lloyd-max \
    alpha=1e-12 mse=1e-12 sqnr_db=1e-12 clipped=1e-12 max_abs_err=1e-12 entropy_bits=1e-12 \
    levels_used=1e-12 cost.adds_mean=1e-12
done
# The bucket sums are exact integers: the threads do not change a thing.
report j1 --jobs=1 -s $S "$G"
report j2 --jobs=2 -s $S "$G"
cmp -s "$T/j1.json" "$T/j2.json" || bad "$G: histogram reports differ between --jobs=1 and --jobs=2"
# The threshold: 2^20 values.
report below 'demo:gaussian,n=1048575,seed=3'
engine_is "2^20 - 1 values, --engine=auto" "$T/below.json" sorted
report at 'demo:gaussian,n=1048576,seed=3'
engine_is "2^20 values, --engine=auto" "$T/at.json" histogram

# ---- c. fallbacks -----------------------------------------------------------
for a in --alpha=percentile:99.9 --alpha=kl --alpha=aciq --granularity=channel --granularity=group:32 \
         -smxfp4; do
  report fb --engine=histogram "$a" "$D/W.npy"
  engine_is "--engine=histogram $a" "$T/fb.json" sorted
done
report fb --engine=histogram --granularity=group:65536 "$G"
engine_is "$G --engine=histogram --granularity=group:65536" "$T/fb.json" sorted
report fb --engine=histogram "$T/f64.npy"
engine_is "float64 .npy --engine=histogram" "$T/fb.json" sorted

# ---- several tensors at once: worker threads come and go -----------------
# (each keeps a table between its tensors; under the sanitizers a table left
# behind when its thread ends is a leak and fails the run)
$APOTVIEW --report --format=json --engine=histogram --jobs=2 -s uniform,pot,apot \
  'demo:gaussian,n=200000,seed=1' 'demo:laplace,n=200000,seed=2' 'demo:uniform,n=200000,seed=3' \
  > "$T/multi.json" 2> "$T/err"
rc=$?
[ $rc -eq 0 ] || bad "three histogram tensors on two workers: exit status $rc: $(head -c 300 "$T/err")"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert len(d["tensors"]) == 3 and all(t["engine"] == "histogram" for t in d["tensors"])' \
  "$T/multi.json" || bad "three histogram tensors on two workers: not three histogram results"

# ---- e. float64 values beyond ~1e154: mse overflows, the rest does not ------
# Two tensors, and the same two times 2^600 (exact): the scaled model's
# per-tensor SQNR and gap and its TOTAL SQNR are the unscaled model's
# (1e-9); its mse (per tensor and in all) is beyond DBL_MAX: null; no best
# star on an inf mse; no nan in the table.
python3 - "$T" <<'PYEOF'
import struct, sys, zipfile
def npy(vals):
    hdr = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % len(vals)
    hdr += ' ' * ((64 - (10 + len(hdr) + 1) % 64) % 64) + '\n'
    return (b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() +
            struct.pack('<%dd' % len(vals), *vals))
v = [((i * 7919) % 1000 - 500) / 64.0 for i in range(2000)]
w = [((i * 104729) % 777 - 300) / 32.0 for i in range(1500)]
for name, sc in (('small', 0), ('huge', 600)):
    with zipfile.ZipFile('%s/%s.npz' % (sys.argv[1], name), 'w') as z:
        z.writestr('a.npy', npy([x * 2.0 ** sc for x in v]))
        z.writestr('b.npy', npy([x * 2.0 ** (sc - 10) for x in w]))
PYEOF
report small -s uniform,pot,apot -b 4 "$T/small.npz"
report huge -s uniform,pot,apot -b 4 "$T/huge.npz"
python3 - "$T/small.json" "$T/huge.json" <<'PYEOF' || bad "float64 beyond 1e154: totals, gaps or SQNRs differ from the unscaled model"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
def close(x, y):
    return x is not None and y is not None and abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300)
ok = True
for ta, tb in zip(a["tensors"], b["tensors"]):
    for ra, rb in zip(ta["results"], tb["results"]):
        if rb["mse"] is not None or not close(ra["sqnr_db"], rb["sqnr_db"]) or \
           not close(ra["gap_to_optimal_db"], rb["gap_to_optimal_db"]):
            print("tensor", ta["name"], ra["scheme"], ra, rb); ok = False
for ra, rb in zip(a["totals"]["results"], b["totals"]["results"]):
    if rb["mse"] is not None or not close(ra["sqnr_db"], rb["sqnr_db"]):
        print("totals", ra, rb); ok = False
sys.exit(0 if ok else 1)
PYEOF
$APOTVIEW --report -s uniform,pot,apot -b 4 "$T/huge.npz" > "$T/huge.txt" 2>&1 ||
  bad "float64 beyond 1e154: the table report failed: $(head -c 300 "$T/huge.txt")"
grep -qi 'nan' "$T/huge.txt" && bad "float64 beyond 1e154: nan in the table: $(grep -i nan "$T/huge.txt" | head -3)"
grep -q 'inf[^ ]* *([^)]*)\*' "$T/huge.txt" && bad "float64 beyond 1e154: the best star on an inf mse: $(grep 'inf.*\*' "$T/huge.txt" | head -3)"
grep -q '^TOTAL .*(23\.5)' "$T/huge.txt" || bad "float64 beyond 1e154: TOTAL row without the SQNR 23.5: $(grep '^TOTAL' "$T/huge.txt")"

# ---- d. a bad engine --------------------------------------------------------
$APOTVIEW --report --engine=bogus "$D/W.npy" > /dev/null 2> "$T/err"
rc=$?
[ $rc -eq 2 ] || bad "--engine=bogus: exit status $rc, expected 2"
head -n 1 "$T/err" | grep -q '^apotview: .*--engine' ||
  bad "--engine=bogus: the message does not name --engine: $(head -c 200 "$T/err")"

[ $fails -eq 0 ] || { echo "$fails failures" >&2; exit 1; }
echo "engine-cli: all checks passed"
