/*
 * ngx_http_rampart_module.c — nginx glue for librampart.
 *
 * The module has no security logic of its own: it walks each main request
 * through an rp_tx_t and does what the verdict says.
 *
 *   rewrite phase   connection, request line, headers → verdict; when a body
 *                   follows, buffered mode reads it here (resuming the phase
 *                   from the read callback), streaming mode lets the content
 *                   handler read it.
 *   request body    every body buffer passes through the engine before
 *   filter          nginx's save filter spools it to disk, so a large upload
 *                   streams through the engine in chunks; in streaming mode a
 *                   block verdict returns an error there, aborting the
 *                   upstream request.
 *   header/body     response status, headers, body chunks; skipped entirely
 *   filters         when the engine declines the response.
 *   log phase       the transaction's JSON event goes to the sink without
 *                   blocking (non-blocking datagram, or one O_APPEND write).
 *
 * The handler sits in NGX_HTTP_REWRITE_PHASE ahead of the rewrite module's
 * own handler, so `return`/`rewrite` inside a protected location cannot skip
 * inspection (docs/NGINX.md). The transaction is freed by a pool cleanup,
 * which also lets us find the context again after an internal redirect has
 * wiped r->ctx: a request is inspected once, whatever its internal path.
 *
 * Policies are loaded at configuration time (nginx -t reports file:line),
 * once per distinct path; a reload builds new ones in the new cycle and old
 * workers finish on the old. Counters live in a small shared-memory zone,
 * updated with atomic adds.
 *
 * SecLang's persistent collections (IP, GLOBAL...) live in a second zone
 * when `rampart_collections zone=NAME:SIZE` is set: the engine's shared
 * store keeps its records there with the zone's slab allocator, under the
 * slab pool's shmtx lock, so every worker counts the same brute-force
 * attempts; a reload that keeps the zone's name and size keeps the records.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <pthread.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "rampart/rampart.h"


#define NGX_HTTP_RAMPART_MODE_POLICY  100   /* rampart_mode not set */

#define NGX_HTTP_RAMPART_BODY_BUFFERED   0
#define NGX_HTTP_RAMPART_BODY_STREAMING  1

#define NGX_HTTP_RAMPART_SINK_OFF   0
#define NGX_HTTP_RAMPART_SINK_UNIX  1
#define NGX_HTTP_RAMPART_SINK_FILE  2


typedef struct {
    ngx_atomic_t                 inspected;
    ngx_atomic_t                 blocked;
    ngx_atomic_t                 detected;
    ngx_atomic_t                 events_sent;
    ngx_atomic_t                 events_dropped;
    ngx_atomic_t                 body_streamed;
} ngx_http_rampart_counters_t;


/* One rampart_policy file: the policy compiled from it, per worker once
 * the worker runs (ngx_http_rampart_policy_current swaps it when the file
 * changes), and what was last seen of the file. */
typedef struct {
    ngx_str_t                    path;
    rp_policy_t                 *policy;
    struct stat                  st;        /* of the last load or attempt */
    ngx_msec_t                   checked;
    ngx_uint_t                   checked_once;
    ngx_err_t                    logged_errno;
    u_char                      *text;      /* the file's bytes at that load */
    size_t                       text_len;

    /* a load in a thread of its own: a CRS policy compiles for a second or
     * more, and the worker keeps serving on the running policy meanwhile */
    pthread_t                    loader;
    ngx_uint_t                   loading;
    ngx_uint_t                   loaded;    /* set by the loader, atomically */
    rp_policy_t                 *next;      /* its result; NULL: err says why */
    rp_error_t                   err;
} ngx_http_rampart_policy_entry_t;


/* The collections zone's root, in shared memory: where the engine keeps
 * its record table (rp_collections_host_t.root). */
typedef struct {
    void                        *table;
} ngx_http_rampart_collections_shm_t;


/* What the engine's shared store calls back into, per worker. */
typedef struct {
    ngx_slab_pool_t             *shpool;
    ngx_log_t                   *log;
} ngx_http_rampart_collections_host_t;


typedef struct {
    ngx_array_t                  policies;  /* ngx_http_rampart_policy_entry_t * */
    rp_policy_t                 *default_policy;
    ngx_shm_zone_t              *shm_zone;
    ngx_shm_zone_t              *collections_zone;  /* NULL: not set */
    rp_collections_t            *collections;       /* per worker */
    ngx_http_rampart_collections_host_t  collections_host;
    ngx_int_t                    request_id_index;
    ngx_flag_t                   enabled;   /* "rampart on" seen somewhere */

    ngx_uint_t                   sink_type;
    ngx_str_t                    sink_path;
    struct sockaddr_un           sink_addr;
    socklen_t                    sink_addrlen;
    ngx_fd_t                     sink_fd;   /* unix: per worker socket */
    ngx_open_file_t             *sink_file; /* file: opened by the master */

    ngx_str_t                    switches;  /* rampart_switches FILE */

    ngx_str_t                    identity_keys;         /* FILE, or empty */
    ngx_str_t                    identity_revocations;  /* FILE, or empty */
    ngx_shm_zone_t              *identity_zone;         /* hand-offs used */

    ngx_str_t                    data_keys;  /* rampart_data_keys FILE, or empty */
} ngx_http_rampart_main_conf_t;


/* One application's protection switches, from the rampart_switches file
 * (per worker): the WAF's and identity's; the file may name more. */
typedef struct {
    ngx_str_t                    app;
    ngx_uint_t                   waf;       /* RP_MODE_* */
    ngx_uint_t                   identity;  /* RP_MODE_* */
    ngx_uint_t                   masking;   /* RP_MODE_* */
    ngx_uint_t                   encryption; /* RP_MODE_* */
    ngx_uint_t                   api[RP_PROTECTION_COUNT];  /* RP_MODE_* */
} ngx_http_rampart_switch_t;


/* The API protections' names in the switches file, by rp_protection_t. */
static ngx_str_t  ngx_http_rampart_api_switch_names[RP_PROTECTION_COUNT] = {
    ngx_string("openapi"),
    ngx_string("rate_limit"),
    ngx_string("bot"),
    ngx_string("baseline")
};


typedef struct {
    ngx_flag_t                   enable;
    ngx_http_rampart_policy_entry_t  *watched;  /* rampart_policy, or NULL */
    rp_policy_t                 *policy;    /* without one: the defaults */
    ngx_uint_t                   mode;
    ngx_str_t                    app;
    ngx_uint_t                   body;

    ngx_str_t                    identity_portal;     /* URL, or empty */
    ngx_str_t                    upstream_key;        /* decoded, or empty */
} ngx_http_rampart_loc_conf_t;


typedef struct {
    rp_tx_t                     *tx;
    rp_policy_t                 *policy;         /* tx's: it holds a reference */
    ngx_str_t                    request_id;
    ngx_int_t                    status;         /* the phase's answer */

    unsigned                     status_pending:1;
    unsigned                     reading_body:1;
    unsigned                     feed_body:1;
    unsigned                     streaming:1;
    unsigned                     request_ended:1;
    unsigned                     answered:1;     /* we refused: filters pass */
    unsigned                     response_started:1;
    unsigned                     response_inspect:1;
    unsigned                     response_ended:1;
    unsigned                     logged:1;
    unsigned                     fieldenc:1;     /* an encrypt rule covers it */

    ngx_str_t                    set_cookie[2];  /* identity cookies to send */
    ngx_uint_t                   nset_cookie;

    rp_id_claims_t              *viewer;         /* a valid session, or NULL */
    ngx_str_t                    id_cookie;      /* rampart_id's value (a copy),
                                                    cut from Cookie; or empty */
} ngx_http_rampart_ctx_t;


static ngx_int_t ngx_http_rampart_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_rampart_inspect_request(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, ngx_http_rampart_loc_conf_t *lcf);
static void ngx_http_rampart_body_ready(ngx_http_request_t *r);
static ngx_int_t ngx_http_rampart_decide(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx);
static ngx_int_t ngx_http_rampart_request_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_rampart_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_rampart_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_rampart_log_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_rampart_status_handler(ngx_http_request_t *r);

static void ngx_http_rampart_cleanup(void *data);
static void ngx_http_rampart_policy_cleanup(void *data);
static ngx_int_t ngx_http_rampart_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_int_t ngx_http_rampart_init_collections_zone(
    ngx_shm_zone_t *shm_zone, void *data);

