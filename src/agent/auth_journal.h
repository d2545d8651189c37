/*
 * auth_journal.h — sshd's messages from the systemd journal (libsystemd's
 * sd_journal), for hosts where sshd logs to journald rather than to
 * auth.log. Entries of SYSLOG_IDENTIFIER=sshd or _COMM=sshd that arrive
 * after the agent started are handed over line by line (their MESSAGE,
 * cut at 4 KiB) exactly as log_tail hands over auth.log lines; history is
 * not replayed.
 */
#ifndef RAMPART_AGENT_AUTH_JOURNAL_H
#define RAMPART_AGENT_AUTH_JOURNAL_H

#include <stddef.h>

#include "rampart/status.h"

typedef struct auth_journal auth_journal_t;

/* dir: a journal directory, or "" for the system's journals. NULL with
 * err when the journal cannot be opened. */
auth_journal_t *auth_journal_open(const char *dir, rp_error_t *err);
void auth_journal_close(auth_journal_t *aj);

/* Reads the entries that arrived since the last call; on_line NULL
 * skips them. Returns the number of messages read. */
int auth_journal_poll(auth_journal_t *aj, void (*on_line)(void *ctx, const char *line, size_t len),
                      void *ctx);

#endif
