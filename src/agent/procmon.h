/*
 * procmon.h — malicious process detection (docs/AGENT.md, "Malicious
 * processes").
 *
 * Exec events come from the kernel's process connector (netlink,
 * NETLINK_CONNECTOR / CN_IDX_PROC; needs CAP_NET_ADMIN): each new program
 * is looked at as it starts. Without the connector (no capability, a
 * container's PID namespace) /proc is scanned every 2 s instead. Either
 * way a full scan every process_scan_seconds looks at every process again
 * (a shell can be connected to a socket after it started, a file deleted
 * after it was run) and attributes new listening TCP sockets to their
 * processes. Each trait of proc_rules.h is reported once per process as a
 * "process" event with the process, its parent chain and the evidence.
 */
#ifndef RAMPART_AGENT_PROCMON_H
#define RAMPART_AGENT_PROCMON_H

#include <stdint.h>

struct agent;
typedef struct procmon procmon_t;

/* NULL on allocation failure only; without the connector it falls back
 * to scanning (logged). */
procmon_t *procmon_open(struct agent *ag);
void procmon_close(procmon_t *pm);
/* The connector's descriptor for the loop's epoll, or -1 (scanning). */
int procmon_fd(const procmon_t *pm);
void procmon_on_readable(procmon_t *pm);
void procmon_tick(procmon_t *pm, int64_t now_ms);
/* Switched off, nothing is looked at; switched on, a full scan follows. */
void procmon_set_enabled(procmon_t *pm, int on);
int procmon_enabled(const procmon_t *pm);
/* 1 when exec events come from the connector. */
int procmon_connected(const procmon_t *pm);

#endif