static char *ngx_http_rampart_enable(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rampart_policy(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rampart_event_sink(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rampart_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rampart_compile_cache(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_rampart_collections(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);

static char *ngx_http_rampart_identity_keys(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_rampart_identity_revocations(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_rampart_data_keys(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_rampart_identity_upstream_key(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_rampart_init_identity_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void *ngx_http_rampart_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_rampart_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_rampart_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_rampart_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_rampart_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_rampart_init_process(ngx_cycle_t *cycle);
static void ngx_http_rampart_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_rampart_modes[] = {
    { ngx_string("block"), RP_MODE_BLOCK },
    { ngx_string("detect"), RP_MODE_DETECT },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_rampart_body_modes[] = {
    { ngx_string("buffered"), NGX_HTTP_RAMPART_BODY_BUFFERED },
    { ngx_string("streaming"), NGX_HTTP_RAMPART_BODY_STREAMING },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_rampart_commands[] = {

    { ngx_string("rampart"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_rampart_enable,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rampart_loc_conf_t, enable),
      NULL },

    { ngx_string("rampart_policy"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_policy,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_mode"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rampart_loc_conf_t, mode),
      &ngx_http_rampart_modes },

    { ngx_string("rampart_app"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rampart_loc_conf_t, app),
      NULL },

    { ngx_string("rampart_request_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rampart_loc_conf_t, body),
      &ngx_http_rampart_body_modes },

    { ngx_string("rampart_event_sink"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_event_sink,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_compile_cache"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_compile_cache,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_collections"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_collections,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_switches"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_rampart_main_conf_t, switches),
      NULL },

    { ngx_string("rampart_identity_keys"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_identity_keys,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_identity_revocations"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_identity_revocations,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_data_keys"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_data_keys,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_identity_portal"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_rampart_loc_conf_t, identity_portal),
      NULL },

    { ngx_string("rampart_identity_upstream_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_rampart_identity_upstream_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("rampart_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_rampart_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_rampart_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_rampart_init,                 /* postconfiguration */

    ngx_http_rampart_create_main_conf,     /* create main configuration */
    ngx_http_rampart_init_main_conf,       /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_rampart_create_loc_conf,      /* create location configuration */
    ngx_http_rampart_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_rampart_module = {
    NGX_MODULE_V1,
    &ngx_http_rampart_module_ctx,          /* module context */
    ngx_http_rampart_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_rampart_init_process,         /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_rampart_exit_process,         /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;
static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;

static ngx_str_t  ngx_http_rampart_zone_name = ngx_string("rampart_counters");
static ngx_str_t  ngx_http_rampart_request_id_var = ngx_string("request_id");


/* ------------------------------------------------------------------------
 * context and counters
 */

/*
 * r->ctx is wiped by internal redirects (error_page, try_files, named
 * locations) and by other modules' filter finalization; the pool cleanup
 * that owns the transaction still points at our context, so look there.
 */
static ngx_http_rampart_ctx_t *
ngx_http_rampart_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t      *cln;
    ngx_http_rampart_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_rampart_module);

    if (ctx != NULL || !(r->internal || r->filter_finalize)) {
        return ctx;
    }

    for (cln = r->pool->cleanup; cln; cln = cln->next) {
        if (cln->handler == ngx_http_rampart_cleanup) {
            ctx = cln->data;
            ngx_http_set_ctx(r, ctx, ngx_http_rampart_module);
            return ctx;
        }
    }

    return NULL;
}


static ngx_http_rampart_counters_t *
ngx_http_rampart_counters(ngx_http_request_t *r)
{
    ngx_http_rampart_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    return mcf->shm_zone->data;
}


#define ngx_http_rampart_count(r, field)                                      \
    (void) ngx_atomic_fetch_add(&ngx_http_rampart_counters(r)->field, 1)


static void
ngx_http_rampart_cleanup(void *data)
{
    ngx_http_rampart_ctx_t  *ctx = data;

    if (ctx->tx != NULL) {
        rp_tx_free(ctx->tx);
        ctx->tx = NULL;
    }
}


static ngx_uint_t
ngx_http_rampart_refuses(const rp_verdict_t *v)
{
    return v != NULL && v->action != RP_ACTION_ALLOW && !v->detect_only;
}


/* ------------------------------------------------------------------------
 * policies swapped in the workers (docs/NGINX.md, "Policy changes")
 *
 * Each worker checks every rampart_policy file at most every
 * NGX_HTTP_RAMPART_POLICY_CHECK ms, on the requests it serves: a stat()
 * (through rampart sync's "current" link), and a load only when the file's
 * identity (device, inode, size, mtime) and its text changed, in a thread
 * of its own while the worker goes on serving. The new policy replaces
 * the old one for the requests that start after the load; a request
 * already running keeps the old one (its transaction holds a reference)
 * and the old one is freed with the last of them. No reload: keep-alive
 * connections stay open. A file that does not load keeps the running
 * policy and is logged with its file:line, once per change of the file.
 */

#define NGX_HTTP_RAMPART_POLICY_CHECK  100
#define NGX_HTTP_RAMPART_POLICY_MAX    (16 * 1024 * 1024)


static ngx_uint_t
ngx_http_rampart_same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev
           && a->st_size == b->st_size
           && a->st_mtim.tv_sec == b->st_mtim.tv_sec
           && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}


/* Reads the file and keeps its bytes in e: NGX_OK when they differ from
 * those of the last load (or cannot be read: the load reports why),
 * NGX_DECLINED when they are the same. */
static ngx_int_t
ngx_http_rampart_policy_text(ngx_http_rampart_policy_entry_t *e,
    ngx_log_t *log)
{
    u_char     *text;
    ssize_t     n;
    ngx_fd_t    fd;

    if (e->st.st_size <= 0 || e->st.st_size > NGX_HTTP_RAMPART_POLICY_MAX) {
        return NGX_OK;
    }

    fd = ngx_open_file(e->path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        return NGX_OK;
    }

    text = ngx_alloc((size_t) e->st.st_size, log);
    n = text != NULL ? read(fd, text, (size_t) e->st.st_size) : -1;
    (void) ngx_close_file(fd);

    if (n != (ssize_t) e->st.st_size) {
        ngx_free(text);
        return NGX_OK;
    }

    if (e->text != NULL && e->text_len == (size_t) n
        && ngx_memcmp(e->text, text, (size_t) n) == 0)
    {
        ngx_free(text);
        return NGX_DECLINED;
    }

    if (e->text != NULL) {
        ngx_free(e->text);
    }

    e->text = text;
    e->text_len = (size_t) n;

    return NGX_OK;
}


static void *
ngx_http_rampart_policy_loader(void *data)
{
    ngx_http_rampart_policy_entry_t  *e = data;

    e->next = rp_policy_load((const char *) e->path.data, &e->err);
    __atomic_store_n(&e->loaded, 1, __ATOMIC_RELEASE);

    return NULL;
}


/* The loader's result replaces the running policy, or is logged. */
static void
ngx_http_rampart_policy_install(ngx_http_rampart_policy_entry_t *e,
    ngx_log_t *log)
{
    if (e->next == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "rampart_policy: %s:%ui: %s; the running policy stays "
                      "in use",
                      e->err.file[0] ? e->err.file : (char *) e->path.data,
                      (ngx_uint_t) e->err.line,
                      e->err.reason[0] ? e->err.reason : "cannot load");
        return;
    }

    /* requests still running on the old one hold their own references */
    rp_policy_unref(e->policy);
    e->policy = e->next;
    e->next = NULL;

    ngx_log_error(NGX_LOG_NOTICE, log, 0,
                  "rampart_policy: \"%V\" loaded, version %s", &e->path,
                  rp_policy_version(e->policy));
}


/* Waits for a running loader (at exit) and drops what it made. */
static void
ngx_http_rampart_policy_loader_join(ngx_http_rampart_policy_entry_t *e)
{
    if (!e->loading) {
        return;
    }

    (void) pthread_join(e->loader, NULL);
    e->loading = 0;

    if (e->next != NULL) {
        rp_policy_unref(e->next);
        e->next = NULL;
    }
}


static rp_policy_t *
ngx_http_rampart_policy_current(ngx_http_rampart_policy_entry_t *e,
    ngx_log_t *log)
{
    struct stat  st;
    sigset_t     all, old;

    if (e->loading) {
        if (!__atomic_load_n(&e->loaded, __ATOMIC_ACQUIRE)) {
            return e->policy;
        }

        (void) pthread_join(e->loader, NULL);
        e->loading = 0;
        ngx_http_rampart_policy_install(e, log);
    }

    if (e->checked_once
        && ngx_current_msec - e->checked < NGX_HTTP_RAMPART_POLICY_CHECK)
    {
        return e->policy;
    }

    e->checked = ngx_current_msec;
    e->checked_once = 1;

    if (stat((const char *) e->path.data, &st) != 0) {
        if (ngx_errno != e->logged_errno) {
            e->logged_errno = ngx_errno;
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "rampart_policy: cannot stat \"%V\"; the running "
                          "policy stays in use", &e->path);
        }

        return e->policy;
    }

    e->logged_errno = 0;

    if (ngx_http_rampart_same_file(&st, &e->st)) {
        return e->policy;
    }

    e->st = st;

    /* rampart sync installs every bundle in a new directory: a policy
     * whose text did not change is not compiled again */
    if (ngx_http_rampart_policy_text(e, log) != NGX_OK) {
        return e->policy;
    }

    ngx_memzero(&e->err, sizeof(rp_error_t));
    e->next = NULL;
    e->loaded = 0;

    /* the loader takes no signal: the worker's handlers run in the worker */
    sigfillset(&all);
    (void) pthread_sigmask(SIG_SETMASK, &all, &old);
    e->loading = pthread_create(&e->loader, NULL,
                                ngx_http_rampart_policy_loader, e) == 0;
    (void) pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (!e->loading) {
        /* no thread to be had: load here, the worker waits */
        e->next = rp_policy_load((const char *) e->path.data, &e->err);
        ngx_http_rampart_policy_install(e, log);
    }

    return e->policy;
}


/* The policy a request of this location starts on now. */
static rp_policy_t *
ngx_http_rampart_loc_policy(ngx_http_rampart_loc_conf_t *lcf, ngx_log_t *log)
{
    if (lcf->watched != NULL) {
        return ngx_http_rampart_policy_current(lcf->watched, log);
    }

    return lcf->policy;
}


/* ------------------------------------------------------------------------
 * protection switches: rampart_switches FILE
 *
 * rampart sync writes the file (atomically, by rename) whenever the control
 * plane changes a switch. Each worker checks it at most every
 * NGX_HTTP_RAMPART_SWITCHES_CHECK ms, on the requests it serves: a stat(),
 * and a read only when the file's identity (inode, size, mtime) changed.
 * So a switch takes effect in every worker within that time, without a
 * reload and without compiling a policy. Lines: "APP waf=block|detect|off
 * [identity=block|detect|off] [openapi=...] [rate_limit=...] [bot=...]
 * [baseline=...] [other=...]..."; '#' starts a comment;
 * unknown keys are ignored (other protections read them), a bad line is
 * skipped and logged.
 */

#define NGX_HTTP_RAMPART_SWITCHES_CHECK  100
#define NGX_HTTP_RAMPART_SWITCHES_MAX    (1024 * 1024)

static ngx_pool_t   *ngx_http_rampart_sw_pool;
static ngx_array_t  *ngx_http_rampart_sw;       /* ngx_http_rampart_switch_t */
static ngx_msec_t    ngx_http_rampart_sw_checked;
static ngx_uint_t    ngx_http_rampart_sw_checked_once;
static struct stat   ngx_http_rampart_sw_stat;
static ngx_err_t     ngx_http_rampart_sw_errno;   /* the last one logged */


static ngx_int_t
ngx_http_rampart_parse_mode(u_char *p, size_t len)
{
    if (len == 5 && ngx_strncmp(p, "block", 5) == 0) {
        return RP_MODE_BLOCK;
    }

    if (len == 6 && ngx_strncmp(p, "detect", 6) == 0) {
        return RP_MODE_DETECT;
    }

    if (len == 3 && ngx_strncmp(p, "off", 3) == 0) {
        return RP_MODE_OFF;
    }

    return NGX_ERROR;
}


static ngx_array_t *
ngx_http_rampart_parse_switches(ngx_pool_t *pool, ngx_log_t *log, u_char *p,
    u_char *end)
{
    u_char                     *line, *eol, *w, *we, *eq;
    ngx_int_t                   mode;
    ngx_uint_t                  n, k, *field;
    ngx_str_t                  *name;
    ngx_array_t                *a;
    ngx_http_rampart_switch_t  *sw;

    a = ngx_array_create(pool, 16, sizeof(ngx_http_rampart_switch_t));
    if (a == NULL) {
        return NULL;
    }

    for (n = 1, line = p; line < end; n++, line = eol + 1) {
        eol = ngx_strlchr(line, end, '\n');
        if (eol == NULL) {
            eol = end;
        }

        w = line;
        while (w < eol && (*w == ' ' || *w == '\t' || *w == '\r')) {
            w++;
        }

        if (w == eol || *w == '#') {
            continue;
        }

        we = w;
        while (we < eol && *we != ' ' && *we != '\t' && *we != '\r') {
            we++;
        }

        sw = ngx_array_push(a);
        if (sw == NULL) {
            return NULL;
        }

        sw->app.data = w;
        sw->app.len = we - w;
        sw->waf = NGX_CONF_UNSET_UINT;
        sw->identity = NGX_CONF_UNSET_UINT;
        sw->masking = NGX_CONF_UNSET_UINT;
        sw->encryption = NGX_CONF_UNSET_UINT;

        for (k = 0; k < RP_PROTECTION_COUNT; k++) {
            sw->api[k] = NGX_CONF_UNSET_UINT;
        }

        for (w = we; w < eol; w = we) {
            while (w < eol && (*w == ' ' || *w == '\t' || *w == '\r')) {
                w++;
            }

            we = w;
            while (we < eol && *we != ' ' && *we != '\t' && *we != '\r') {
                we++;
            }

            eq = ngx_strlchr(w, we, '=');

            if (eq != NULL && eq - w == 3 && ngx_strncmp(w, "waf", 3) == 0) {
                field = &sw->waf;

            } else if (eq != NULL && eq - w == 8
                       && ngx_strncmp(w, "identity", 8) == 0)
            {
                field = &sw->identity;

            } else if (eq != NULL
                       && ((eq - w == 7 && ngx_strncmp(w, "masking", 7) == 0)
                           || (eq - w == 4 && ngx_strncmp(w, "mask", 4) == 0)))
            {
                field = &sw->masking;

            } else if (eq != NULL && eq - w == 10
                       && ngx_strncmp(w, "encryption", 10) == 0)
            {
                field = &sw->encryption;

            } else {
                field = NULL;

                for (k = 0; eq != NULL && k < RP_PROTECTION_COUNT; k++) {
                    name = &ngx_http_rampart_api_switch_names[k];

                    if ((size_t) (eq - w) == name->len
                        && ngx_strncmp(w, name->data, name->len) == 0)
                    {
                        field = &sw->api[k];
                        break;
                    }
                }

                if (field == NULL) {
                    continue;
                }
            }

            mode = ngx_http_rampart_parse_mode(eq + 1, we - eq - 1);
            if (mode == NGX_ERROR) {
                ngx_log_error(NGX_LOG_WARN, log, 0,
                              "rampart_switches: line %ui: %*s must be "
                              "block, detect or off; line ignored", n,
                              (size_t) (eq - w), w);
                a->nelts--;
                break;
            }

            *field = mode;
        }
    }

    return a;
}


/* Re-reads the switches file when it changed; keeps the last good table
 * when it cannot be read. */
static void
ngx_http_rampart_refresh_switches(ngx_http_rampart_main_conf_t *mcf,
    ngx_log_t *log)
{
    u_char       *buf;
    ssize_t       n;
    ngx_fd_t      fd;
    ngx_pool_t   *pool;
    struct stat   st;
    ngx_array_t  *a;

    if (ngx_http_rampart_sw_checked_once
        && ngx_current_msec - ngx_http_rampart_sw_checked
           < NGX_HTTP_RAMPART_SWITCHES_CHECK)
    {
        return;
    }

    ngx_http_rampart_sw_checked = ngx_current_msec;
    ngx_http_rampart_sw_checked_once = 1;

    if (stat((const char *) mcf->switches.data, &st) != 0) {
        /* once per kind of failure: the workers' user must be able to
         * read the file (and search every directory above it) */
        if (ngx_errno != ngx_http_rampart_sw_errno) {
            ngx_http_rampart_sw_errno = ngx_errno;
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "rampart_switches: cannot stat \"%V\"; the "
                          "policies' own modes apply", &mcf->switches);
        }
        return;
    }

    ngx_http_rampart_sw_errno = 0;

    if (ngx_http_rampart_sw != NULL
        && ngx_http_rampart_same_file(&st, &ngx_http_rampart_sw_stat))
    {
        return;
    }

    if (st.st_size > NGX_HTTP_RAMPART_SWITCHES_MAX) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "rampart_switches: \"%V\" is larger than %d bytes",
                      &mcf->switches, NGX_HTTP_RAMPART_SWITCHES_MAX);
        return;
    }

    pool = ngx_create_pool(4096, log);
    if (pool == NULL) {
        return;
    }

    buf = ngx_pnalloc(pool, st.st_size + 1);
    fd = ngx_open_file(mcf->switches.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (buf == NULL || fd == NGX_INVALID_FILE) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "rampart_switches: cannot open \"%V\"", &mcf->switches);
        ngx_destroy_pool(pool);
        return;
    }

    n = read(fd, buf, st.st_size + 1);
    ngx_close_file(fd);

    if (n < 0 || n > st.st_size) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "rampart_switches: cannot read \"%V\"", &mcf->switches);
        ngx_destroy_pool(pool);
        return;
    }

    a = ngx_http_rampart_parse_switches(pool, log, buf, buf + n);
    if (a == NULL) {
        ngx_destroy_pool(pool);
        return;
    }

    if (ngx_http_rampart_sw_pool != NULL) {
        ngx_destroy_pool(ngx_http_rampart_sw_pool);
    }

    ngx_http_rampart_sw_pool = pool;
    ngx_http_rampart_sw = a;
    ngx_http_rampart_sw_stat = st;

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "rampart_switches: loaded \"%V\" (%ui applications)",
                  &mcf->switches, a->nelts);
}


/* An application's switches, or NULL when the file does not name it. */
static ngx_http_rampart_switch_t *
ngx_http_rampart_switch_find(ngx_http_request_t *r, ngx_str_t *app)
{
    ngx_uint_t                     i;
    ngx_http_rampart_switch_t     *sw;
    ngx_http_rampart_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (mcf->switches.len == 0 || app->len == 0) {
        return NULL;
    }

    ngx_http_rampart_refresh_switches(mcf, r->connection->log);

    if (ngx_http_rampart_sw == NULL) {
        return NULL;
    }

    sw = ngx_http_rampart_sw->elts;

    for (i = 0; i < ngx_http_rampart_sw->nelts; i++) {
        if (sw[i].app.len == app->len
            && ngx_strncmp(sw[i].app.data, app->data, app->len) == 0)
        {
            return &sw[i];
        }
    }

    return NULL;
}


/* The WAF switch of an application, or NGX_CONF_UNSET_UINT. */
static ngx_uint_t
ngx_http_rampart_switch_waf(ngx_http_request_t *r, ngx_str_t *app)
{
    ngx_http_rampart_switch_t  *sw;

    sw = ngx_http_rampart_switch_find(r, app);

    return sw != NULL ? sw->waf : NGX_CONF_UNSET_UINT;
}


/* Tells the transaction the application's API protection switches (those
 * the file names; the others leave the policy to decide). */
static void
ngx_http_rampart_switch_api(ngx_http_request_t *r, ngx_str_t *app,
    rp_tx_t *tx)
{
    ngx_uint_t                  k;
    ngx_http_rampart_switch_t  *sw;

    sw = ngx_http_rampart_switch_find(r, app);
    if (sw == NULL) {
        return;
    }

    for (k = 0; k < RP_PROTECTION_COUNT; k++) {
        if (sw->api[k] != NGX_CONF_UNSET_UINT) {
            rp_tx_set_protection(tx, (rp_protection_t) k,
                                 (rp_mode_t) sw->api[k]);
        }
    }
}


/* The identity switch of an application, or NGX_CONF_UNSET_UINT. */
static ngx_uint_t
ngx_http_rampart_switch_identity(ngx_http_request_t *r, ngx_str_t *app)
{
    ngx_http_rampart_switch_t  *sw;

    sw = ngx_http_rampart_switch_find(r, app);

    return sw != NULL ? sw->identity : NGX_CONF_UNSET_UINT;
}


/* The masking switch of an application, or NGX_CONF_UNSET_UINT. */
static ngx_uint_t
ngx_http_rampart_switch_masking(ngx_http_request_t *r, ngx_str_t *app)
{
    ngx_http_rampart_switch_t  *sw;

    sw = ngx_http_rampart_switch_find(r, app);

    return sw != NULL ? sw->masking : NGX_CONF_UNSET_UINT;
}


/* ------------------------------------------------------------------------
 * identity (docs/IDENTITY.md): session cookies verified locally, access
 * rules of the location's policy, the portal hand-off and logout endpoints,
 * signed identity headers upstream.
 *
 * The key and revocation files are re-read like the switches file: each
 * worker stats them at most every NGX_HTTP_RAMPART_IDENTITY_CHECK ms on
 * the requests it serves and parses them only when their identity (inode,
 * size, mtime) changed, so a revocation written by rampart sync reaches
 * every worker well within a second. A file that does not parse keeps the
 * last good set (and is logged once per change).
 */

#define NGX_HTTP_RAMPART_IDENTITY_CHECK    200
#define NGX_HTTP_RAMPART_REPLAY_ENTRIES    8192
#define NGX_HTTP_RAMPART_STATE_AGE         600

typedef void *(*ngx_http_rampart_load_pt)(const char *path, rp_error_t *err);
typedef void (*ngx_http_rampart_free_pt)(void *obj);

typedef struct {
    const char                  *directive;
    ngx_http_rampart_load_pt     load;
    ngx_http_rampart_free_pt     free;
    void                        *obj;
    struct stat                  st;       /* of the last attempt */
    ngx_msec_t                   checked;
    ngx_uint_t                   checked_once;
    ngx_err_t                    logged_errno;
} ngx_http_rampart_watched_t;


static void *
ngx_http_rampart_load_keys(const char *path, rp_error_t *err)
{
    return rp_id_keys_load(path, err);
}


static void
ngx_http_rampart_free_keys(void *obj)
{
    rp_id_keys_free(obj);
}


static void *
ngx_http_rampart_load_revocations(const char *path, rp_error_t *err)
{
    return rp_id_revocations_load(path, err);
}


static void
ngx_http_rampart_free_revocations(void *obj)
{
    rp_id_revocations_free(obj);
}


static ngx_http_rampart_watched_t  ngx_http_rampart_id_keys = {
    "rampart_identity_keys", ngx_http_rampart_load_keys,
    ngx_http_rampart_free_keys, NULL, { 0 }, 0, 0, 0
};

static ngx_http_rampart_watched_t  ngx_http_rampart_id_revocations = {
    "rampart_identity_revocations", ngx_http_rampart_load_revocations,
    ngx_http_rampart_free_revocations, NULL, { 0 }, 0, 0, 0
};


/* The file's current object (re-read when it changed), or NULL. */
static void *
ngx_http_rampart_watched_get(ngx_http_rampart_watched_t *w, ngx_str_t *path,
    ngx_log_t *log)
{
    void        *obj;
    struct stat  st;
    rp_error_t   err;

    if (path->len == 0) {
        return NULL;
    }

    if (w->checked_once
        && ngx_current_msec - w->checked < NGX_HTTP_RAMPART_IDENTITY_CHECK)
    {
        return w->obj;
    }

    w->checked = ngx_current_msec;
    w->checked_once = 1;

    if (stat((const char *) path->data, &st) != 0) {
        if (ngx_errno != w->logged_errno) {
            w->logged_errno = ngx_errno;
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "%s: cannot stat \"%V\"%s", w->directive, path,
                          w->obj ? "; the last one read stays in use" : "");
        }

        return w->obj;
    }

    w->logged_errno = 0;

    if (ngx_http_rampart_same_file(&st, &w->st)) {
        return w->obj;
    }

    w->st = st;

    ngx_memzero(&err, sizeof(err));
    obj = w->load((const char *) path->data, &err);

    if (obj == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0, "%s: %s:%ui: %s%s", w->directive,
                      err.file, (ngx_uint_t) err.line, err.reason,
                      w->obj ? "; the last good one stays in use" : "");
        return w->obj;
    }

    if (w->obj != NULL) {
        w->free(w->obj);
    }

    w->obj = obj;

    ngx_log_error(NGX_LOG_INFO, log, 0, "%s: loaded \"%V\"", w->directive,
                  path);

    return obj;
}


/* A request header's value by name, or NULL. */
static ngx_str_t *
ngx_http_rampart_header_in(ngx_http_request_t *r, const char *name)
{
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i].value;
        }
    }
}


/*
 * A cookie's value (the first of that name), RFC 6265 section 5.2 syntax:
 * "name=value" pairs separated by ';' and blanks, over every Cookie
 * header. A plain scan: nginx's ngx_http_parse_multi_header_lines costs
 * several times more on a browser's cookie line.
 */
static ngx_int_t
ngx_http_rampart_cookie(ngx_http_request_t *r, const char *name,
    ngx_str_t *value, ngx_table_elt_t **header)
{
    u_char           *p, *end, *v;
    size_t            len;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    len = ngx_strlen(name);
    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NGX_DECLINED;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != 6
            || ngx_strncasecmp(h[i].key.data, (u_char *) "cookie", 6) != 0)
        {
            continue;
        }

        p = h[i].value.data;
        end = p + h[i].value.len;

        /* memmem is vectorised: find "NAME=" and check it starts a pair */
        while ((v = memmem(p, end - p, name, len)) != NULL) {
            p = v + len;

            if (p < end && *p == '='
                && (v == h[i].value.data || v[-1] == ';' || v[-1] == ' '
                    || v[-1] == '\t'))
            {
                v = ++p;

                /* a session token is ~300 bytes: memchr, not a byte loop */
                p = memchr(v, ';', end - v);

                if (p == NULL) {
                    p = end;
                }

                while (p > v && (p[-1] == ' ' || p[-1] == '\t')) {
                    p--;
                }

                value->data = v;
                value->len = p - v;

                if (header != NULL) {
                    *header = &h[i];
                }

                return NGX_OK;
            }
        }
    }
}


