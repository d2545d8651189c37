/*
 * fuzz_ctl_config.c — rampartd.conf's parser (config.c) on arbitrary
 * bytes: an accepted configuration must hold values inside their bounds;
 * a refused one must say where and why.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    rp_error_t err;
    ctl_config_t *c = config_load_string((const char *)data, size, "fuzz.conf", &err);
    if (!c) {
        if (!err.reason[0] || !memchr(err.reason, '\0', sizeof(err.reason)))
            abort();
        return 0;
    }
    if (c->listen_port == 0 || c->retention_days < 1 || c->http_threads < 1 ||
        c->n_event_files > CONFIG_MAX_EVENT_FILES || (size_t)c->ingest_batch > c->ingest_queue ||
        c->session_absolute_s < c->session_idle_s || c->data_dir[0] != '/' ||
        strlen(c->event_socket) >= CONFIG_SOCKET_PATH_MAX)
        abort();
    config_unref(c);
    return 0;
}
