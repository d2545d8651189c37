/*
 * client.c — HTTP to rampartd with libcurl (see client.h).
 */
#include "client.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timefmt.h"

struct agent_client {
    CURL *curl;
    char base[AGENT_PATH_MAX];
    char ca[AGENT_PATH_MAX];
    long timeout_s;
    int64_t last_ts; /* the last signed timestamp, to keep them growing */
};

agent_client_t *client_new(const agent_config_t *cfg)
{
    static int curl_ready; /* curl_global_init once per process, from the main thread */
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return NULL;
        curl_ready = 1;
    }
    agent_client_t *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return NULL;
    cl->curl = curl_easy_init();
    if (!cl->curl) {
        free(cl);
        return NULL;
    }
    snprintf(cl->base, sizeof(cl->base), "%s", cfg->server);
    snprintf(cl->ca, sizeof(cl->ca), "%s", cfg->server_ca);
    cl->timeout_s = cfg->request_timeout_s;
    return cl;
}

void client_free(agent_client_t *cl)
{
    if (!cl)
        return;
    curl_easy_cleanup(cl->curl);
    free(cl);
}

static size_t on_data(char *data, size_t size, size_t n, void *ctx)
{
    strbuf_append(ctx, data, size * n);
    return ((strbuf_t *)ctx)->failed ? 0 : size * n;
}

long client_post(agent_client_t *cl, const char *path, const char *body, size_t len,
                 const agent_identity_t *id, strbuf_t *resp)
{
    char url[AGENT_PATH_MAX + 256];
    snprintf(url, sizeof(url), "%s%s", cl->base, path);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    /* no "Expect: 100-continue" round trip before each batch */
    headers = curl_slist_append(headers, "Expect:");
    if (id) {
        int64_t ts = time_now_ms();
        if (ts <= cl->last_ts)
            ts = cl->last_ts + 1;
        cl->last_ts = ts;
        char sig[AGENT_SIGN_HEX_LEN + 1], h[160];
        agent_sign(id->secret, "POST", path, id->id, ts, body, len, sig);
        snprintf(h, sizeof(h), AGENT_HEADER_ID ": %" PRId64, id->id);
        headers = curl_slist_append(headers, h);
        snprintf(h, sizeof(h), AGENT_HEADER_TIMESTAMP ": %" PRId64, ts);
        headers = curl_slist_append(headers, h);
        snprintf(h, sizeof(h), AGENT_HEADER_SIGNATURE ": %s", sig);
        headers = curl_slist_append(headers, h);
    }
    CURL *c = cl->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, cl->timeout_s);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    if (cl->ca[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, cl->ca);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        log_kv(LOG_LEVEL_DEBUG, "request failed", "path", path, "error", curl_easy_strerror(rc),
               NULL);
    curl_slist_free_all(headers);
    return status;
}