/*
 * Client-sent X-Rampart-* headers never reach the application: only the
 * gateway speaks for the user. nginx's header list cannot drop an entry,
 * so the list is rebuilt without them (the old entries stay in the pool,
 * so r->headers_in's pointers into them remain valid).
 */
static ngx_int_t
ngx_http_rampart_strip_identity_headers(ngx_http_request_t *r)
{
    ngx_uint_t        i, n, found;
    ngx_list_t        list;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *copy;

    for (found = 0, n = 0; found < 2; found++) {
        part = &r->headers_in.headers.part;
        h = part->elts;

        for (i = 0; /* void */; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].key.len >= 10
                && ngx_strncasecmp(h[i].key.data, (u_char *) "x-rampart-", 10)
                   == 0)
            {
                n++;
                continue;
            }

            if (found == 1) {
                copy = ngx_list_push(&list);
                if (copy == NULL) {
                    return NGX_ERROR;
                }

                *copy = h[i];
            }
        }

        if (n == 0) {
            return NGX_OK;
        }

        if (found == 0
            && ngx_list_init(&list, r->pool, 20, sizeof(ngx_table_elt_t))
               != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    r->headers_in.headers = list;

    /* a one-part list's last part is the list itself: not the copy on
     * this stack */
    if (list.last == &list.part) {
        r->headers_in.headers.last = &r->headers_in.headers.part;
    }

    return NGX_OK;
}


/* The identity headers sent upstream, with their lower-case names and
 * hashes computed once (the proxy module looks them up by hash). */
typedef struct {
    ngx_str_t    name;
    u_char      *lowcase;
    ngx_uint_t   hash;
} ngx_http_rampart_id_header_t;

enum {
    NGX_HTTP_RAMPART_H_USER = 0,
    NGX_HTTP_RAMPART_H_USER_ID,
    NGX_HTTP_RAMPART_H_ROLES,
    NGX_HTTP_RAMPART_H_GROUPS,
    NGX_HTTP_RAMPART_H_AUTH,
    NGX_HTTP_RAMPART_H_IDENTITY,
    NGX_HTTP_RAMPART_H_COUNT
};

static u_char  ngx_http_rampart_id_lowcase[NGX_HTTP_RAMPART_H_COUNT][24];

static ngx_http_rampart_id_header_t
    ngx_http_rampart_id_headers[NGX_HTTP_RAMPART_H_COUNT] = {
    { ngx_string("X-Rampart-User"), NULL, 0 },
    { ngx_string("X-Rampart-User-Id"), NULL, 0 },
    { ngx_string("X-Rampart-Roles"), NULL, 0 },
    { ngx_string("X-Rampart-Groups"), NULL, 0 },
    { ngx_string("X-Rampart-Auth"), NULL, 0 },
    { ngx_string("X-Rampart-Identity"), NULL, 0 }
};


