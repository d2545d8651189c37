/*
 * identity.c — the agent's enrolled identity on disk (see identity.h).
 */
#include "identity.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"

int identity_load(const char *state_dir, agent_identity_t *out)
{
    char path[1100];
    snprintf(path, sizeof(path), "%s/identity", state_dir);
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return 1;
        log_kv(LOG_LEVEL_ERROR, "cannot read the identity", "file", path, "error", strerror(errno),
               NULL);
        return -1;
    }
    char hex[2 * AGENT_SECRET_LEN + 2];
    int64_t id = 0;
    int ok = fscanf(f, "%" SCNd64 " %65s", &id, hex) == 2 && id > 0 &&
             agent_unhex(hex, out->secret, AGENT_SECRET_LEN) == 0;
    fclose(f);
    secret_wipe(hex, sizeof(hex));
    if (!ok) {
        log_kv(LOG_LEVEL_ERROR, "the identity file is malformed; remove it and enrol again", "file",
               path, NULL);
        return -1;
    }
    out->id = id;
    return 0;
}

int identity_save(const char *state_dir, const agent_identity_t *id)
{
    char path[1100], tmp[1100];
    snprintf(path, sizeof(path), "%s/identity", state_dir);
    snprintf(tmp, sizeof(tmp), "%s/identity.tmp", state_dir);
    char hex[2 * AGENT_SECRET_LEN + 1];
    agent_hex(id->secret, AGENT_SECRET_LEN, hex);
    char line[128];
    int n = snprintf(line, sizeof(line), "%" PRId64 " %s\n", id->id, hex);
    secret_wipe(hex, sizeof(hex));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int ok = fd >= 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    secret_wipe(line, sizeof(line));
    if (fd >= 0)
        close(fd);
    if (!ok || rename(tmp, path) != 0) {
        log_kv(LOG_LEVEL_ERROR, "cannot save the identity", "file", path, "error", strerror(errno),
               NULL);
        unlink(tmp);
        return -1;
    }
    return 0;
}
