#!/usr/bin/env bash
# build-nginx-module.sh SOURCE_DIR BUILD_DIR
#
# Builds ngx_http_rampart_module.so against Debian's nginx-dev tree
# (/usr/share/nginx/src) so that it loads into the stock /usr/sbin/nginx with
# load_module. Out of tree: everything lands in BUILD_DIR/nginx, nothing is
# written under /usr/share/nginx/src. librampart.a (BUILD_DIR/librampart.a)
# is linked statically; its own dependencies dynamically.
#
# Idempotent and quick: configure runs only when its inputs change (module
# config, flags, nginx version); make relinks when librampart.a or the
# module sources changed, and does nothing otherwise.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 SOURCE_DIR BUILD_DIR" >&2
  exit 2
fi

SRC=$(cd "$1" && pwd)
BUILD=$(mkdir -p "$2" && cd "$2" && pwd)
NGX_SRC=${NGX_SRC:-/usr/share/nginx/src}
OUT="$BUILD/nginx"
LIB="$BUILD/librampart.a"
SO="$OUT/ngx_http_rampart_module.so"

[ -f "$NGX_SRC/conf_flags" ] || { echo "build-nginx-module: $NGX_SRC/conf_flags missing (apt-get install nginx-dev)" >&2; exit 1; }
[ -f "$LIB" ] || { echo "build-nginx-module: $LIB missing (build the rampart target first)" >&2; exit 1; }

# Shared libraries librampart needs, linked dynamically: libxml2 and libm
# always, the others as soon as the archive references them.
RAMPART_SHARED_LIBS="-lxml2 -lm"
undef=$(nm --undefined-only "$LIB" 2>/dev/null | awk '{print $NF}' | sort -u)
grep -q '^pcre2_' <<<"$undef" && RAMPART_SHARED_LIBS="-lpcre2-8 $RAMPART_SHARED_LIBS"
grep -q '^hs_' <<<"$undef" && RAMPART_SHARED_LIBS="-lhs $RAMPART_SHARED_LIBS"
grep -Eq '^(EVP_|HMAC|RAND_bytes|OPENSSL_|CRYPTO_)' <<<"$undef" && RAMPART_SHARED_LIBS="-lcrypto $RAMPART_SHARED_LIBS"
grep -q '^redis' <<<"$undef" && RAMPART_SHARED_LIBS="-lhiredis $RAMPART_SHARED_LIBS"
grep -q '^json_' <<<"$undef" && RAMPART_SHARED_LIBS="-ljansson $RAMPART_SHARED_LIBS"
grep -q '^yaml_' <<<"$undef" && RAMPART_SHARED_LIBS="-lyaml $RAMPART_SHARED_LIBS"
grep -q '^SSL_' <<<"$undef" && RAMPART_SHARED_LIBS="-lssl $RAMPART_SHARED_LIBS"
grep -q '^MMDB_' <<<"$undef" && RAMPART_SHARED_LIBS="-lmaxminddb $RAMPART_SHARED_LIBS"
grep -Eq '^(inflate|deflate)' <<<"$undef" && RAMPART_SHARED_LIBS="-lz $RAMPART_SHARED_LIBS"

# Debian's own hardening flags (nginx -V) plus our include directory
# ($RAMPART_MODULE_CC_OPT adds flags, e.g. -gdwarf-4 for valgrind's profilers)
CC_OPT="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2${RAMPART_MODULE_CC_OPT:+ $RAMPART_MODULE_CC_OPT}"
LD_OPT="-Wl,-z,relro -Wl,-z,now -fPIC"

export RAMPART_INCLUDE="$SRC/include"
export RAMPART_LIBS="$LIB $RAMPART_SHARED_LIBS"

mkdir -p "$OUT"

# --- configure, only when its inputs changed ---
stamp_in=$(
  {
    cat "$SRC/src/nginx/config" "$NGX_SRC/conf_flags"
    echo "$CC_OPT|$LD_OPT|$RAMPART_INCLUDE|$RAMPART_LIBS|$SRC"
    /usr/sbin/nginx -v 2>&1 || true
  } | sha256sum | cut -d' ' -f1
)
stamp_file="$OUT/.configure-stamp"

if [ ! -f "$OUT/Makefile" ] || [ "$(cat "$stamp_file" 2>/dev/null)" != "$stamp_in" ]; then
  echo "build-nginx-module: configuring against $NGX_SRC"
  (
    cd "$NGX_SRC"
    # shellcheck disable=SC1091
    . ./conf_flags
    ./configure "${NGX_CONF_FLAGS[@]}" \
      --with-cc-opt="$CC_OPT" --with-ld-opt="$LD_OPT" \
      --add-dynamic-module="$SRC/src/nginx" --builddir="$OUT"
  ) >"$OUT/configure.log" 2>&1 || {
    echo "build-nginx-module: configure failed, see $OUT/configure.log:" >&2
    tail -20 "$OUT/configure.log" >&2
    exit 1
  }
  echo "$stamp_in" >"$stamp_file"
fi

# --- make: nginx's Makefile knows neither librampart.a nor our headers ---
obj_dir="$OUT/addon/nginx"
if [ -f "$SO" ]; then
  if [ "$LIB" -nt "$SO" ]; then
    rm -f "$SO"
  fi
  for h in "$SRC"/include/rampart/*.h; do
    if [ "$h" -nt "$SO" ]; then
      rm -f "$SO" "$obj_dir"/*.o
      break
    fi
  done
fi

make -s -f "$OUT/Makefile" -C "$NGX_SRC" modules >"$OUT/make.log" 2>&1 || {
  echo "build-nginx-module: make failed, see $OUT/make.log:" >&2
  tail -40 "$OUT/make.log" >&2
  exit 1
}

[ -f "$SO" ] || { echo "build-nginx-module: $SO was not produced" >&2; exit 1; }
touch "$SO"   # newer than its inputs, for CMake's OUTPUT check