static ngx_int_t
ngx_http_rampart_add_header_in(ngx_http_request_t *r, ngx_uint_t which,
    u_char *value, size_t len)
{
    ngx_table_elt_t               *h;
    ngx_http_rampart_id_header_t  *ih;

    ih = &ngx_http_rampart_id_headers[which];

    if (ih->lowcase == NULL) {
        ih->lowcase = ngx_http_rampart_id_lowcase[which];
        ih->hash = ngx_hash_strlow(ih->lowcase, ih->name.data, ih->name.len);
    }

    h = ngx_list_push(&r->headers_in.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->key = ih->name;
    h->value.data = value;
    h->value.len = len;
    h->lowcase_key = ih->lowcase;
    h->hash = ih->hash;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


static ngx_int_t
ngx_http_rampart_add_header_out(ngx_http_request_t *r, const char *name,
    ngx_str_t *value, ngx_table_elt_t **slot)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value = *value;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    if (slot != NULL) {
        *slot = h;
    }

    return NGX_OK;
}


/* Queue a Set-Cookie for the header filter (the answer may be ours or the
 * upstream's). */
static ngx_int_t
ngx_http_rampart_queue_cookie(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, const char *name, u_char *value, size_t len,
    time_t max_age)
{
    u_char  *p;
    size_t   size;

    if (ctx->nset_cookie == 2) {
        return NGX_ERROR;
    }

    size = ngx_strlen(name) + len
           + sizeof("=; Path=/; Max-Age=; HttpOnly; SameSite=Lax; Secure")
           + NGX_TIME_T_LEN;

    p = ngx_pnalloc(r->pool, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ctx->set_cookie[ctx->nset_cookie].data = p;

    p = ngx_sprintf(p, "%s=%*s; Path=/; Max-Age=%T; HttpOnly; SameSite=Lax",
                    name, len, value, max_age);

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        p = ngx_cpymem(p, "; Secure", 8);
    }
#endif

    ctx->set_cookie[ctx->nset_cookie].len = p
                                      - ctx->set_cookie[ctx->nset_cookie].data;
    ctx->nset_cookie++;

    return NGX_OK;
}


/* Percent-encode everything but RFC 3986 unreserved characters. */
static u_char *
ngx_http_rampart_pct_encode(u_char *dst, u_char *src, size_t len)
{
    static u_char  hex[] = "0123456789ABCDEF";

    while (len--) {
        if ((*src >= 'A' && *src <= 'Z') || (*src >= 'a' && *src <= 'z')
            || (*src >= '0' && *src <= '9') || *src == '-' || *src == '.'
            || *src == '_' || *src == '~')
        {
            *dst++ = *src++;
            continue;
        }

        *dst++ = '%';
        *dst++ = hex[*src >> 4];
        *dst++ = hex[*src & 0xf];
        src++;
    }

    return dst;
}


/* The Host the client addressed (with its port), as nginx validated it. */
static void
ngx_http_rampart_request_host(ngx_http_request_t *r, ngx_str_t *host)
{
    ngx_http_core_srv_conf_t  *cscf;

    if (r->headers_in.host != NULL && r->headers_in.host->value.len) {
        *host = r->headers_in.host->value;
        return;
    }

    if (r->headers_in.server.len) {
        *host = r->headers_in.server;
        return;
    }

    cscf = ngx_http_get_module_srv_conf(r, ngx_http_core_module);
    *host = cscf->server_name;
}


static ngx_str_t
ngx_http_rampart_scheme(ngx_http_request_t *r)
{
    ngx_str_t  scheme = ngx_string("http");

#if (NGX_HTTP_SSL)
    if (r->connection->ssl) {
        ngx_str_set(&scheme, "https");
    }
#endif

    return scheme;
}


/* The portal's base URL without a trailing '/'. */
static ngx_str_t
ngx_http_rampart_portal(ngx_http_rampart_loc_conf_t *lcf)
{
    ngx_str_t  portal = lcf->identity_portal;

    while (portal.len && portal.data[portal.len - 1] == '/') {
        portal.len--;
    }

    return portal;
}


/* Set Location for a redirect (the value is ours: no client bytes that
 * were not checked or encoded). */
static ngx_int_t
ngx_http_rampart_location(ngx_http_request_t *r, u_char *p, size_t len)
{
    ngx_str_t  v;

    v.data = p;
    v.len = len;

    ngx_http_clear_location(r);

    return ngx_http_rampart_add_header_out(r, "Location", &v,
                                           &r->headers_out.location);
}


/* A browser without a session: to the portal, with a fresh state nonce
 * in a cookie that the hand-off must echo. */
static ngx_int_t
ngx_http_rampart_to_portal(ngx_http_request_t *r, ngx_http_rampart_ctx_t *ctx,
    ngx_http_rampart_loc_conf_t *lcf)
{
    u_char     *p, *loc, *url;
    size_t      len;
    u_char      raw[16], nonce_buf[24];
    ngx_str_t   portal, host, scheme, nonce, src;

    portal = ngx_http_rampart_portal(lcf);

    if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw)) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    src.data = raw;
    src.len = sizeof(raw);
    nonce.data = nonce_buf;
    ngx_encode_base64url(&nonce, &src);

    if (ngx_http_rampart_queue_cookie(r, ctx, RP_ID_STATE, nonce.data,
                                      nonce.len, NGX_HTTP_RAMPART_STATE_AGE)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_rampart_request_host(r, &host);
    scheme = ngx_http_rampart_scheme(r);

    /* the original absolute URL */
    len = scheme.len + 3 + host.len + r->unparsed_uri.len;
    url = ngx_pnalloc(r->pool, len);
    if (url == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(url, "%V://%V%V", &scheme, &host, &r->unparsed_uri);
    len = p - url;

    loc = ngx_pnalloc(r->pool, portal.len + sizeof("/login?app=&rd=&n=")
                               + 3 * lcf->app.len + 3 * len + nonce.len);
    if (loc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(loc, "%V/login?app=", &portal);
    p = ngx_http_rampart_pct_encode(p, lcf->app.data, lcf->app.len);
    p = ngx_cpymem(p, "&rd=", 4);
    p = ngx_http_rampart_pct_encode(p, url, len);
    p = ngx_sprintf(p, "&n=%V", &nonce);

    if (ngx_http_rampart_location(r, loc, p - loc) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_HTTP_MOVED_TEMPORARILY;
}


static ngx_int_t
ngx_http_rampart_unauthorized(ngx_http_request_t *r,
    ngx_http_rampart_loc_conf_t *lcf)
{
    ngx_str_t  v, realm;

    realm = lcf->app;

    if (realm.len == 0) {
        ngx_str_set(&realm, "rampart");
    }

    v.data = ngx_pnalloc(r->pool, sizeof("Rampart realm=\"\"") + realm.len);
    if (v.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    v.len = ngx_sprintf(v.data, "Rampart realm=\"%V\"", &realm) - v.data;

    if (ngx_http_rampart_add_header_out(r, "WWW-Authenticate", &v,
                                        &r->headers_out.www_authenticate)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_HTTP_UNAUTHORIZED;
}


static ngx_flag_t
ngx_http_rampart_is_browser(ngx_http_request_t *r)
{
    ngx_str_t  *accept;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return 0;
    }

    accept = ngx_http_rampart_header_in(r, "Accept");

    return accept != NULL
           && ngx_strlcasestrn(accept->data, accept->data + accept->len,
                               (u_char *) "text/html", 9 - 1) != NULL;
}


/*
 * The application never gets the session token: the "rampart_id=..." pair
 * (found by ngx_http_rampart_cookie, value inside h's value) is cut out of
 * the Cookie header it receives, with the separator after it. The engine
 * has inspected the header as the client sent it already.
 */
static void
ngx_http_rampart_strip_cookie(ngx_table_elt_t *h, ngx_str_t *value)
{
    u_char  *start, *end, *last;

    start = value->data - (sizeof(RP_ID_COOKIE) - 1) - 1;
    end = value->data + value->len;
    last = h->value.data + h->value.len;

    while (end < last && (*end == ';' || *end == ' ' || *end == '\t')) {
        end++;
    }

    if (end == last) {
        /* the last pair: drop the separator before it instead */
        while (start > h->value.data
               && (start[-1] == ';' || start[-1] == ' ' || start[-1] == '\t'))
        {
            start--;
        }
    }

    ngx_memmove(start, end, last - end);
    h->value.len -= end - start;
}


/*
 * The session cookie leaves the Cookie header before the WAF reads it: the
 * application never receives it (above), so nothing in it can reach the
 * application, and the identity step parses it strictly and checks its MAC.
 * Inspecting ~330 bytes of base64url per request cost ~3,000 instructions
 * (split, decoded, looked up). A copy stays for the identity and masking
 * steps.
 */
static ngx_int_t
ngx_http_rampart_take_session_cookie(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx)
{
    ngx_str_t         cookie;
    ngx_table_elt_t  *h;

    if (ngx_http_rampart_cookie(r, RP_ID_COOKIE, &cookie, &h) != NGX_OK) {
        return NGX_OK;
    }

    ctx->id_cookie.data = ngx_pnalloc(r->pool, cookie.len + 1);
    if (ctx->id_cookie.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(ctx->id_cookie.data, cookie.data, cookie.len);
    ctx->id_cookie.data[cookie.len] = '\0';
    ctx->id_cookie.len = cookie.len;

    ngx_http_rampart_strip_cookie(h, &cookie);

    return NGX_OK;
}


/* A valid session: identity headers upstream, the cookie re-signed when
 * the sliding idle timeout is due. */
static ngx_int_t
ngx_http_rampart_identity_pass(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, ngx_http_rampart_loc_conf_t *lcf,
    const rp_id_keys_t *keys, const rp_id_claims_t *c, time_t now)
{
    u_char     *p, *tok;
    size_t      len;
    ngx_str_t   host;
    char        sig[44];

    if (ngx_http_rampart_add_header_in(r, NGX_HTTP_RAMPART_H_USER,
                                       (u_char *) c->sub.p, c->sub.len)
        != NGX_OK
        || ngx_http_rampart_add_header_in(r, NGX_HTTP_RAMPART_H_USER_ID,
                                          (u_char *) c->uid_text.p,
                                          c->uid_text.len) != NGX_OK
        || ngx_http_rampart_add_header_in(r, NGX_HTTP_RAMPART_H_ROLES,
                                          (u_char *) c->ro.p, c->ro.len)
           != NGX_OK
        || ngx_http_rampart_add_header_in(r, NGX_HTTP_RAMPART_H_GROUPS,
                                          (u_char *) c->gr.p, c->gr.len)
           != NGX_OK
        || ngx_http_rampart_add_header_in(r, NGX_HTTP_RAMPART_H_AUTH,
                                          (u_char *) c->amr.p, c->amr.len)
           != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (lcf->upstream_key.len) {
        ngx_http_rampart_request_host(r, &host);

        if (!rp_id_upstream_sign(lcf->upstream_key.data, lcf->upstream_key.len,
                                 now, (const char *) r->method_name.data,
                                 r->method_name.len, (const char *) host.data,
                                 host.len,
                                 (const char *) r->unparsed_uri.data,
                                 r->unparsed_uri.len, c, sig))
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p = ngx_pnalloc(r->pool, sizeof("t=,sid=,sig=") + NGX_TIME_T_LEN
                                 + c->sid.len + sizeof(sig));
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = ngx_sprintf(p, "t=%T,sid=%*s,sig=%s", now, c->sid.len, c->sid.p,
                          sig) - p;

        if (ngx_http_rampart_add_header_in(r, NGX_HTTP_RAMPART_H_IDENTITY, p,
                                           len)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (rp_id_session_refresh_due(c, now)) {
        tok = ngx_pnalloc(r->pool, RP_ID_TOKEN_MAX);
        if (tok == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        len = rp_id_session_sign(keys, c, now, now, (char *) tok,
                                 RP_ID_TOKEN_MAX);

        if (len > 0
            && ngx_http_rampart_queue_cookie(r, ctx, RP_ID_COOKIE, tok, len,
                                             c->exp - now) != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return NGX_DECLINED;
}


/* An identity refusal: the event, and the answer when enforced. */
static ngx_int_t
ngx_http_rampart_identity_refuse(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, ngx_int_t status, const char *target,
    const char *reason)
{
    rp_tx_identity_refused(ctx->tx, (int) status, target, reason, 1);

    ctx->answered = 1;
    ctx->feed_body = 0;
    ngx_http_rampart_count(r, blocked);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "rampart: request %V refused: identity %s %s",
                  &ctx->request_id, target, reason);

    return status;
}


/*
 * Is rd a place on this host? A path ("/x", not "//x" or "/\x"), or an
 * absolute http(s) URL whose authority is exactly the request's Host. No
 * control characters, spaces or backslashes anywhere: the value goes into
 * a Location header.
 */
static ngx_flag_t
ngx_http_rampart_same_host(ngx_http_request_t *r, ngx_str_t *rd)
{
    u_char     *p, *end, *auth;
    ngx_str_t   host;

    end = rd->data + rd->len;

    for (p = rd->data; p < end; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '\\') {
            return 0;
        }
    }

    if (rd->len >= 1 && rd->data[0] == '/') {
        return rd->len == 1 || rd->data[1] != '/';
    }

    if (rd->len > 7 && ngx_strncasecmp(rd->data, (u_char *) "http://", 7) == 0)
    {
        auth = rd->data + 7;

    } else if (rd->len > 8
               && ngx_strncasecmp(rd->data, (u_char *) "https://", 8) == 0)
    {
        auth = rd->data + 8;

    } else {
        return 0;
    }

    for (p = auth; p < end && *p != '/' && *p != '?' && *p != '#'; p++) {
        /* void */
    }

    ngx_http_rampart_request_host(r, &host);

    return (size_t) (p - auth) == host.len
           && ngx_strncasecmp(auth, host.data, host.len) == 0;
}


/* GET /.rampart/session?h=HANDOFF&rd=URL: the portal's hand-off becomes
 * this host's session cookie. */
static ngx_int_t
ngx_http_rampart_session_endpoint(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, const rp_id_keys_t *keys,
    const rp_id_revocations_t *rev)
{
    u_char                        *tok, *dst;
    size_t                         len;
    time_t                         now;
    ngx_str_t                      h, rd_raw, rd, nonce;
    ngx_int_t                      status;
    rp_id_status_t                 st;
    rp_id_claims_t                *c;
    ngx_slab_pool_t               *shpool;
    ngx_http_rampart_main_conf_t  *mcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return ngx_http_rampart_identity_refuse(r, ctx, NGX_HTTP_NOT_ALLOWED,
                                                "handoff", "method");
    }

    if (ngx_http_arg(r, (u_char *) "rd", 2, &rd_raw) != NGX_OK) {
        return ngx_http_rampart_identity_refuse(r, ctx, NGX_HTTP_BAD_REQUEST,
                                                "handoff", "malformed");
    }

    rd.data = ngx_pnalloc(r->pool, rd_raw.len + 1);
    if (rd.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    dst = rd.data;
    tok = rd_raw.data;
    ngx_unescape_uri(&dst, &tok, rd_raw.len, 0);
    rd.len = dst - rd.data;

    if (!ngx_http_rampart_same_host(r, &rd)) {
        return ngx_http_rampart_identity_refuse(r, ctx, NGX_HTTP_BAD_REQUEST,
                                                "handoff", "open-redirect");
    }

    if (ngx_http_arg(r, (u_char *) "h", 1, &h) != NGX_OK) {
        return ngx_http_rampart_identity_refuse(r, ctx, NGX_HTTP_BAD_REQUEST,
                                                "handoff", "malformed");
    }

    if (ngx_http_rampart_cookie(r, RP_ID_STATE, &nonce, NULL) != NGX_OK) {
        ngx_str_null(&nonce);
    }

    c = ngx_palloc(r->pool, sizeof(rp_id_claims_t));
    if (c == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    now = ngx_time();

    st = rp_id_handoff_check(keys, rev, (const char *) h.data, h.len,
                             (const char *) nonce.data, nonce.len, now, c);

    if (st == RP_ID_OK) {
        mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);
        shpool = (ngx_slab_pool_t *) mcf->identity_zone->shm.addr;

        if (!rp_id_replay_first_use(shpool->data,
                          rp_id_replay_table_size(NGX_HTTP_RAMPART_REPLAY_ENTRIES),
                          (const char *) h.data, h.len, c->hx, now))
        {
            st = RP_ID_REPLAYED;
        }
    }

    if (st != RP_ID_OK) {
        status = st == RP_ID_MALFORMED ? NGX_HTTP_BAD_REQUEST
                                       : NGX_HTTP_FORBIDDEN;
        return ngx_http_rampart_identity_refuse(r, ctx, status, "handoff",
                                                rp_id_status_name(st));
    }

    tok = ngx_pnalloc(r->pool, RP_ID_TOKEN_MAX);
    if (tok == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = rp_id_session_sign(keys, c, c->act, now, (char *) tok,
                             RP_ID_TOKEN_MAX);
    if (len == 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_rampart_queue_cookie(r, ctx, RP_ID_COOKIE, tok, len,
                                      c->exp - now) != NGX_OK
        || ngx_http_rampart_queue_cookie(r, ctx, RP_ID_STATE, (u_char *) "", 0,
                                         0) != NGX_OK
        || ngx_http_rampart_location(r, rd.data, rd.len) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->answered = 1;
    ctx->feed_body = 0;

    return NGX_HTTP_SEE_OTHER;
}


/* GET /.rampart/logout: the cookie goes, the portal ends the session. */
static ngx_int_t
ngx_http_rampart_logout_endpoint(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, ngx_http_rampart_loc_conf_t *lcf)
{
    u_char     *p, *loc, *url;
    ngx_str_t   portal, host, scheme;

    if (ngx_http_rampart_queue_cookie(r, ctx, RP_ID_COOKIE, (u_char *) "", 0,
                                      0) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->answered = 1;
    ctx->feed_body = 0;

    portal = ngx_http_rampart_portal(lcf);

    if (portal.len == 0) {
        if (ngx_http_rampart_location(r, (u_char *) "/", 1) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return NGX_HTTP_SEE_OTHER;
    }

    ngx_http_rampart_request_host(r, &host);
    scheme = ngx_http_rampart_scheme(r);

    url = ngx_pnalloc(r->pool, scheme.len + 4 + host.len);
    loc = ngx_pnalloc(r->pool, portal.len + sizeof("/logout?rd=")
                               + 3 * (scheme.len + 4 + host.len));
    if (url == NULL || loc == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(url, "%V://%V/", &scheme, &host);
    p = ngx_http_rampart_pct_encode(ngx_sprintf(loc, "%V/logout?rd=", &portal),
                                    url, p - url);

    if (ngx_http_rampart_location(r, loc, p - loc) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return NGX_HTTP_SEE_OTHER;
}


/*
 * The identity step of a request: NGX_DECLINED to go on (with identity
 * headers when there is a session), or the status that answers it.
 */
static ngx_int_t
ngx_http_rampart_identity(ngx_http_request_t *r, ngx_http_rampart_ctx_t *ctx,
    ngx_http_rampart_loc_conf_t *lcf)
{
    time_t                          now;
    ngx_uint_t                      mode;
    rp_id_status_t                  st;
    rp_id_claims_t                 *c;
    rp_access_result_t              access;
    const rp_id_keys_t             *keys;
    const rp_access_rules_t        *rules;
    const rp_id_revocations_t      *rev;
    ngx_http_rampart_main_conf_t   *mcf;

    if (ngx_http_rampart_strip_identity_headers(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (mcf->identity_keys.len == 0) {
        return NGX_DECLINED;
    }

    keys = ngx_http_rampart_watched_get(&ngx_http_rampart_id_keys,
                                        &mcf->identity_keys,
                                        r->connection->log);
    rev = ngx_http_rampart_watched_get(&ngx_http_rampart_id_revocations,
                                       &mcf->identity_revocations,
                                       r->connection->log);

    if (r->uri.len == sizeof("/.rampart/session") - 1
        && ngx_strncmp(r->uri.data, "/.rampart/session", r->uri.len) == 0)
    {
        return ngx_http_rampart_session_endpoint(r, ctx, keys, rev);
    }

    if (r->uri.len == sizeof("/.rampart/logout") - 1
        && ngx_strncmp(r->uri.data, "/.rampart/logout", r->uri.len) == 0)
    {
        return ngx_http_rampart_logout_endpoint(r, ctx, lcf);
    }

    rules = rp_policy_access_rules(ctx->policy);
    mode = ngx_http_rampart_switch_identity(r, &lcf->app);

    if (rules == NULL || mode == RP_MODE_OFF) {
        return NGX_DECLINED;
    }

    now = ngx_time();
    c = NULL;
    st = RP_ID_NO_SESSION;

    if (ctx->id_cookie.data != NULL) {
        c = ngx_palloc(r->pool, sizeof(rp_id_claims_t));
        if (c == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        st = rp_id_session_check(keys, rev, (const char *) ctx->id_cookie.data,
                                 ctx->id_cookie.len, now, c);
    }

    access = rp_access_check(rules, (const char *) r->uri.data, r->uri.len,
                             st == RP_ID_OK ? c : NULL,
                             (const char *) r->connection->addr_text.data,
                             r->connection->addr_text.len, now);

    if (st == RP_ID_OK) {
        ctx->viewer = c;
    }

    if (access == RP_ACCESS_ALLOW) {
        return st == RP_ID_OK
               ? ngx_http_rampart_identity_pass(r, ctx, lcf, keys, c, now)
               : NGX_DECLINED;
    }

    if (mode == RP_MODE_DETECT) {
        rp_tx_identity_refused(ctx->tx,
                               access == RP_ACCESS_LOGIN ? NGX_HTTP_UNAUTHORIZED
                                                         : NGX_HTTP_FORBIDDEN,
                               access == RP_ACCESS_LOGIN ? "session" : "access",
                               access == RP_ACCESS_LOGIN
                               ? rp_id_status_name(st)
                               : rp_access_result_name(access), 0);

        return st == RP_ID_OK
               ? ngx_http_rampart_identity_pass(r, ctx, lcf, keys, c, now)
               : NGX_DECLINED;
    }

    if (access != RP_ACCESS_LOGIN) {
        return ngx_http_rampart_identity_refuse(r, ctx, NGX_HTTP_FORBIDDEN,
                                                "access",
                                                rp_access_result_name(access));
    }

    if (st != RP_ID_NO_SESSION
        && ngx_http_rampart_queue_cookie(r, ctx, RP_ID_COOKIE, (u_char *) "", 0,
                                         0) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_rampart_is_browser(r) && lcf->identity_portal.len) {
        return ngx_http_rampart_identity_refuse(r, ctx,
                                         ngx_http_rampart_to_portal(r, ctx, lcf),
                                         "session", rp_id_status_name(st));
    }

    return ngx_http_rampart_identity_refuse(r, ctx,
                                      ngx_http_rampart_unauthorized(r, lcf),
                                      "session", rp_id_status_name(st));
}


/* ------------------------------------------------------------------------
 * response masking (docs/DATA-CLASSES.md, "Masking responses"): the engine
 * learns the route, the application's masking switch and who is looking;
 * upstream is asked for gzip (which the engine undoes and redoes) or for
 * unencoded bodies only.
 */

/* The caller's verified session as a masking/decryption viewer: the
 * identity step's, else the cookie checked here when wanted (nothing is
 * enforced: no valid session just means no viewer). */
static ngx_int_t
ngx_http_rampart_viewer(ngx_http_request_t *r, ngx_http_rampart_ctx_t *ctx,
    ngx_uint_t wanted, rp_viewer_t *viewer, ngx_uint_t *have)
{
    rp_id_claims_t                *c;
    const rp_id_keys_t            *keys;
    const rp_id_revocations_t     *rev;
    ngx_http_rampart_main_conf_t  *mcf;

    c = ctx->viewer;
    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (c == NULL && wanted && mcf->identity_keys.len
        && ctx->id_cookie.data != NULL)
    {
        keys = ngx_http_rampart_watched_get(&ngx_http_rampart_id_keys,
                                            &mcf->identity_keys,
                                            r->connection->log);
        rev = ngx_http_rampart_watched_get(&ngx_http_rampart_id_revocations,
                                           &mcf->identity_revocations,
                                           r->connection->log);

        c = ngx_palloc(r->pool, sizeof(rp_id_claims_t));
        if (c == NULL) {
            return NGX_ERROR;
        }

        if (keys == NULL
            || rp_id_session_check(keys, rev,
                                   (const char *) ctx->id_cookie.data,
                                   ctx->id_cookie.len, ngx_time(), c)
               != RP_ID_OK)
        {
            c = NULL;
        }
    }

    *have = (c != NULL);

    if (c != NULL) {
        viewer->user = c->sub.p;
        viewer->user_len = c->sub.len;
        viewer->roles = c->ro.p;
        viewer->roles_len = c->ro.len;
        viewer->groups = c->gr.p;
        viewer->groups_len = c->gr.len;
    }

    return NGX_OK;
}


/* What upstream may compress with: gzip (which the engine undoes) when
 * the client takes it and identity_only is not set, else identity. */
static void
ngx_http_rampart_accept_encoding(ngx_http_request_t *r,
    ngx_uint_t identity_only)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len != sizeof("Accept-Encoding") - 1
            || ngx_strncasecmp(h[i].key.data, (u_char *) "Accept-Encoding",
                               sizeof("Accept-Encoding") - 1) != 0)
        {
            continue;
        }

        if (!identity_only
            && ngx_strlcasestrn(h[i].value.data,
                                h[i].value.data + h[i].value.len,
                                (u_char *) "gzip", 4 - 1) != NULL)
        {
            ngx_str_set(&h[i].value, "gzip");

        } else {
            ngx_str_set(&h[i].value, "identity");
        }
    }
}


static ngx_int_t
ngx_http_rampart_masking(ngx_http_request_t *r, ngx_http_rampart_ctx_t *ctx,
    ngx_http_rampart_loc_conf_t *lcf)
{
    bool                           identity_only;
    ngx_uint_t                     mode, have_viewer;
    rp_viewer_t                    viewer;

    if (!rp_policy_mask_route(ctx->policy, (const char *) r->uri.data,
                              r->uri.len, &identity_only))
    {
        return NGX_OK;
    }

    mode = ngx_http_rampart_switch_masking(r, &lcf->app);

    if (mode == NGX_CONF_UNSET_UINT) {
        mode = RP_MODE_BLOCK;   /* not named: the policy's rules apply */
    }

    if (mode == RP_MODE_OFF) {
        return NGX_OK;
    }

    /* who is looking: the session identity verified already, else the
     * cookie verified here when roles may see clear values (without
     * enforcing anything: no session just means masked) */

    if (ngx_http_rampart_viewer(r, ctx,
                                rp_policy_mask_needs_viewer(ctx->policy),
                                &viewer, &have_viewer)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    rp_tx_set_masking(ctx->tx, (const char *) r->uri.data, r->uri.len,
                      (rp_mode_t) mode, have_viewer ? &viewer : NULL);

    if (mode != RP_MODE_BLOCK) {
        return NGX_OK;
    }

    ngx_http_rampart_accept_encoding(r, identity_only);

    return NGX_OK;
}

/* ------------------------------------------------------------------------
 * field encryption (docs/CRYPTO.md, "Field encryption at the gateway"):
 * the configured fields of request bodies are sealed before the
 * application sees them, and opened (or masked) in its JSON responses.
 * The data keys file is re-read like the identity files; a transaction
 * keeps a reference to the key set it started with, so a reload while a
 * response is still streaming frees nothing in use.
 */

static void *
ngx_http_rampart_load_data_keys(const char *path, rp_error_t *err)
{
    return rp_data_keys_load(path, err);
}


static void
ngx_http_rampart_free_data_keys(void *obj)
{
    rp_data_keys_unref(obj);
}


static ngx_http_rampart_watched_t  ngx_http_rampart_data_keys_file = {
    "rampart_data_keys", ngx_http_rampart_load_data_keys,
    ngx_http_rampart_free_data_keys, NULL, { 0 }, 0, 0, 0
};


/* The encryption switch of an application, or NGX_CONF_UNSET_UINT. */
static ngx_uint_t
ngx_http_rampart_switch_encryption(ngx_http_request_t *r, ngx_str_t *app)
{
    ngx_http_rampart_switch_t  *sw;

    sw = ngx_http_rampart_switch_find(r, app);

    return sw != NULL ? sw->encryption : NGX_CONF_UNSET_UINT;
}


static ngx_int_t
ngx_http_rampart_fieldenc(ngx_http_request_t *r, ngx_http_rampart_ctx_t *ctx,
    ngx_http_rampart_loc_conf_t *lcf)
{
    ngx_str_t                     *ct;
    ngx_uint_t                     mode, have_viewer;
    rp_viewer_t                    viewer;
    rp_data_keys_t                *keys;
    ngx_http_rampart_main_conf_t  *mcf;

    if (!rp_policy_fieldenc_route(ctx->policy, (const char *) r->uri.data,
                                  r->uri.len))
    {
        return NGX_OK;
    }

    mode = ngx_http_rampart_switch_encryption(r, &lcf->app);

    if (mode == NGX_CONF_UNSET_UINT) {
        mode = RP_MODE_BLOCK;   /* not named: the policy's rules apply */
    }

    if (mode == RP_MODE_OFF) {
        return NGX_OK;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    keys = ngx_http_rampart_watched_get(&ngx_http_rampart_data_keys_file,
                                        &mcf->data_keys, r->connection->log);

    /* who is looking, as for masking */
    if (ngx_http_rampart_viewer(r, ctx, 1, &viewer, &have_viewer) != NGX_OK) {
        return NGX_ERROR;
    }

    ct = r->headers_in.content_type ? &r->headers_in.content_type->value
                                    : NULL;

    rp_tx_set_fieldenc(ctx->tx, (const char *) r->uri.data, r->uri.len,
                       (rp_mode_t) mode, keys,
                       ct ? (const char *) ct->data : NULL, ct ? ct->len : 0,
                       have_viewer ? &viewer : NULL);

    ctx->fieldenc = 1;

    /* envelopes are opened in unencoded bodies only */
    ngx_http_rampart_accept_encoding(r, 1);

    return NGX_OK;
}


/* After the whole body was read: the sealed body replaces it, with its
 * length (a chunked body goes upstream with a Content-Length). */
static ngx_int_t
ngx_http_rampart_fieldenc_body(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx)
{
    size_t        len;
    u_char       *p;
    ngx_buf_t    *b;
    rp_status_t   rc;
    const void   *body;
    ngx_chain_t  *cl;

    rc = rp_tx_fieldenc_request_body(ctx->tx, &body, &len);

    if (rc != RP_OK) {
        return NGX_OK;  /* unchanged, or refused: the verdict says so */
    }

    if (r->request_body == NULL) {
        return NGX_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    cl = ngx_alloc_chain_link(r->pool);
    if (b == NULL || cl == NULL) {
        return NGX_ERROR;
    }

    /* the transaction's memory lives until the request's pool goes */
    b->memory = (len > 0);
    b->pos = (u_char *) body;
    b->last = (u_char *) body + len;
    b->last_buf = 1;
    b->last_in_chain = 1;

    cl->buf = b;
    cl->next = NULL;

    r->request_body->bufs = cl;
    r->request_body->temp_file = NULL;
    r->headers_in.content_length_n = len;

    if (r->headers_in.content_length != NULL) {
        p = ngx_pnalloc(r->pool, NGX_OFF_T_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        r->headers_in.content_length->value.data = p;
        r->headers_in.content_length->value.len =
            ngx_sprintf(p, "%uz", len) - p;
    }

    return NGX_OK;
}



/* ------------------------------------------------------------------------
 * rewrite phase: the request verdict
 */

static ngx_int_t
ngx_http_rampart_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_pool_cleanup_t            *cln;
    ngx_http_rampart_ctx_t        *ctx;
    ngx_http_rampart_loc_conf_t   *lcf;
    ngx_http_rampart_main_conf_t  *mcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_rampart_module);

    if (!lcf->enable || r != r->main) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_rampart_get_ctx(r);

    if (ctx != NULL) {
        /* re-entry: after the body was read, after `rewrite ... last`, or
         * after an internal redirect; the request was inspected already */

        if (ctx->status_pending) {
            ctx->status_pending = 0;
            return ctx->status;
        }

        if (ctx->reading_body) {
            return NGX_DONE;
        }

        return NGX_DECLINED;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_rampart_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->policy = ngx_http_rampart_loc_policy(lcf, r->connection->log);
    ctx->tx = rp_tx_new(ctx->policy);
    if (ctx->tx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (mcf->collections != NULL) {
        rp_tx_set_collections(ctx->tx, mcf->collections);
    }

    cln->handler = ngx_http_rampart_cleanup;
    cln->data = ctx;

    ngx_http_set_ctx(r, ctx, ngx_http_rampart_module);

    ngx_http_rampart_count(r, inspected);

    rc = ngx_http_rampart_inspect_request(r, ctx, lcf);

    if (rc != NGX_AGAIN) {
        return rc;
    }

    /* buffered mode: read the whole body, then resume this phase */

    ctx->reading_body = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_rampart_body_ready);

    if (rc == NGX_ERROR || rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);

    return NGX_DONE;
}


/*
 * Request ids: 128 bits from a per-worker random seed and a counter, mixed
 * with splitmix64. Unique across workers and restarts (the seed comes from
 * getrandom), unpredictable enough for correlation ids, and about fifty
 * times cheaper than nginx's own $request_id, which calls RAND_bytes (and
 * getpid) for every request. The id is stored into $request_id's cache, so
 * access logs that print $request_id show the same value as the events.
 */
static uint64_t  ngx_http_rampart_id_seed[2];
static uint64_t  ngx_http_rampart_id_counter;


static uint64_t
ngx_http_rampart_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}


static void
ngx_http_rampart_id_seed_init(ngx_cycle_t *cycle)
{
    if (getrandom(ngx_http_rampart_id_seed, sizeof(ngx_http_rampart_id_seed),
                  GRND_NONBLOCK)
        != (ssize_t) sizeof(ngx_http_rampart_id_seed))
    {
        ngx_log_error(NGX_LOG_WARN, cycle->log, ngx_errno,
                      "rampart: getrandom() failed, request ids seeded "
                      "from time and pid");
        ngx_http_rampart_id_seed[0] = ngx_http_rampart_mix64(
            (uint64_t) ngx_time() ^ ((uint64_t) ngx_pid << 32));
        ngx_http_rampart_id_seed[1] = ngx_http_rampart_mix64(
            (uint64_t) (uintptr_t) cycle ^ (uint64_t) ngx_random());
    }
}


static ngx_int_t
ngx_http_rampart_new_id(ngx_http_request_t *r, ngx_str_t *id)
{
    static u_char  hex[] = "0123456789abcdef";
    uint64_t       w[2], c;
    ngx_uint_t     i, k;

    c = ++ngx_http_rampart_id_counter;
    w[0] = ngx_http_rampart_mix64(ngx_http_rampart_id_seed[0] + c);
    w[1] = ngx_http_rampart_mix64(ngx_http_rampart_id_seed[1] ^ w[0]);

    id->data = ngx_pnalloc(r->pool, 32);
    if (id->data == NULL) {
        return NGX_ERROR;
    }

    for (k = 0; k < 2; k++) {
        for (i = 0; i < 16; i++) {
            id->data[k * 16 + i] = hex[(w[k] >> (60 - 4 * i)) & 0xf];
        }
    }

    id->len = 32;

    return NGX_OK;
}


/* The request's id: $request_id if something already computed it, else a
 * new one, which then also becomes $request_id. */
static ngx_int_t
ngx_http_rampart_id(ngx_http_request_t *r, ngx_str_t *id)
{
    ngx_http_variable_value_t     *vv;
    ngx_http_rampart_main_conf_t  *mcf;

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    vv = &r->variables[mcf->request_id_index];

    if (vv->valid && !vv->not_found && vv->len) {
        id->data = vv->data;
        id->len = vv->len;
        return NGX_OK;
    }

    if (ngx_http_rampart_new_id(r, id) != NGX_OK) {
        return NGX_ERROR;
    }

    vv->data = id->data;
    vv->len = id->len;
    vv->valid = 1;
    vv->no_cacheable = 0;
    vv->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rampart_request_id(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx)
{
    ngx_uint_t                     i, n;
    ngx_list_t                     headers;
    ngx_list_part_t               *part;
    ngx_table_elt_t               *h, *first, *e;

    static u_char  lowcase[] = "x-request-id";

    if (ngx_http_rampart_id(r, &ctx->request_id) != NGX_OK) {
        return NGX_ERROR;
    }

    rp_tx_set_request_id(ctx->tx, (const char *) ctx->request_id.data,
                         ctx->request_id.len);

    /* the upstream sees our id, never one the client made up */

    first = NULL;
    n = 0;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == sizeof(lowcase) - 1
            && ngx_strncasecmp(h[i].key.data, lowcase, sizeof(lowcase) - 1)
               == 0)
        {
            if (first == NULL) {
                first = &h[i];
            }

            n++;
        }
    }

    if (n == 0) {
        first = ngx_list_push(&r->headers_in.headers);
        if (first == NULL) {
            return NGX_ERROR;
        }

        ngx_str_set(&first->key, "X-Request-Id");
        first->lowcase_key = lowcase;
        first->hash = ngx_hash_key(lowcase, sizeof(lowcase) - 1);
    }

    first->value = ctx->request_id;

    if (n <= 1) {
        return NGX_OK;
    }

    /* several client copies: rebuild the list without the extra ones (an
     * ngx_list_t cannot drop an element) */

    if (ngx_list_init(&headers, r->pool, 20, sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (&h[i] != first
            && h[i].key.len == sizeof(lowcase) - 1
            && ngx_strncasecmp(h[i].key.data, lowcase, sizeof(lowcase) - 1)
               == 0)
        {
            continue;
        }

        e = ngx_list_push(&headers);
        if (e == NULL) {
            return NGX_ERROR;
        }

        *e = h[i];
    }

    r->headers_in.headers = headers;

    return NGX_OK;
}


/*
 * Feeds connection, request line and headers. Returns the phase's answer
 * (NGX_DECLINED to go on, a status to refuse) or NGX_AGAIN when the body
 * must be read in this phase first.
 */
static ngx_int_t
ngx_http_rampart_inspect_request(ngx_http_request_t *r,
    ngx_http_rampart_ctx_t *ctx, ngx_http_rampart_loc_conf_t *lcf)
{
    rp_tx_t                       *tx;
    ngx_int_t                      rc_id;
    ngx_uint_t                     i, has_body, mode;
    rp_status_t                    rc;
    ngx_list_part_t               *part;
    ngx_table_elt_t               *h;
    ngx_connection_t              *c;
    ngx_http_rampart_main_conf_t  *mcf;

    tx = ctx->tx;
    c = r->connection;

    /* the control plane's switch, then rampart_mode, then the policy's */
    mode = ngx_http_rampart_switch_waf(r, &lcf->app);

    if (mode == NGX_CONF_UNSET_UINT) {
        mode = lcf->mode;
    }

    if (mode != NGX_HTTP_RAMPART_MODE_POLICY) {
        rp_tx_set_mode(tx, (rp_mode_t) mode);
    }

    ngx_http_rampart_switch_api(r, &lcf->app, tx);

    if (lcf->app.len) {
        rp_tx_set_app(tx, (const char *) lcf->app.data, lcf->app.len);
    }

    if (ngx_http_rampart_request_id(r, ctx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* The server address stays unresolved: on a wildcard listener that
     * would cost a getsockname() per request, and no protection uses it. */
    rc = rp_tx_connection(tx, (const char *) c->addr_text.data, c->addr_text.len,
                          ngx_inet_get_port(c->sockaddr), NULL, 0,
                          ngx_inet_get_port(c->local_sockaddr));
    if (rc == RP_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = rp_tx_request_line(tx, (const char *) r->method_name.data,
                            r->method_name.len,
                            (const char *) r->unparsed_uri.data,
                            r->unparsed_uri.len,
                            r->http_protocol.data
                                ? (const char *) r->http_protocol.data : "",
                            r->http_protocol.len);
    if (rc == RP_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (mcf->identity_keys.len
        && ngx_http_rampart_take_session_cookie(r, ctx) != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        /* the id we just put in is ours, not the client's: skip it */
        if (h[i].value.data == ctx->request_id.data) {
            continue;
        }

        rc = rp_tx_request_header(tx, (const char *) h[i].key.data,
                                  h[i].key.len,
                                  (const char *) h[i].value.data,
                                  h[i].value.len);
        if (rc == RP_NOMEM) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    rc = rp_tx_request_headers_done(tx);

    if (rc == RP_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_rampart_refuses(rp_tx_verdict(tx))) {
        ctx->request_ended = 1;
        return ngx_http_rampart_decide(r, ctx);
    }

    /* identity after the WAF's header verdict, before any body is read */
    rc_id = ngx_http_rampart_identity(r, ctx, lcf);

    if (rc_id != NGX_DECLINED) {
        ctx->request_ended = 1;
        return rc_id;
    }

    if (ngx_http_rampart_masking(r, ctx, lcf) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_rampart_fieldenc(r, ctx, lcf) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    has_body = r->headers_in.content_length_n > 0 || r->headers_in.chunked;

    if (has_body && ctx->fieldenc) {
        /* field encryption sees every body, whatever the WAF wants */
        if (r->request_body || r->discard_body) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "rampart: request body %s before field encryption; "
                          "refused", r->discard_body ? "discarded" : "read");
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rc = RP_OK;
    }

    if (has_body && rc != RP_DECLINED && (r->request_body || r->discard_body)) {
        /* another module read (or threw away) the body before this phase:
         * its buffers went past our filter's back */
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "rampart: request body %s before inspection, "
                      "body not inspected",
                      r->discard_body ? "discarded" : "read");
        has_body = 0;
    }

    if (has_body && rc != RP_DECLINED) {
        ctx->feed_body = 1;

        /* field encryption rewrites the whole body: always buffered */
        if (lcf->body == NGX_HTTP_RAMPART_BODY_BUFFERED || ctx->fieldenc) {
            return NGX_AGAIN;
        }

        /* streaming: the request body filter feeds the engine as the
         * content handler (proxy_request_buffering off) reads the body */

        ctx->streaming = 1;
        ngx_http_rampart_count(r, body_streamed);

        return NGX_DECLINED;
    }

    rc = rp_tx_request_end(tx);
    ctx->request_ended = 1;

    if (rc == RP_NOMEM) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_rampart_decide(r, ctx);
}


static void
ngx_http_rampart_body_ready(ngx_http_request_t *r)
{
    rp_status_t              rc;
    ngx_http_rampart_ctx_t  *ctx;

    ctx = ngx_http_rampart_get_ctx(r);

    ctx->reading_body = 0;
    ctx->status = NGX_DECLINED;

    if (!ctx->request_ended) {
        rc = rp_tx_request_end(ctx->tx);
        ctx->request_ended = 1;

        if (rc == RP_NOMEM) {
            ctx->status = NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    if (ctx->fieldenc && ctx->status == NGX_DECLINED
        && ngx_http_rampart_fieldenc_body(r, ctx) != NGX_OK)
    {
        ctx->status = NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ctx->status == NGX_DECLINED) {
        ctx->status = ngx_http_rampart_decide(r, ctx);
    }

    ctx->status_pending = 1;

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/* Bot protection's headers on a refusal: the clearance cookie after a
 * solved challenge, and no caching of the challenge or the redirect. */
static ngx_int_t
ngx_http_rampart_bot_headers(ngx_http_request_t *r, rp_tx_t *tx)
{
    size_t            len;
    ngx_table_elt_t  *h;
    const char       *cookie;

    cookie = rp_tx_bot_set_cookie(tx);

    if (cookie != NULL) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        len = ngx_strlen(cookie);
        h->value.data = ngx_pnalloc(r->pool, len);
        if (h->value.data == NULL) {
            return NGX_ERROR;
        }

        ngx_memcpy(h->value.data, cookie, len);
        h->value.len = len;
        h->hash = 1;
        ngx_str_set(&h->key, "Set-Cookie");
    }

    if (cookie != NULL || rp_tx_verdict(tx)->action == RP_ACTION_CHALLENGE) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Cache-Control");
        ngx_str_set(&h->value, "no-store");
    }

    return NGX_OK;
}


/* The challenge page the engine rendered, sent from the access phase;
 * the request ends here (NGX_DONE after finalising it). */
static ngx_int_t
ngx_http_rampart_send_challenge(ngx_http_request_t *r, rp_tx_t *tx,
    ngx_int_t status)
{
    size_t        len;
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;
    const char   *page;

    if (!rp_tx_bot_page(tx, &page, &len)) {
        return NGX_HTTP_FORBIDDEN;
    }

    if (ngx_http_discard_request_body(r) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = status >= 400 && status <= 599
                            ? (ngx_uint_t) status : NGX_HTTP_FORBIDDEN;
    r->headers_out.content_length_n = len;
    ngx_str_set(&r->headers_out.content_type, "text/html; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the page lives in the transaction's arena, freed with the request */
    b->pos = (u_char *) page;
    b->last = (u_char *) page + len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    ngx_http_finalize_request(r, ngx_http_output_filter(r, &out));

    return NGX_DONE;
}


/* The answer for the verdict: NGX_DECLINED to let the request go on. */
static ngx_int_t
ngx_http_rampart_decide(ngx_http_request_t *r, ngx_http_rampart_ctx_t *ctx)
{
    size_t               len;
    ngx_table_elt_t     *h;
    const rp_verdict_t  *v;

    v = rp_tx_verdict(ctx->tx);

    if (!ngx_http_rampart_refuses(v)) {
        return NGX_DECLINED;
    }

    ctx->answered = 1;
    ctx->feed_body = 0;
    ngx_http_rampart_count(r, blocked);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "rampart: request %V refused: %s",
                  &ctx->request_id, v->category ? v->category : "policy");

    /* tell the client which request to quote when it asks why */
    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "X-Request-Id");
    h->value = ctx->request_id;

    if (ngx_http_rampart_bot_headers(r, ctx->tx) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (v->action == RP_ACTION_CHALLENGE) {
        return ngx_http_rampart_send_challenge(r, ctx->tx, v->status);
    }

    if (v->action == RP_ACTION_REDIRECT && v->location != NULL) {
        len = ngx_strlen(v->location);

        ngx_http_clear_location(r);

        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->value.data = ngx_pnalloc(r->pool, len);
        if (h->value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(h->value.data, v->location, len);
        h->value.len = len;
        h->hash = 1;
        ngx_str_set(&h->key, "Location");

        r->headers_out.location = h;

        return NGX_HTTP_MOVED_TEMPORARILY;
    }

    if (v->retry_after > 0) {
        /* a rate limit refused: say when to come back (RFC 9110 10.2.3) */
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->value.data = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
        if (h->value.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->value.len = ngx_sprintf(h->value.data, "%ui",
                                   (ngx_uint_t) v->retry_after)
                       - h->value.data;
        h->hash = 1;
        ngx_str_set(&h->key, "Retry-After");
    }

    if (v->status >= NGX_HTTP_BAD_REQUEST && v->status <= 599) {
        return v->status;
    }

    return NGX_HTTP_FORBIDDEN;
}


/* ------------------------------------------------------------------------
 * request body filter: every body buffer, before it is spooled or sent
 */

static ngx_int_t
ngx_http_rampart_request_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    size_t                   size;
    ngx_buf_t               *b;
    rp_status_t              rc;
    ngx_chain_t             *cl;
    ngx_http_rampart_ctx_t  *ctx;

    ctx = (r == r->main) ? ngx_http_rampart_get_ctx(r) : NULL;

    if (ctx == NULL || !ctx->feed_body || ctx->request_ended) {
        return ngx_http_next_request_body_filter(r, in);
    }

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;

        if (size == 0 && ngx_buf_size(b) > 0) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "rampart: request body buffer not in memory");
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (size) {
            rc = rp_tx_request_body(ctx->tx, b->pos, size);

            if (rc == RP_NOMEM) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            if (ngx_http_rampart_refuses(rp_tx_verdict(ctx->tx))) {
                ctx->request_ended = 1;
                break;
            }
        }

        if (b->last_buf) {
            rc = rp_tx_request_end(ctx->tx);
            ctx->request_ended = 1;

            if (rc == RP_NOMEM) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            break;
        }
    }

    if (ctx->streaming && ngx_http_rampart_refuses(rp_tx_verdict(ctx->tx))) {
        /* abort the upstream request; what was already sent is gone */
        return ngx_http_rampart_decide(r, ctx);
    }

    /* buffered: the verdict is given in ngx_http_rampart_body_ready */

    return ngx_http_next_request_body_filter(r, in);
}


/* ------------------------------------------------------------------------
 * response filters
 */

#if (NGX_HTTP_SSL)

/* The configuration baseline's view of the server's own TLS settings:
 * judged from the SSL_CTX nginx built for the connection's server (after
 * SNI), once per context and worker, again after an hour so certificate
 * expiry stays current; kept in the context's ex_data. */

typedef struct {
    unsigned  findings;
    time_t    judged;
} ngx_http_rampart_tls_judgement_t;

static int  ngx_http_rampart_tls_index = -1;


static void
ngx_http_rampart_tls_judgement_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad,
    int idx, long argl, void *argp)
{
    free(ptr);
}


static unsigned
ngx_http_rampart_tls_findings(ngx_connection_t *c)
{
    SSL_CTX                           *ctx;
    ngx_http_rampart_tls_judgement_t  *j;

    ctx = SSL_get_SSL_CTX(c->ssl->connection);

    if (ngx_http_rampart_tls_index == -1) {
        ngx_http_rampart_tls_index = SSL_CTX_get_ex_new_index(0, NULL, NULL,
                                 NULL, ngx_http_rampart_tls_judgement_free);
        if (ngx_http_rampart_tls_index == -1) {
            return 0;
        }
    }

    j = SSL_CTX_get_ex_data(ctx, ngx_http_rampart_tls_index);

    if (j == NULL) {
        j = calloc(1, sizeof(ngx_http_rampart_tls_judgement_t));
        if (j == NULL
            || SSL_CTX_set_ex_data(ctx, ngx_http_rampart_tls_index, j) != 1)
        {
            free(j);
            return 0;
        }
    }

    if (j->judged == 0 || ngx_time() - j->judged >= 3600) {
        j->findings = rp_tls_baseline_assess(ctx, ngx_time());
        j->judged = ngx_time();
    }

    return j->findings;
}

#endif


static rp_status_t
ngx_http_rampart_response_headers(ngx_http_request_t *r, rp_tx_t *tx)
{
    u_char            len[NGX_OFF_T_LEN];
    ngx_uint_t        i;
    rp_status_t       rc;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

#if (NGX_HTTP_SSL)
    /* -1: the policy has no baseline */
    if (r->connection->ssl && rp_tx_baseline_score(tx) >= 0) {
        rp_tx_baseline_tls(tx, ngx_http_rampart_tls_findings(r->connection));
    }
#endif

    rc = rp_tx_response_status(tx, (int) r->headers_out.status);
    if (rc != RP_OK) {
        return rc;
    }

    /* Content-Type and Content-Length live outside the header list */

    if (r->headers_out.content_type.len) {
        rc = rp_tx_response_header(tx, "Content-Type", sizeof("Content-Type") - 1,
                                   (const char *) r->headers_out.content_type.data,
                                   r->headers_out.content_type.len);
        if (rc != RP_OK) {
            return rc;
        }
    }

    if (r->headers_out.content_length_n >= 0) {
        rc = rp_tx_response_header(tx, "Content-Length",
                                   sizeof("Content-Length") - 1, (const char *) len,
                                   ngx_sprintf(len, "%O",
                                               r->headers_out.content_length_n)
                                   - len);
        if (rc != RP_OK) {
            return rc;
        }
    }

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        if (h[i].key.len == sizeof("Content-Length") - 1
            && ngx_strncasecmp(h[i].key.data, (u_char *) "Content-Length",
                               sizeof("Content-Length") - 1) == 0)
        {
            continue;
        }

        rc = rp_tx_response_header(tx, (const char *) h[i].key.data,
                                   h[i].key.len,
                                   (const char *) h[i].value.data,
                                   h[i].value.len);
        if (rc != RP_OK) {
            return rc;
        }
    }

    return rp_tx_response_headers_done(tx);
}


/* The configuration baseline's fixes ("baseline fix"): add missing
 * security headers, complete cookies' flags, drop platform banners. */
static ngx_int_t
ngx_http_rampart_apply_fixes(ngx_http_request_t *r, rp_tx_t *tx)
{
    size_t                  n, k, cookie, len;
    ngx_uint_t              i;
    ngx_list_part_t        *part;
    ngx_table_elt_t        *h;
    const rp_header_fix_t  *fixes, *f;

    n = rp_tx_header_fixes(tx, &fixes);

    for (k = 0; k < n; k++) {
        f = &fixes[k];

        if (f->op == RP_FIX_ADD) {
            h = ngx_list_push(&r->headers_out.headers);
            if (h == NULL) {
                return NGX_ERROR;
            }

            h->hash = 1;
            h->key.data = (u_char *) f->name;
            h->key.len = ngx_strlen(f->name);
            h->value.data = (u_char *) f->value;
            h->value.len = ngx_strlen(f->value);
            continue;
        }

        len = ngx_strlen(f->name);
        cookie = 0;
        part = &r->headers_out.headers.part;
        h = part->elts;

        for (i = 0; /* void */; i++) {

            if (i >= part->nelts) {
                if (part->next == NULL) {
                    break;
                }

                part = part->next;
                h = part->elts;
                i = 0;
            }

            if (h[i].hash == 0 || h[i].key.len != len
                || ngx_strncasecmp(h[i].key.data, (u_char *) f->name, len) != 0)
            {
                continue;
            }

            if (f->op == RP_FIX_REMOVE) {
                h[i].hash = 0;  /* how nginx filters drop a header */

            } else if (cookie++ == f->index) {
                h[i].value.data = (u_char *) f->value;
                h[i].value.len = ngx_strlen(f->value);
            }
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_rampart_header_filter(ngx_http_request_t *r)
{
    rp_status_t              rc;
    ngx_http_rampart_ctx_t  *ctx;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_rampart_get_ctx(r);

    /* identity cookies, on our answers and the application's alike */
    for ( /* void */ ; ctx != NULL && ctx->nset_cookie; ctx->nset_cookie--) {
        if (ngx_http_rampart_add_header_out(r, "Set-Cookie",
                                      &ctx->set_cookie[ctx->nset_cookie - 1],
                                      NULL)
            != NGX_OK)
        {
            return NGX_ERROR;
        }
    }

    if (ctx == NULL || ctx->answered || ctx->response_started) {
        return ngx_http_next_header_filter(r);
    }

    ctx->response_started = 1;

    if (!ctx->request_ended) {
        /* answered before the body was read (streaming mode, or a content
         * handler that discards the body): keep inspecting the body if it
         * still comes, and leave the response alone */
        return ngx_http_next_header_filter(r);
    }

    rc = ngx_http_rampart_response_headers(r, ctx->tx);

    if (rc != RP_NOMEM && ngx_http_rampart_apply_fixes(r, ctx->tx) != NGX_OK) {
        return NGX_ERROR;
    }

    if (rc == RP_DECLINED) {
        return ngx_http_next_header_filter(r);
    }

    if (rc == RP_NOMEM) {
        return NGX_ERROR;
    }

    if (ngx_http_rampart_refuses(rp_tx_verdict(ctx->tx))) {
        ctx->answered = 1;
        ngx_http_rampart_count(r, blocked);

        return ngx_http_filter_finalize_request(r, &ngx_http_rampart_module,
                                                NGX_HTTP_FORBIDDEN);
    }

    ctx->response_inspect = 1;

    /* the engine may rewrite the body (masking): its length is unknown */
    ngx_http_clear_content_length(r);
    ngx_http_clear_accept_ranges(r);
    ngx_http_weak_etag(r);

    r->filter_need_in_memory = 1;

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_rampart_append(ngx_http_request_t *r, ngx_chain_t ***ll,
    ngx_buf_t *b)
{
    ngx_chain_t  *cl;

    cl = ngx_alloc_chain_link(r->pool);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->buf = b;
    cl->next = NULL;
    **ll = cl;
    *ll = &cl->next;

    return NGX_OK;
}


static ngx_buf_t *
ngx_http_rampart_memory_buf(ngx_http_request_t *r, const void *p, size_t len)
{
    ngx_buf_t  *b;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NULL;
    }

    /* an empty buffer must not claim memory, or it is neither data nor a
     * special (flush/last) buffer and the writer complains */
    b->memory = (len > 0);
    b->pos = (u_char *) p;
    b->last = (u_char *) p + len;

    return b;
}


static ngx_int_t
ngx_http_rampart_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    size_t                   size, len, end_len;
    ngx_buf_t               *b, *nb, *eb;
    ngx_uint_t               changed, replaced;
    const void              *p, *end;
    rp_status_t              rc;
    ngx_chain_t             *cl, *c2, *out, **ll;
    ngx_http_rampart_ctx_t  *ctx;

    if (in == NULL || r != r->main) {
        return ngx_http_next_body_filter(r, in);
    }

    ctx = ngx_http_get_module_ctx(r, ngx_http_rampart_module);

    if (ctx == NULL || !ctx->response_inspect || ctx->response_ended) {
        return ngx_http_next_body_filter(r, in);
    }

    /* Pass the input chain untouched until the engine changes something;
     * from then on build a new chain. */

    out = NULL;
    ll = &out;
    changed = 0;

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;
        nb = b;
        replaced = 0;
        end_len = 0;
        end = NULL;

        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;

        if (size == 0 && ngx_buf_size(b) > 0) {
            ngx_log_error(NGX_LOG_ALERT, r->connection->log, 0,
                          "rampart: response body buffer not in memory");
            return NGX_ERROR;
        }

        if (size) {
            rc = rp_tx_response_body(ctx->tx, b->pos, size, &p, &len);

            if (rc == RP_NOMEM) {
                return NGX_ERROR;
            }

            if (ngx_http_rampart_refuses(rp_tx_verdict(ctx->tx))) {
                /* the header is gone already: all we can do is cut */
                ctx->answered = 1;
                ngx_http_rampart_count(r, blocked);
                return NGX_ERROR;
            }

            if (p != b->pos || len != size) {
                replaced = 1;
            }
        }

        if (b->last_buf) {
            rc = rp_tx_response_end(ctx->tx, &end, &end_len);
            ctx->response_ended = 1;

            if (rc == RP_NOMEM) {
                return NGX_ERROR;
            }
        }

        if (!changed && !replaced && end_len == 0) {
            continue;
        }

        if (!changed) {
            for (c2 = in; c2 != cl; c2 = c2->next) {
                if (ngx_http_rampart_append(r, &ll, c2->buf) != NGX_OK) {
                    return NGX_ERROR;
                }
            }

            changed = 1;
        }

        if (replaced) {
            nb = ngx_http_rampart_memory_buf(r, p, len);
            if (nb == NULL) {
                return NGX_ERROR;
            }

            nb->flush = b->flush;
            nb->last_buf = b->last_buf;
            nb->last_in_chain = b->last_in_chain;

            /* the original bytes are consumed: let their owner reuse them */
            b->pos = b->last;
        }

        if (end_len) {
            eb = ngx_http_rampart_memory_buf(r, end, end_len);
            if (eb == NULL) {
                return NGX_ERROR;
            }

            eb->last_buf = 1;
            eb->last_in_chain = 1;
            eb->flush = nb->flush;

            nb->last_buf = 0;
            nb->last_in_chain = 0;

            if (ngx_buf_size(nb) > 0 || ngx_buf_special(nb)) {
                if (ngx_http_rampart_append(r, &ll, nb) != NGX_OK) {
                    return NGX_ERROR;
                }
            }

            nb = eb;

        } else if (replaced && len == 0 && !ngx_buf_special(nb)) {
            continue;
        }

        if (ngx_http_rampart_append(r, &ll, nb) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    return ngx_http_next_body_filter(r, changed ? out : in);
}


/* ------------------------------------------------------------------------
 * log phase: the event
 */

static void
ngx_http_rampart_send_event(ngx_http_request_t *r,
    ngx_http_rampart_main_conf_t *mcf, const char *ev, size_t len)
{
    u_char     *line;
    ssize_t     n;
    ngx_err_t   err;

    if (mcf->sink_type == NGX_HTTP_RAMPART_SINK_UNIX) {
        if (mcf->sink_fd == NGX_INVALID_FILE) {
            ngx_http_rampart_count(r, events_dropped);
            return;
        }

        n = sendto(mcf->sink_fd, ev, len, MSG_DONTWAIT|MSG_NOSIGNAL,
                   (struct sockaddr *) &mcf->sink_addr, mcf->sink_addrlen);

        if (n == (ssize_t) len) {
            ngx_http_rampart_count(r, events_sent);
            return;
        }

        err = ngx_socket_errno;
        ngx_http_rampart_count(r, events_dropped);

        /* reader slow, gone or not started: expected, counted, quiet */
        if (err == NGX_EAGAIN || err == ENOBUFS || err == ECONNREFUSED
            || err == ENOENT)
        {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, err,
                           "rampart: event dropped, %uz bytes", len);
            return;
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, err,
                      "rampart: sendto(\"%V\") failed, event dropped",
                      &mcf->sink_path);
        return;
    }

    /* file: one write of the line and its newline, so that O_APPEND keeps
     * lines of concurrent workers whole */

    line = ngx_pnalloc(r->pool, len + 1);
    if (line == NULL) {
        ngx_http_rampart_count(r, events_dropped);
        return;
    }

    ngx_memcpy(line, ev, len);
    line[len] = '\n';

    n = write(mcf->sink_file->fd, line, len + 1);

    if (n == (ssize_t) len + 1) {
        ngx_http_rampart_count(r, events_sent);
        return;
    }

    ngx_http_rampart_count(r, events_dropped);
    ngx_log_error(NGX_LOG_WARN, r->connection->log, ngx_errno,
                  "rampart: write(\"%V\") failed, event dropped",
                  &mcf->sink_path);
}


/*
 * Requests that nginx itself refused while reading the request line or
 * headers never reached the rewrite phase; give them an event all the same,
 * so a flood of malformed requests is as visible as any attack.
 */
static void
ngx_http_rampart_log_refused(ngx_http_request_t *r,
    ngx_http_rampart_main_conf_t *mcf)
{
    size_t                        len;
    rp_tx_t                      *tx;
    ngx_str_t                     id;
    const char                   *reason, *ev;
    ngx_http_rampart_loc_conf_t  *lcf;

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_rampart_module);

    if (lcf == NULL || !lcf->enable
        || mcf->sink_type == NGX_HTTP_RAMPART_SINK_OFF)
    {
        return;
    }

    switch (r->headers_out.status) {
    case NGX_HTTP_BAD_REQUEST:
        reason = "malformed request refused by nginx";
        break;
    case NGX_HTTP_REQUEST_URI_TOO_LARGE:
        reason = "request line too long, refused by nginx";
        break;
    case NGX_HTTP_REQUEST_HEADER_TOO_LARGE:
        reason = "request header too large, refused by nginx";
        break;
    default:
        return;
    }

    tx = rp_tx_new(ngx_http_rampart_loc_policy(lcf, r->connection->log));
    if (tx == NULL) {
        return;
    }

    if (ngx_http_rampart_id(r, &id) == NGX_OK) {
        rp_tx_set_request_id(tx, (const char *) id.data, id.len);
    }

    if (lcf->app.len) {
        rp_tx_set_app(tx, (const char *) lcf->app.data, lcf->app.len);
    }

    (void) rp_tx_connection(tx, (const char *) r->connection->addr_text.data,
                            r->connection->addr_text.len,
                            ngx_inet_get_port(r->connection->sockaddr),
                            NULL, 0, 0);

    if (r->request_line.len && r->method_name.len && r->unparsed_uri.len) {
        (void) rp_tx_request_line(tx, (const char *) r->method_name.data,
                                  r->method_name.len,
                                  (const char *) r->unparsed_uri.data,
                                  r->unparsed_uri.len,
                                  (const char *) r->http_protocol.data,
                                  r->http_protocol.data
                                  ? r->http_protocol.len : 0);
    }

    rp_tx_host_refused(tx, (int) r->headers_out.status, reason,
                       ngx_strlen(reason));

    ev = rp_tx_event(tx, &len);

    if (ev != NULL && len > 0) {
        ngx_http_rampart_send_event(r, mcf, ev, len);
    }

    rp_tx_free(tx);
}


static ngx_int_t
ngx_http_rampart_log_handler(ngx_http_request_t *r)
{
    size_t                         len;
    const char                    *ev;
    const void                    *p;
    const rp_verdict_t            *v;
    ngx_http_rampart_ctx_t        *ctx;
    ngx_http_rampart_main_conf_t  *mcf;

    if (r != r->main) {
        return NGX_OK;
    }

    ctx = ngx_http_rampart_get_ctx(r);

    if (ctx == NULL) {
        ngx_http_rampart_log_refused(r,
                      ngx_http_get_module_main_conf(r, ngx_http_rampart_module));
        return NGX_OK;
    }

    if (ctx->tx == NULL || ctx->logged) {
        return NGX_OK;
    }

    ctx->logged = 1;

    /* close what an abort or an early answer left open */

    if (!ctx->request_ended) {
        (void) rp_tx_request_end(ctx->tx);
        ctx->request_ended = 1;
    }

    if (ctx->response_inspect && !ctx->response_ended) {
        (void) rp_tx_response_end(ctx->tx, &p, &len);
        ctx->response_ended = 1;
    }

    /* the rules' logging phase and its collection changes, event or not */
    rp_tx_finish(ctx->tx);

    v = rp_tx_verdict(ctx->tx);

    if (v != NULL && v->detect_only) {
        ngx_http_rampart_count(r, detected);
    }

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (mcf->sink_type == NGX_HTTP_RAMPART_SINK_OFF) {
        return NGX_OK;
    }

    ev = rp_tx_event(ctx->tx, &len);

    if (ev != NULL && len > 0) {
        ngx_http_rampart_send_event(r, mcf, ev, len);
    }

    /* who saw which sensitive classes: its own event, whatever the
     * policy's event setting */
    ev = rp_tx_data_event(ctx->tx, &len);

    if (ev != NULL && len > 0) {
        ngx_http_rampart_send_event(r, mcf, ev, len);
    }

    /* API discovery: a sampled request's observation (policy "discover") */
    ev = rp_tx_api_event(ctx->tx, &len);

    if (ev != NULL && len > 0) {
        ngx_http_rampart_send_event(r, mcf, ev, len);
    }

    return NGX_OK;
}


/* ------------------------------------------------------------------------
 * rampart_status
 */

static ngx_int_t
ngx_http_rampart_status_handler(ngx_http_request_t *r)
{
    ngx_int_t                      rc;
    ngx_buf_t                     *b;
    ngx_chain_t                    out;
    rp_collections_stats_t         cs;
    ngx_http_rampart_counters_t   *c;
    ngx_http_rampart_main_conf_t  *mcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    c = ngx_http_rampart_counters(r);

    b = ngx_create_temp_buf(r->pool, 10 * (NGX_ATOMIC_T_LEN + 24) + 64);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->last = ngx_sprintf(b->last,
                          "{\"inspected\":%uA,\"blocked\":%uA,"
                          "\"detected\":%uA,\"events_sent\":%uA,"
                          "\"events_dropped\":%uA,\"body_streamed\":%uA",
                          c->inspected, c->blocked, c->detected,
                          c->events_sent, c->events_dropped,
                          c->body_streamed);

    mcf = ngx_http_get_module_main_conf(r, ngx_http_rampart_module);

    if (mcf->collections != NULL) {
        /* records, evicted, expired: the zone's, for all workers */
        rp_collections_stats(mcf->collections, &cs);
        b->last = ngx_sprintf(b->last,
                              ",\"collections\":{\"records\":%uL,"
                              "\"evicted\":%uL,\"expired\":%uL}",
                              (uint64_t) cs.records, (uint64_t) cs.evicted,
                              (uint64_t) cs.expired);
    }

    *b->last++ = '}';
    *b->last++ = '\n';
    b->last_buf = (r == r->main);
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/* ------------------------------------------------------------------------
 * configuration
 */

static char *
ngx_http_rampart_enable(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rampart_loc_conf_t *lcf = conf;

    char                          *rv;
    ngx_http_rampart_main_conf_t  *mcf;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);

    if (rv == NGX_CONF_OK && lcf->enable) {
        mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rampart_module);
        mcf->enabled = 1;
    }

    return rv;
}


static void
ngx_http_rampart_policy_cleanup(void *data)
{
    rp_policy_t  **pp = data;

    if (*pp != NULL) {
        rp_policy_unref(*pp);
        *pp = NULL;
    }
}


/* The configuration's pool owns each entry; whichever policy the entry
 * holds when the pool goes (the master's, or a worker's latest) is
 * released with it. */
static void
ngx_http_rampart_policy_entry_cleanup(void *data)
{
    ngx_http_rampart_policy_entry_t  *e = data;

    ngx_http_rampart_policy_loader_join(e);
    ngx_http_rampart_policy_cleanup(&e->policy);

    if (e->text != NULL) {
        ngx_free(e->text);
        e->text = NULL;
    }
}


/* One entry per distinct path, owned by the configuration's pool: a
 * failed reload frees the new ones and keeps the old running. */
static ngx_http_rampart_policy_entry_t *
ngx_http_rampart_load_policy(ngx_conf_t *cf,
    ngx_http_rampart_main_conf_t *mcf, ngx_str_t *path)
{
    ngx_uint_t                         i;
    rp_error_t                         err;
    ngx_pool_cleanup_t                *cln;
    ngx_http_rampart_policy_entry_t   *e, **known, **slot;

    known = mcf->policies.elts;

    for (i = 0; i < mcf->policies.nelts; i++) {
        if (known[i]->path.len == path->len
            && ngx_strncmp(known[i]->path.data, path->data, path->len) == 0)
        {
            return known[i];
        }
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(ngx_http_rampart_policy_entry_t));
    if (cln == NULL) {
        return NULL;
    }

    e = cln->data;
    ngx_memzero(e, sizeof(ngx_http_rampart_policy_entry_t));
    e->path = *path;
    cln->handler = ngx_http_rampart_policy_entry_cleanup;

    /* the file as it is before the load: a change during the load is
     * seen by the workers' first check */
    if (stat((const char *) path->data, &e->st) != 0) {
        ngx_memzero(&e->st, sizeof(struct stat));

    } else {
        (void) ngx_http_rampart_policy_text(e, cf->log);
    }

    ngx_memzero(&err, sizeof(rp_error_t));

    e->policy = rp_policy_load((const char *) path->data, &err);

    if (e->policy == NULL) {
        if (err.line) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "rampart_policy: %s:%ui: %s",
                               err.file[0] ? err.file : (char *) path->data,
                               (ngx_uint_t) err.line, err.reason);
        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "rampart_policy: %s: %s",
                               err.file[0] ? err.file : (char *) path->data,
                               err.reason[0] ? err.reason : "cannot load");
        }

        return NULL;
    }

    slot = ngx_array_push(&mcf->policies);
    if (slot == NULL) {
        return NULL;
    }

    *slot = e;

    return e;
}


static char *
ngx_http_rampart_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rampart_loc_conf_t *lcf = conf;

    ngx_str_t                     *value, name, path;
    ngx_http_rampart_main_conf_t  *mcf;

    if (lcf->watched != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    name = value[1];

    if (ngx_conf_full_name(cf->cycle, &name, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* the engine wants a NUL-terminated path */
    path.data = ngx_pnalloc(cf->pool, name.len + 1);
    if (path.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(path.data, name.data, name.len);
    path.data[name.len] = '\0';
    path.len = name.len;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rampart_module);

    lcf->watched = ngx_http_rampart_load_policy(cf, mcf, &path);
    if (lcf->watched == NULL) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rampart_event_sink(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    ngx_str_t  *value, path;

    if (mcf->sink_type != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 3 && ngx_strncmp(value[1].data, "off", 3) == 0) {
        mcf->sink_type = NGX_HTTP_RAMPART_SINK_OFF;
        return NGX_CONF_OK;
    }

    if (value[1].len > 5 && ngx_strncmp(value[1].data, "unix:", 5) == 0) {
        mcf->sink_type = NGX_HTTP_RAMPART_SINK_UNIX;
        path.data = value[1].data + 5;
        path.len = value[1].len - 5;

    } else if (value[1].len > 5 && ngx_strncmp(value[1].data, "file:", 5) == 0) {
        mcf->sink_type = NGX_HTTP_RAMPART_SINK_FILE;
        path.data = value[1].data + 5;
        path.len = value[1].len - 5;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid event sink \"%V\": expected "
                           "\"unix:/path\", \"file:/path\" or \"off\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf->sink_path.data = ngx_pnalloc(cf->pool, path.len + 1);
    if (mcf->sink_path.data == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(mcf->sink_path.data, path.data, path.len);
    mcf->sink_path.data[path.len] = '\0';
    mcf->sink_path.len = path.len;

    if (mcf->sink_type == NGX_HTTP_RAMPART_SINK_FILE) {
        /* Like access_log: the master opens it (so the workers' user
         * needs no write access) and reopens it on USR1 for rotation. */
        mcf->sink_file = ngx_conf_open_file(cf->cycle, &mcf->sink_path);
        if (mcf->sink_file == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (mcf->sink_type == NGX_HTTP_RAMPART_SINK_UNIX) {
        if (path.len >= sizeof(mcf->sink_addr.sun_path)) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "event sink socket path \"%V\" is too long",
                               &path);
            return NGX_CONF_ERROR;
        }

        mcf->sink_addr.sun_family = AF_UNIX;
        ngx_memcpy(mcf->sink_addr.sun_path, path.data, path.len);
        mcf->sink_addrlen = offsetof(struct sockaddr_un, sun_path) + path.len
                            + 1;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_rampart_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_rampart_status_handler;

    return NGX_CONF_OK;
}


/*
 * rampart_compile_cache DIR|off: where compiled pattern databases are kept
 * between loads (hs_cache.h). It acts when read, so it must come before the
 * first rampart_policy; a reload without it falls back to the environment's
 * RAMPART_COMPILE_CACHE (create_main_conf).
 */
static char *
ngx_http_rampart_compile_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    ngx_str_t    *value, dir;
    rp_error_t    err;

    if (mcf->policies.nelts > 0) {
        return "must come before the first \"rampart_policy\"";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        (void) rp_compile_cache_set_dir(NULL, NULL);
        return NGX_CONF_OK;
    }

    dir = value[1];

    if (ngx_conf_full_name(cf->cycle, &dir, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (rp_compile_cache_set_dir((const char *) dir.data, &err) != RP_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%s: %s", err.file,
                           err.reason);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* rampart_collections zone=NAME:SIZE */
static char *
ngx_http_rampart_collections(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    u_char     *colon;
    ssize_t     size;
    ngx_str_t  *value, name, s;

    if (mcf->collections_zone != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len <= 5 || ngx_strncmp(value[1].data, "zone=", 5) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\", expected zone=NAME:SIZE",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name.data = value[1].data + 5;
    colon = (u_char *) ngx_strchr(name.data, ':');

    if (colon == NULL || colon == name.data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone \"%V\", expected zone=NAME:SIZE",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    name.len = colon - name.data;
    s.data = colon + 1;
    s.len = value[1].data + value[1].len - s.data;

    size = ngx_parse_size(&s);

    if (size == NGX_ERROR || size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" needs a size of at least %uz bytes",
                           &name, 8 * ngx_pagesize);
        return NGX_CONF_ERROR;
    }

    if (name.len == ngx_http_rampart_zone_name.len
        && ngx_strncmp(name.data, ngx_http_rampart_zone_name.data, name.len)
           == 0)
    {
        return "cannot use the name of the module's counters zone";
    }

    mcf->collections_zone = ngx_shared_memory_add(cf, &name, size,
                                                  &ngx_http_rampart_module);
    if (mcf->collections_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (mcf->collections_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is already used", &name);
        return NGX_CONF_ERROR;
    }

    mcf->collections_zone->init = ngx_http_rampart_init_collections_zone;
    mcf->collections_zone->data = mcf;

    return NGX_CONF_OK;
}


/* data: the previous cycle's root when a reload keeps the zone (same name
 * and size), so the records outlive the reload. */
static ngx_int_t
ngx_http_rampart_init_collections_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t                     *shpool;
    ngx_http_rampart_collections_shm_t  *root;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    root = ngx_slab_calloc(shpool, sizeof(ngx_http_rampart_collections_shm_t));
    if (root == NULL) {
        return NGX_ERROR;
    }

    shpool->data = root;
    shm_zone->data = root;

    /* the engine evicts when an allocation fails and logs that once */
    shpool->log_nomem = 0;

    return NGX_OK;
}


static void
ngx_http_rampart_collections_lock(void *ctx)
{
    ngx_http_rampart_collections_host_t  *h = ctx;

    ngx_shmtx_lock(&h->shpool->mutex);
}


static void
ngx_http_rampart_collections_unlock(void *ctx)
{
    ngx_http_rampart_collections_host_t  *h = ctx;

    ngx_shmtx_unlock(&h->shpool->mutex);
}


static void *
ngx_http_rampart_collections_alloc(void *ctx, size_t size)
{
    ngx_http_rampart_collections_host_t  *h = ctx;

    return ngx_slab_alloc_locked(h->shpool, size);
}


static void
ngx_http_rampart_collections_free(void *ctx, void *p)
{
    ngx_http_rampart_collections_host_t  *h = ctx;

    ngx_slab_free_locked(h->shpool, p);
}


static void
ngx_http_rampart_collections_log(void *ctx, const char *msg)
{
    ngx_http_rampart_collections_host_t  *h = ctx;

    ngx_log_error(NGX_LOG_WARN, h->log, 0, "rampart: %s", msg);
}


/* Each worker's handle on the zone (the records themselves are shared). */
static ngx_int_t
ngx_http_rampart_collections_open(ngx_cycle_t *cycle,
    ngx_http_rampart_main_conf_t *mcf)
{
    rp_collections_host_t                host;
    ngx_http_rampart_collections_shm_t  *root;

    mcf->collections_host.shpool =
                       (ngx_slab_pool_t *) mcf->collections_zone->shm.addr;
    mcf->collections_host.log = cycle->log;

    root = mcf->collections_zone->data;

    ngx_memzero(&host, sizeof(rp_collections_host_t));
    host.ctx = &mcf->collections_host;
    host.lock = ngx_http_rampart_collections_lock;
    host.unlock = ngx_http_rampart_collections_unlock;
    host.alloc = ngx_http_rampart_collections_alloc;
    host.free = ngx_http_rampart_collections_free;
    host.log = ngx_http_rampart_collections_log;
    host.root = &root->table;
    host.capacity = mcf->collections_zone->shm.size;

    mcf->collections = rp_collections_shared_new(&host);

    if (mcf->collections == NULL) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "rampart: cannot open the collections zone, "
                      "initcol falls back to per-worker memory");
        return NGX_ERROR;
    }

    return NGX_OK;
}


static void *
ngx_http_rampart_create_main_conf(ngx_conf_t *cf)
{
    rp_error_t                     err;
    ngx_http_rampart_main_conf_t  *mcf;

    mcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rampart_main_conf_t));
    if (mcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&mcf->policies, cf->pool, 4,
                       sizeof(ngx_http_rampart_policy_entry_t *))
        != NGX_OK)
    {
        return NULL;
    }

    mcf->sink_type = NGX_CONF_UNSET_UINT;
    mcf->sink_fd = NGX_INVALID_FILE;
    mcf->request_id_index = NGX_ERROR;

    /* each configuration starts from the environment's compile cache; the
     * rampart_compile_cache directive overrides it */
    if (rp_compile_cache_set_dir(getenv("RAMPART_COMPILE_CACHE"), &err)
        != RP_OK)
    {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "%s: %s (RAMPART_COMPILE_CACHE ignored)",
                           err.file, err.reason);
        (void) rp_compile_cache_set_dir(NULL, NULL);
    }

    return mcf;
}


static char *
ngx_http_rampart_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    if (mcf->sink_type == NGX_CONF_UNSET_UINT) {
        mcf->sink_type = NGX_HTTP_RAMPART_SINK_OFF;
    }

    mcf->shm_zone = ngx_shared_memory_add(cf, &ngx_http_rampart_zone_name,
                                          8 * ngx_pagesize,
                                          &ngx_http_rampart_module);
    if (mcf->shm_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->shm_zone->init = ngx_http_rampart_init_zone;

    return NGX_CONF_OK;
}


/* The counters survive reloads: a zone of the same name, size and tag is
 * handed over with the old data. */
static ngx_int_t
ngx_http_rampart_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t              *shpool;
    ngx_http_rampart_counters_t  *c;

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    c = ngx_slab_calloc(shpool, sizeof(ngx_http_rampart_counters_t));
    if (c == NULL) {
        return NGX_ERROR;
    }

    shpool->data = c;
    shm_zone->data = c;

    return NGX_OK;
}


static void *
ngx_http_rampart_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_rampart_loc_conf_t  *lcf;

    lcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_rampart_loc_conf_t));
    if (lcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lcf->watched = NULL;
     *     lcf->policy = NULL;
     *     lcf->app = { 0, NULL };
     */

    lcf->enable = NGX_CONF_UNSET;
    lcf->mode = NGX_CONF_UNSET_UINT;
    lcf->body = NGX_CONF_UNSET_UINT;

    return lcf;
}


static char *
ngx_http_rampart_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_rampart_loc_conf_t *prev = parent;
    ngx_http_rampart_loc_conf_t *conf = child;

    ngx_pool_cleanup_t            *cln;
    ngx_http_rampart_main_conf_t  *mcf;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_uint_value(conf->mode, prev->mode,
                              NGX_HTTP_RAMPART_MODE_POLICY);
    ngx_conf_merge_str_value(conf->app, prev->app, "");
    ngx_conf_merge_uint_value(conf->body, prev->body,
                              NGX_HTTP_RAMPART_BODY_BUFFERED);
    ngx_conf_merge_str_value(conf->identity_portal, prev->identity_portal, "");

    if (conf->upstream_key.data == NULL) {
        conf->upstream_key = prev->upstream_key;
    }

    if (conf->watched == NULL && conf->policy == NULL) {
        conf->watched = prev->watched;
        conf->policy = prev->policy;
    }

    if (conf->enable && conf->watched == NULL && conf->policy == NULL) {
        mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rampart_module);

        if (mcf->default_policy == NULL) {
            cln = ngx_pool_cleanup_add(cf->pool, sizeof(rp_policy_t *));
            if (cln == NULL) {
                return NGX_CONF_ERROR;
            }

            *(rp_policy_t **) cln->data = NULL;
            cln->handler = ngx_http_rampart_policy_cleanup;

            mcf->default_policy = rp_policy_default();
            if (mcf->default_policy == NULL) {
                return "cannot build the default rampart policy";
            }

            *(rp_policy_t **) cln->data = mcf->default_policy;
        }

        conf->policy = mcf->default_policy;
    }

    return NGX_CONF_OK;
}


/* rampart_identity_keys FILE: the session keys (and the zone that
 * remembers used hand-offs across workers). */
static char *
ngx_http_rampart_identity_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    ngx_str_t  *value;
    ngx_str_t   name = ngx_string("rampart_identity");

    if (mcf->identity_keys.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mcf->identity_keys = value[1];

    if (ngx_conf_full_name(cf->cycle, &mcf->identity_keys, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    mcf->identity_zone = ngx_shared_memory_add(cf, &name,
                  rp_id_replay_table_size(NGX_HTTP_RAMPART_REPLAY_ENTRIES)
                  + 8 * ngx_pagesize,
                  &ngx_http_rampart_module);
    if (mcf->identity_zone == NULL) {
        return NGX_CONF_ERROR;
    }

    mcf->identity_zone->init = ngx_http_rampart_init_identity_zone;

    return NGX_CONF_OK;
}


/* rampart_identity_revocations FILE */
static char *
ngx_http_rampart_identity_revocations(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    ngx_str_t  *value;

    if (mcf->identity_revocations.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mcf->identity_revocations = value[1];

    if (ngx_conf_full_name(cf->cycle, &mcf->identity_revocations, 1)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* rampart_data_keys FILE: checked now when it exists (a file others may
 * read stops the configuration), re-read by the workers when it changes */
static char *
ngx_http_rampart_data_keys(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_rampart_main_conf_t *mcf = conf;

    ngx_str_t       *value;
    rp_error_t       err;
    rp_data_keys_t  *keys;

    if (mcf->data_keys.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mcf->data_keys = value[1];

    if (ngx_conf_full_name(cf->cycle, &mcf->data_keys, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (access((const char *) mcf->data_keys.data, F_OK) != 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0,
                           "rampart_data_keys: \"%V\" does not exist yet "
                           "(rampart sync writes it); encrypted routes "
                           "refuse bodies until it does", &mcf->data_keys);
        return NGX_CONF_OK;
    }

    ngx_memzero(&err, sizeof(err));
    keys = rp_data_keys_load((const char *) mcf->data_keys.data, &err);

    if (keys == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "rampart_data_keys: %s:%ui: %s",
                           err.file, (ngx_uint_t) err.line, err.reason);
        return NGX_CONF_ERROR;
    }

    rp_data_keys_unref(keys);

    return NGX_CONF_OK;
}


/* rampart_identity_upstream_key FILE: read at configuration time, so
 * `nginx -t` reports a bad key. */
static char *
ngx_http_rampart_identity_upstream_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_rampart_loc_conf_t *lcf = conf;

    u_char      *text;
    size_t       len;
    ssize_t      n;
    ngx_fd_t     fd;
    ngx_str_t   *value, path;
    rp_error_t   err;
    ngx_file_info_t  fi;

    if (lcf->upstream_key.data != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "cannot open \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR || ngx_file_size(&fi) > 4096) {
        ngx_close_file(fd);
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" is not a key file", &path);
        return NGX_CONF_ERROR;
    }

    len = ngx_file_size(&fi);
    text = ngx_pnalloc(cf->temp_pool, len + 1);
    lcf->upstream_key.data = ngx_pnalloc(cf->pool, 64);

    if (text == NULL || lcf->upstream_key.data == NULL) {
        ngx_close_file(fd);
        return NGX_CONF_ERROR;
    }

    n = read(fd, text, len);
    ngx_close_file(fd);

    if (n != (ssize_t) len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "cannot read \"%V\"", &path);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&err, sizeof(err));
    lcf->upstream_key.len = rp_id_upstream_key_parse((const char *) text, len,
                                                lcf->upstream_key.data, 64,
                                                &err);
    ngx_explicit_memzero(text, len);

    if (lcf->upstream_key.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "%V:%ui: %s", &path,
                           (ngx_uint_t) err.line, err.reason);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* The used hand-offs: one table in the zone's slab pool, kept across
 * reloads like the counters. */
static ngx_int_t
ngx_http_rampart_init_identity_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    void             *table;
    ngx_slab_pool_t  *shpool;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (data || shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    table = ngx_slab_calloc(shpool,
                     rp_id_replay_table_size(NGX_HTTP_RAMPART_REPLAY_ENTRIES));
    if (table == NULL) {
        return NGX_ERROR;
    }

    shpool->data = table;
    shm_zone->data = table;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rampart_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt           *h;
    ngx_http_core_main_conf_t     *cmcf;
    ngx_http_rampart_main_conf_t  *mcf;

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_rampart_module);

    if (!mcf->enabled) {
        /* "rampart on" nowhere: not a single hook, zero work per request */
        return NGX_OK;
    }

    mcf->request_id_index = ngx_http_get_variable_index(cf,
                                             &ngx_http_rampart_request_id_var);
    if (mcf->request_id_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    /*
     * Handlers of a phase run in reverse order of registration, and this
     * (dynamic, filter-ordered) module's postconfiguration runs after
     * ngx_http_rewrite_module's: pushed last, the handler runs first, before
     * any location-level return/rewrite.
     */
    h = ngx_array_push(&cmcf->phases[NGX_HTTP_REWRITE_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_rampart_handler;

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_LOG_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_rampart_log_handler;

    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_rampart_request_body_filter;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_rampart_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_rampart_body_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_rampart_init_process(ngx_cycle_t *cycle)
{
    ngx_http_rampart_main_conf_t  *mcf;

    ngx_http_rampart_id_seed_init(cycle);

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rampart_module);

    if (mcf != NULL && mcf->collections_zone != NULL) {
        (void) ngx_http_rampart_collections_open(cycle, mcf);
    }

    if (mcf == NULL || mcf->sink_type == NGX_HTTP_RAMPART_SINK_OFF) {
        return NGX_OK;
    }

    if (mcf->sink_type == NGX_HTTP_RAMPART_SINK_UNIX) {
        mcf->sink_fd = socket(AF_UNIX, SOCK_DGRAM|SOCK_NONBLOCK|SOCK_CLOEXEC, 0);

        if (mcf->sink_fd == -1) {
            mcf->sink_fd = NGX_INVALID_FILE;
            ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                          "rampart: socket() for event sink failed, "
                          "events will be dropped");
        }

        return NGX_OK;
    }

    return NGX_OK;
}


static void
ngx_http_rampart_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_rampart_main_conf_t  *mcf;

    mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_rampart_module);

    if (mcf != NULL && mcf->sink_fd != NGX_INVALID_FILE) {
        (void) close(mcf->sink_fd);
        mcf->sink_fd = NGX_INVALID_FILE;
    }

    if (mcf != NULL && mcf->collections != NULL) {
        rp_collections_free(mcf->collections);
        mcf->collections = NULL;
    }
}
