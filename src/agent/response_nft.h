/*
 * response_nft.h — source address blocks with nftables: the agent's own
 * table, so nothing else in the ruleset is touched and removing the table
 * undoes everything:
 *
 *     table inet rampart {
 *       set blocked4 { type ipv4_addr; flags timeout; }
 *       set blocked6 { type ipv6_addr; flags timeout; }
 *       chain input { type filter hook input priority filter - 10; policy accept;
 *                     ip saddr @blocked4 drop; ip6 saddr @blocked6 drop; }
 *     }
 *
 * A block is an element with a timeout, so it ends by itself; an unblock
 * deletes the element. nft(8) runs with a fixed argument list ("-f -",
 * the script on its stdin), an empty environment and, when configured, in
 * a named network namespace (setns on /run/netns/NAME, as ip-netns does);
 * no shell, nothing taken from the event but the parsed address.
 */
#ifndef RAMPART_AGENT_RESPONSE_NFT_H
#define RAMPART_AGENT_RESPONSE_NFT_H

#include <stddef.h>

/* Normalises an IPv4 or IPv6 address (inet_pton/ntop) into out; sets *v6.
 * -1 when text is no address. */
int nft_parse_address(const char *text, char *out, size_t size, int *v6);

/* 1 when addr (an address) is inside cidr ("10.0.0.0/8", "2001:db8::/32",
 * or one address); 0 when not; -1 when cidr is malformed. */
int nft_cidr_match(const char *cidr, const char *addr);

/* Blocks addr for seconds (creating the table when it is missing), or
 * removes its block. 0, or -1 with nft's complaint in err. */
int nft_block(const char *nft, const char *netns, const char *addr, int seconds, char *err,
              size_t err_size);
int nft_unblock(const char *nft, const char *netns, const char *addr, char *err, size_t err_size);

#endif
