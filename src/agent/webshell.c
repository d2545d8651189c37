/*
 * webshell.c — YARA matching of script files (see webshell.h).
 */
#include "webshell.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <yara.h>

struct webshell {
    YR_RULES *rules;
    size_t max_size;
    char *buf;
};

typedef struct {
    rp_error_t *err;
    int failed;
} compile_ctx_t;

static void on_compile_message(int level, const char *file, int line, const YR_RULE *rule,
                               const char *message, void *user)
{
    compile_ctx_t *c = user;
    if (level != YARA_ERROR_LEVEL_ERROR || c->failed)
        return;
    c->failed = 1;
    snprintf(c->err->file, sizeof(c->err->file), "%s", file ? file : "");
    c->err->line = line > 0 ? (unsigned)line : 0;
    snprintf(c->err->reason, sizeof(c->err->reason), "%s", message);
}

webshell_t *webshell_open(const char *rules_path, size_t max_size, rp_error_t *err)
{
    memset(err, 0, sizeof(*err));
    webshell_t *w = calloc(1, sizeof(*w));
    if (!w || yr_initialize() != ERROR_SUCCESS) {
        snprintf(err->reason, sizeof(err->reason), "cannot start libyara");
        free(w);
        return NULL;
    }
    w->max_size = max_size;
    w->buf = malloc(max_size ? max_size : 1);
    FILE *f = fopen(rules_path, "re");
    YR_COMPILER *comp = NULL;
    compile_ctx_t ctx = {.err = err};
    if (!w->buf || !f || yr_compiler_create(&comp) != ERROR_SUCCESS) {
        snprintf(err->file, sizeof(err->file), "%s", rules_path);
        snprintf(err->reason, sizeof(err->reason), "%s", !f ? strerror(errno) : "out of memory");
        goto fail;
    }
    yr_compiler_set_callback(comp, on_compile_message, &ctx);
    if (yr_compiler_add_file(comp, f, NULL, rules_path) != 0 ||
        yr_compiler_get_rules(comp, &w->rules) != ERROR_SUCCESS) {
        if (!ctx.failed) {
            snprintf(err->file, sizeof(err->file), "%s", rules_path);
            snprintf(err->reason, sizeof(err->reason), "the rules do not compile");
        }
        goto fail;
    }
    yr_compiler_destroy(comp);
    fclose(f);
    return w;
fail:
    if (comp)
        yr_compiler_destroy(comp);
    if (f)
        fclose(f);
    webshell_close(w);
    return NULL;
}

void webshell_close(webshell_t *w)
{
    if (!w)
        return;
    if (w->rules)
        yr_rules_destroy(w->rules);
    free(w->buf);
    free(w);
    yr_finalize();
}

int webshell_is_script(const char *path)
{
    static const char *const extensions[] = {"php",  "php3", "php4", "php5", "php7", "phtml",
                                             "phar", "inc",  "jsp",  "jspx", "asp",  "aspx",
                                             "ashx", "asmx", "cer",  "py",   "pl",   "cgi"};
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof(extensions) / sizeof(extensions[0]); i++)
        if (strcasecmp(dot + 1, extensions[i]) == 0)
            return 1;
    return 0;
}

typedef struct {
    char (*names)[WEBSHELL_RULE_MAX];
    int n;
} match_ctx_t;

static int on_scan_message(YR_SCAN_CONTEXT *scan, int message, void *data, void *user)
{
    if (message == CALLBACK_MSG_RULE_MATCHING) {
        match_ctx_t *m = user;
        const YR_RULE *rule = data;
        if (m->n < WEBSHELL_MAX_MATCHES)
            snprintf(m->names[m->n++], WEBSHELL_RULE_MAX, "%s", rule->identifier);
    }
    return CALLBACK_CONTINUE;
}

int webshell_scan(webshell_t *w, const void *data, size_t len,
                  char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX])
{
    match_ctx_t m = {names, 0};
    /* a bounded time per file: a hostile file cannot stall the agent */
    int rc = yr_rules_scan_mem(w->rules, data, len, SCAN_FLAGS_FAST_MODE, on_scan_message, &m, 10);
    return rc == ERROR_SUCCESS ? m.n : -1;
}

int webshell_check_file(webshell_t *w, const char *path,
                        char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX], webshell_heur_t *heur)
{
    if (heur)
        memset(heur, 0, sizeof(*heur));
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > w->max_size) {
        close(fd);
        return 0;
    }
    size_t len = 0;
    while (len < w->max_size) {
        ssize_t n = read(fd, w->buf + len, w->max_size - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (heur) {
        time_t now = time(NULL);
        webshell_heuristics(w->buf, len, path,
                            now >= st.st_ctime ? (int64_t)(now - st.st_ctime) : 0, heur);
    }
    return webshell_scan(w, w->buf, len, names);
}

int webshell_scan_file(webshell_t *w, const char *path,
                       char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX])
{
    return webshell_check_file(w, path, names, NULL);
}
