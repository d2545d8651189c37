/*
 * cpu_features.c — cpuid leaves 1 and 7 plus XCR0 (the OS must save the
 * ymm/zmm registers before their instructions may be used).
 */
#include "cpu_features.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long read_xcr0(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (unsigned long long)edx << 32 | eax;
}
#endif

static rp_cpu_features_t features;
static pthread_once_t features_once = PTHREAD_ONCE_INIT;

static bool disabled(const char *list, const char *name)
{
    return list && strstr(list, name) != NULL;
}

static void detect(void)
{
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    bool osxsave = c & bit_OSXSAVE;
    unsigned long long xcr0 = osxsave ? read_xcr0() : 0;
    bool ymm_ok = (xcr0 & 0x6) == 0x6;
    bool zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0;
    features.ssse3 = c & bit_SSSE3;
    features.aesni = c & bit_AES;
    features.pclmul = c & bit_PCLMUL;
    features.avx = ymm_ok && (c & bit_AVX);
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        features.avx2 = features.avx && (b & bit_AVX2);
        features.avx512f = zmm_ok && (b & bit_AVX512F);
        features.avx512bw = zmm_ok && (b & bit_AVX512BW);
        features.avx512vl = zmm_ok && (b & bit_AVX512VL);
        features.gfni = c & (1u << 8);
        features.vaes = ymm_ok && (c & (1u << 9));
        features.vpclmul = ymm_ok && (c & (1u << 10));
    }
    const char *off = getenv("RP_CPU_DISABLE");
    if (disabled(off, "avx512"))
        features.avx512f = features.avx512bw = features.avx512vl = false;
    if (disabled(off, "gfni"))
        features.gfni = false;
    if (disabled(off, "aesni"))
        features.aesni = features.vaes = false;
    if (disabled(off, "pclmul"))
        features.pclmul = features.vpclmul = false;
    if (disabled(off, "avx2"))
        features.avx2 = false;
#endif
}

const rp_cpu_features_t *rp_cpu_features(void)
{
    pthread_once(&features_once, detect);
    return &features;
}
