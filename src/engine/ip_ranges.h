/*
 * ip_ranges.h — large sets of IPv4 and IPv6 prefixes (CIDR), for address
 * reputation lists ("reputation deny|allow FILE", docs/POLICY.md).
 *
 * Loaded into two sorted arrays of disjoint address ranges (overlapping
 * and adjacent prefixes merged), looked up by binary search. For lists of
 * a million prefixes this loads in one sort and holds 8 bytes per IPv4
 * range and 32 per IPv6 range, where a binary radix tree would hold up to
 * one node per prefix bit; a lookup is at most ~20 comparisons either way.
 */
#ifndef RAMPART_IP_RANGES_H
#define RAMPART_IP_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ip_ranges ip_ranges_t;

/* Read a file of prefixes, one per line ("10.0.0.0/8", "2001:db8::/32",
 * a bare address is a /32 or /128; '#' starts a comment). On error
 * returns NULL with "line N: reason" (or the open error) in why. */
ip_ranges_t *ip_ranges_load(const char *path, char *why, size_t why_len);
/* The same from text in memory (len bytes). */
ip_ranges_t *ip_ranges_parse(const char *text, size_t len, char *why, size_t why_len);
/* Is the address (text: dotted IPv4 or IPv6, IPv4-mapped IPv6 counts as
 * IPv4) in the set? */
bool ip_ranges_contains(const ip_ranges_t *r, const char *addr);
size_t ip_ranges_count(const ip_ranges_t *r); /* disjoint ranges after merging */
void ip_ranges_free(ip_ranges_t *r);

#endif
