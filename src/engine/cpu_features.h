/*
 * cpu_features.h — which x86-64 instruction set extensions this CPU and OS
 * offer (cpuid + xgetbv), for choosing crypto implementations at run time.
 */
#ifndef RAMPART_CPU_FEATURES_H
#define RAMPART_CPU_FEATURES_H

#include <stdbool.h>

typedef struct {
    bool aesni, pclmul, ssse3, avx, avx2;
    bool avx512f, avx512bw, avx512vl; /* with the OS saving zmm state */
    bool gfni, vaes, vpclmul;
} rp_cpu_features_t;

/* Detected once, then cached; RP_CPU_DISABLE="avx512,gfni,aesni,pclmul,avx2"
 * (any subset) in the environment pretends features are missing, for testing
 * the fallbacks. */
const rp_cpu_features_t *rp_cpu_features(void);

#endif
