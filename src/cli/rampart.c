/*
 * rampart.c — the command line: offline inspection and policy checks.
 *
 *   rampart inspect [--policy FILE] [--mode block|detect] FILE|-
 *       Reads raw HTTP/1.x requests (one or more, back to back) and prints
 *       one JSON line per request: its verdict and the evidence.
 *       Exit status: 0 all allowed, 1 at least one blocked, 2 error.
 *   rampart policy check FILE
 *       Loads and compiles a policy; prints "ok" with its version, or
 *       FILE:LINE: reason. Exit status 0 or 1.
 *   rampart audit verify ...
 *       Checks rampartd's audit log (audit_verify.c).
 *   rampart sync ...
 *       The gateway side of distribution (sync.c): fetches, verifies and
 *       installs rampartd's bundle and makes nginx use it.
 *   rampart keys reencrypt ...
 *       Moves a table column's envelopes to the current key version
 *       through rampartd's rewrap endpoint (keys_reencrypt.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys_reencrypt.h"
#include "rampart/http.h"
#include "rampart/rampart.h"
#include "sync.h"

#define MAX_INPUT (256u * 1024 * 1024)

int rampart_audit_main(int argc, char **argv); /* audit_verify.c */

static void usage(FILE *f)
{
    fputs("usage: rampart inspect [--policy FILE] [--mode block|detect] FILE|-\n"
          "       rampart policy check FILE\n"
          "       rampart audit verify [--public-key PEM] DATA_DIR/rampart.db\n"
          "       rampart audit verify --public-key PEM --seals SEALS.json RECORDS.json...\n"
          "       rampart sync --url URL --token-file FILE --dir DIR --gateway-id ID [...]\n"
          "       rampart keys reencrypt --url URL --token-file FILE --key APP/FIELD --dsn DSN\n"
          "                              --table T --column C [--id-column id] [...]\n"
          "       rampart version\n",
          f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "rampart: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
        if (n == cap) {
            if (cap >= MAX_INPUT) {
                fprintf(stderr, "rampart: %s: input larger than %u bytes\n", path, MAX_INPUT);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (f != stdin)
        fclose(f);
    *len = n;
    return buf;
}

static void print_json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int cmd_inspect(int argc, char **argv)
{
    const char *policy_path = NULL, *input = NULL;
    int mode = -1;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc) {
            policy_path = argv[++i];
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            if (strcmp(m, "block") == 0)
                mode = RP_MODE_BLOCK;
            else if (strcmp(m, "detect") == 0)
                mode = RP_MODE_DETECT;
            else {
                fprintf(stderr, "rampart: --mode must be block or detect\n");
                return 2;
            }
        } else if (!input) {
            input = argv[i];
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!input) {
        usage(stderr);
        return 2;
    }
    rp_error_t err = {0};
    rp_policy_t *policy = policy_path ? rp_policy_load(policy_path, &err) : rp_policy_default();
    if (!policy) {
        fprintf(stderr, "rampart: %s:%u: %s\n", err.file, err.line, err.reason);
        return 2;
    }
    size_t len;
    char *data = read_all(input, &len);
    if (!data) {
        rp_policy_unref(policy);
        return 2;
    }
    char *body_buf = malloc(len ? len : 1);
    int status = 0;
    size_t off = 0;
    for (int n = 0; off < len && body_buf; n++) {
        rp_http_request_t req;
        rp_error_t perr = {0};
        rp_status_t rc = rp_http_parse_request(data + off, len - off, &req, body_buf, len, &perr);
        if (rc == RP_AGAIN)
            snprintf(perr.reason, sizeof(perr.reason), "request %d is incomplete", n);
        if (rc != RP_OK) {
            printf("{\"request\":%d,\"error\":", n);
            print_json_string(perr.reason);
            puts("}");
            status = 2;
            break;
        }
        off += req.consumed;
        rp_tx_t *tx = rp_tx_new(policy);
        if (!tx) {
            fputs("rampart: out of memory\n", stderr);
            status = 2;
            break;
        }
        if (mode >= 0)
            rp_tx_set_mode(tx, (rp_mode_t)mode);
        rp_tx_log_always(tx);
        rp_tx_connection(tx, "127.0.0.1", 9, 0, "127.0.0.1", 9, 0);
        rc = rp_tx_run_request(tx, &req);
        if (rc == RP_BLOCK && status == 0)
            status = 1;
        size_t elen;
        const char *ev = rp_tx_event(tx, &elen);
        printf("{\"request\":%d,\"verdict\":%.*s}\n", n, (int)elen, ev ? ev : "null");
        rp_tx_free(tx);
        /* Requests may be separated by blank lines in hand-written files. */
        while (off < len && (data[off] == '\r' || data[off] == '\n'))
            off++;
    }
    free(body_buf);
    free(data);
    rp_policy_unref(policy);
    return status;
}

static int cmd_policy(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[0], "check") != 0) {
        usage(stderr);
        return 2;
    }
    rp_error_t err = {0};
    rp_policy_t *p = rp_policy_load(argv[1], &err);
    if (!p) {
        if (err.line)
            fprintf(stderr, "%s:%u: %s\n", err.file, err.line, err.reason);
        else
            fprintf(stderr, "%s: %s\n", err.file, err.reason);
        return 1;
    }
    printf("%s: ok (version %s)\n", argv[1], rp_policy_version(p));
    rp_policy_unref(p);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "inspect") == 0)
        return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(argv[1], "policy") == 0)
        return cmd_policy(argc - 2, argv + 2);
    if (strcmp(argv[1], "audit") == 0)
        return rampart_audit_main(argc - 2, argv + 2);
    if (strcmp(argv[1], "sync") == 0)
        return cmd_sync(argc - 2, argv + 2);
    if (strcmp(argv[1], "keys") == 0)
        return cmd_keys(argc - 2, argv + 2);
    if (strcmp(argv[1], "version") == 0) {
        puts("rampart " RAMPART_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    usage(stderr);
    return 2;
}
