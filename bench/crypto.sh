#!/usr/bin/env bash
# crypto.sh BUILD — one core's throughput of SM4-GCM and AES-256-GCM next to
# OpenSSL's (`make bench-crypto`, and the last step of `make bench`).
#
# Runs BUILD/crypto_bench (16 KB messages, CRYPTO_RUNS runs of
# CRYPTO_SECONDS CPU-seconds each; best run reported, median and min kept
# for the spread), then SM4-GCM again with the CPU's GFNI/AVX-512 hidden
# (the AES-NI/AVX2 path) and with every extension hidden (the portable
# path). Prints the figures and merges them into BUILD/bench.json:
#   crypto/sm4_gcm_mbps, crypto/openssl_sm4_ctr_mbps, crypto/aes_gcm_mbps,
#   crypto/openssl_aes_gcm_mbps (+ _median, _min), crypto/sm4_ctr_mbps,
#   crypto/sm4_impl, crypto/sm4_gcm_vs_openssl_sm4_ctr, crypto/aes_gcm_vs_openssl,
#   crypto/sm4_gcm_aesni_avx2_mbps, crypto/sm4_gcm_portable_mbps,
#   data/mask_json_mbps (+ _median, _min): partial masking of a 64 KB JSON body
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
BIN=$BUILD/crypto_bench
RUNS=${CRYPTO_RUNS:-7}
SECONDS_PER_RUN=${CRYPTO_SECONDS:-0.5}

[ -x "$BIN" ] || { echo "crypto: $BIN is missing — build first (make build)" >&2; exit 1; }
echo "crypto: 16 KB messages, $RUNS runs x ${SECONDS_PER_RUN}s CPU each (load: $(cut -d' ' -f1-3 /proc/loadavg))"
main=$("$BIN" --runs "$RUNS" --seconds "$SECONDS_PER_RUN")
aesni=$(RP_CPU_DISABLE=avx512,gfni "$BIN" --runs "$RUNS" --seconds "$SECONDS_PER_RUN" --sm4-only)
portable=$(RP_CPU_DISABLE=avx512,gfni,aesni,pclmul,avx2 "$BIN" --runs 3 --seconds "$SECONDS_PER_RUN" --sm4-only)

python3 - "$BUILD/bench.json" "$main" "$aesni" "$portable" <<'PY'
import json, os, sys
path = sys.argv[1]
main, aesni, portable = (json.loads(a) for a in sys.argv[2:5])
def line(name):
    k = "crypto/%s_mbps" % name
    return "%-16s %6.0f MB/s (median %.0f, min %.0f)" % (name, main[k], main[k + "_median"], main[k + "_min"])
print("crypto: SM4 implementation %s" % main["crypto/sm4_impl"])
for name in ("sm4_gcm", "sm4_ctr", "openssl_sm4_ctr", "aes_gcm", "openssl_aes_gcm"):
    print("crypto: " + line(name))
print("crypto: masking a 64 KB JSON body in place: %.0f MB/s (median %.0f, min %.0f)" %
      (main["data/mask_json_mbps"], main["data/mask_json_mbps_median"], main["data/mask_json_mbps_min"]))
print("crypto: SM4-GCM %.1fx OpenSSL's SM4-CTR; AES-256-GCM %.3f of OpenSSL's" %
      (main["crypto/sm4_gcm_vs_openssl_sm4_ctr"], main["crypto/aes_gcm_vs_openssl"]))
print("crypto: SM4-GCM on the %s path %.0f MB/s, on the %s path %.0f MB/s" %
      (aesni["crypto/sm4_impl"], aesni["crypto/sm4_gcm_mbps"],
       portable["crypto/sm4_impl"], portable["crypto/sm4_gcm_mbps"]))
bench = {}
if os.path.exists(path):
    with open(path) as f:
        bench = json.load(f)
bench.update(main)
bench["crypto/sm4_gcm_aesni_avx2_mbps"] = aesni["crypto/sm4_gcm_mbps"]
bench["crypto/sm4_gcm_portable_mbps"] = portable["crypto/sm4_gcm_mbps"]
with open(path, "w") as f:
    json.dump(bench, f, indent=2, sort_keys=True)
print("crypto: merged into " + path)
PY
