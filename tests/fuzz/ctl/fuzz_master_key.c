/*
 * fuzz_master_key.c — the master key file's parser (keyprov_file.c) on
 * arbitrary bytes, through a real 0600 file: an accepted file must give a
 * current version that wraps and unwraps; a refused one must say why.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keyprov.h"

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

static void make_file(void)
{
    snprintf(path, sizeof(path), "/tmp/fuzz-master-key-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    atexit(remove_file);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!path[0])
        make_file();
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    rp_error_t err;
    memset(&err, 0, sizeof(err));
    keyprov_t *p = keyprov_file_open(path, 0, &err);
    if (!p) {
        if (!err.reason[0] || !memchr(err.reason, '\0', sizeof(err.reason)))
            abort();
        return 0;
    }
    uint32_t v = p->ops->current(p);
    static const uint8_t secret[24] = "what the master key wrap";
    uint8_t wrapped[128], out[64];
    size_t wl = 0, ol = 0;
    if (v == 0 || !p->ops->has(p, v) ||
        p->ops->wrap(p, v, secret, sizeof(secret), wrapped, sizeof(wrapped), &wl) != 0 ||
        p->ops->unwrap(p, v, wrapped, wl, out, sizeof(out), &ol) != 0 || ol != sizeof(secret) ||
        memcmp(out, secret, ol) != 0)
        abort();
    keyprov_close(p);
    return 0;
}
