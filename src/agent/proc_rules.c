/*
 * proc_rules.c — traits of malicious processes (see proc_rules.h). The
 * lists follow what host intrusion detection agents (Elkeid, OSSEC's
 * rootcheck) and incident reports use; an entry ending in '*' is a prefix
 * (python3.11, php-fpm8.2).
 */
#include "proc_rules.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const char *const rule_names[PROC_RULE_COUNT] = {
    "process.reverse_shell",       "process.web_server_shell", "process.deleted_executable",
    "process.writable_executable", "process.crypto_miner",     "process.unexpected_listener"};

const char *proc_rule_name(proc_rule_t rule)
{
    return rule < PROC_RULE_COUNT ? rule_names[rule] : "process.unknown";
}

static int name_in(const char *name, const char *const *list)
{
    for (; *list; list++) {
        size_t n = strlen(*list);
        if ((*list)[n - 1] == '*' ? strncmp(name, *list, n - 1) == 0 : strcmp(name, *list) == 0)
            return 1;
    }
    return 0;
}

int proc_is_shell(const char *name)
{
    static const char *const shells[] = {
        "sh",     "bash",       "dash",           "zsh",   "ksh",    "mksh", "csh",  "tcsh", "ash",
        "fish",   "busybox",    "python*",        "perl*", "ruby*",  "php",  "lua*", "nc",   "ncat",
        "netcat", "nc.openbsd", "nc.traditional", "socat", "telnet", "pwsh", NULL};
    /* php7.4, php8.2 */
    if (strncmp(name, "php", 3) == 0 && isdigit((unsigned char)name[3]))
        return 1;
    return name_in(name, shells);
}

int proc_is_web_server(const char *name)
{
    static const char *const servers[] = {"nginx",    "httpd",     "apache2",   "apache",
                                          "lighttpd", "caddy",     "openresty", "php-fpm*",
                                          "php-cgi*", "java",      "tomcat*",   "catalina*",
                                          "uwsgi",    "gunicorn*", "weblogic*", NULL};
    return name_in(name, servers);
}

/* strstr without regard to ASCII case */
static const char *find_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* A pool address "host:PORT" right after a miner's pool option. */
static int pool_option(const char *cmdline)
{
    static const unsigned pool_ports[] = {3333, 4444,  5555,  6666,  7777, 8888,
                                          9999, 14433, 14444, 45560, 45700};
    static const char *const options[] = {" -o ", " --url ", " --url=", " -o=", " --pool ", NULL};
    for (const char *const *o = options; *o; o++) {
        for (const char *at = strstr(cmdline, *o); at; at = strstr(at + 1, *o)) {
            const char *host = at + strlen(*o);
            const char *end = host + strcspn(host, " ");
            const char *colon = NULL;
            for (const char *c = host; c < end; c++)
                if (*c == ':')
                    colon = c;
            unsigned port = 0;
            if (!colon || sscanf(colon + 1, "%5u", &port) != 1)
                continue;
            for (size_t i = 0; i < sizeof(pool_ports) / sizeof(pool_ports[0]); i++)
                if (port == pool_ports[i])
                    return 1;
        }
    }
    return 0;
}

const char *proc_miner_trait(const char *name, const char *cmdline)
{
    static const char *const miners[] = {
        "xmrig*",     "xmr-stak*", "minerd",    "cpuminer*",    "ccminer",   "cgminer",
        "bfgminer",   "ethminer",  "nbminer",   "t-rex",        "lolminer",  "phoenixminer",
        "kdevtmpfsi", "kinsing",   "nanominer", "teamredminer", "srbminer*", NULL};
    if (name_in(name, miners))
        return "miner_name";
    static const char *const markers[] = {"stratum+tcp://",  "stratum+ssl://",  "stratum+tls://",
                                          "stratum2+tcp://", "stratum1+tcp://", "--donate-level",
                                          "--randomx",       "--coin=monero",   "--algo=rx/",
                                          "-a rx/",          "cryptonight",     NULL};
    for (const char *const *m = markers; *m; m++)
        if (find_nocase(cmdline, *m))
            return *m;
    return pool_option(cmdline) ? "pool_port" : NULL;
}

int proc_exe_writable(const char *view, const char *exe, char *why, size_t why_size)
{
    struct stat st;
    char path[PROC_PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s%s", view, exe);
    if (exe[0] != '/' || stat(path, &st))
        return 0;
    if (st.st_mode & S_IWOTH) {
        snprintf(why, why_size, "file mode %04o", (unsigned)(st.st_mode & 07777));
        return 1;
    }
    char *slash = strrchr(path, '/');
    size_t dir_len = (size_t)(slash - path) - strlen(view);
    if (dir_len == 0)
        slash[1] = '\0'; /* "/x": the directory is "/" */
    else
        *slash = '\0';
    if (stat(path, &st) == 0 && (st.st_mode & S_IWOTH)) {
        snprintf(why, why_size, "directory %.*s mode %04o", dir_len ? (int)dir_len : 1, exe,
                 (unsigned)(st.st_mode & 07777));
        return 1;
    }
    return 0;
}
