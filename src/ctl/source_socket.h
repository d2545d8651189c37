/*
 * source_socket.h — events as datagrams on a local unix socket (what
 * rampart_event_sink unix:PATH sends: one JSON event per datagram).
 *
 * Datagrams have no copy anywhere else: an event queued here and not yet
 * committed is lost if rampartd dies, and one that arrives while the queue
 * is full is dropped and counted (rampartd_events_dropped_total). Use the
 * file sink where every event must survive a crash (docs/RAMPARTD.md).
 */
#ifndef RAMPART_CTL_SOURCE_SOCKET_H
#define RAMPART_CTL_SOURCE_SOCKET_H

#include "ctl.h"

typedef struct socket_source socket_source_t;

/* Binds path (a stale socket left by a dead rampartd is replaced; a live
 * one or a non-socket file is an error) with the given mode. */
socket_source_t *socket_source_start(ctl_t *ctl, const char *path, unsigned mode, rp_error_t *err);
void socket_source_stop(socket_source_t *ss);
void socket_source_free(socket_source_t *ss); /* also removes the socket file */

#endif
