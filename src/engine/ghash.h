/*
 * ghash.h — GHASH, GCM's universal hash (NIST SP 800-38D §6.4): PCLMULQDQ
 * when the CPU has it, a constant-time portable multiply otherwise.
 */
#ifndef RAMPART_GHASH_H
#define RAMPART_GHASH_H

#include <stddef.h>
#include <stdint.h>

/* Fill htab (16 u64) from H for rp_ghash_blocks. */
void rp_ghash_init(uint64_t htab[16], const uint8_t h[16]);
/* x = (x ^ block) * H for each 16-byte block of in. */
void rp_ghash_blocks(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t nblocks);
/* The implementation in use: "pclmul" or "portable". */
const char *rp_ghash_impl_name(void);

/* The implementations themselves, for tests comparing them. */
void rp_ghash_portable(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t n);
void rp_ghash_pclmul(const uint64_t htab[16], uint8_t x[16], const uint8_t *in, size_t n);

#endif
