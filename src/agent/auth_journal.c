/*
 * auth_journal.c — following sshd in the systemd journal (see
 * auth_journal.h). sd_journal_get_fd sets up the journal's inotify
 * watches once; each poll runs sd_journal_process, so new entries and
 * new or rotated journal files are seen, then reads what follows the
 * last entry read.
 */
#include "auth_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

#define MESSAGE_MAX      4096
#define ENTRIES_PER_POLL 10000 /* bounded work per tick; the rest follows */

struct auth_journal {
    sd_journal *j;
};

static int fail(rp_error_t *err, const char *dir, const char *what, int rc)
{
    memset(err, 0, sizeof(*err));
    snprintf(err->file, sizeof(err->file), "%s", *dir ? dir : "the system journal");
    snprintf(err->reason, sizeof(err->reason), "%s: %s", what, strerror(-rc));
    return -1;
}

auth_journal_t *auth_journal_open(const char *dir, rp_error_t *err)
{
    auth_journal_t *aj = calloc(1, sizeof(*aj));
    if (!aj) {
        fail(err, dir, "out of memory", -12);
        return NULL;
    }
    int rc = *dir ? sd_journal_open_directory(&aj->j, dir, 0)
                  : sd_journal_open(&aj->j, SD_JOURNAL_LOCAL_ONLY);
    if (rc < 0) {
        fail(err, dir, "cannot open the journal", rc);
        free(aj);
        return NULL;
    }
    /* sshd's own entries: by its syslog identifier or its command name */
    if ((rc = sd_journal_add_match(aj->j, "SYSLOG_IDENTIFIER=sshd", 0)) < 0 ||
        (rc = sd_journal_add_disjunction(aj->j)) < 0 ||
        (rc = sd_journal_add_match(aj->j, "_COMM=sshd", 0)) < 0 ||
        (rc = sd_journal_get_fd(aj->j)) < 0 || (rc = sd_journal_seek_tail(aj->j)) < 0) {
        fail(err, dir, "cannot follow the journal", rc);
        auth_journal_close(aj);
        return NULL;
    }
    /* after seek_tail, previous() lands on the last entry: next() then
     * returns only what comes later */
    sd_journal_previous(aj->j);
    return aj;
}

void auth_journal_close(auth_journal_t *aj)
{
    if (!aj)
        return;
    sd_journal_close(aj->j);
    free(aj);
}

int auth_journal_poll(auth_journal_t *aj, void (*on_line)(void *ctx, const char *line, size_t len),
                      void *ctx)
{
    sd_journal_process(aj->j);
    int n = 0;
    while (n < ENTRIES_PER_POLL && sd_journal_next(aj->j) > 0) {
        const void *data;
        size_t len;
        if (sd_journal_get_data(aj->j, "MESSAGE", &data, &len) < 0 || len < 8)
            continue;
        n++;
        if (!on_line)
            continue;
        const char *msg = (const char *)data + 8; /* "MESSAGE=" */
        len -= 8;
        on_line(ctx, msg, len < MESSAGE_MAX ? len : MESSAGE_MAX);
    }
    return n;
}
