/*
 * response_nft.c — running nft(8) for source address blocks (see
 * response_nft.h).
 */
#include "response_nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NFT_TIMEOUT_MS 10000

static const char table_script[] =
    "table inet rampart {\n"
    "  set blocked4 { type ipv4_addr; flags timeout; }\n"
    "  set blocked6 { type ipv6_addr; flags timeout; }\n"
    "  chain input {\n"
    "    type filter hook input priority filter - 10; policy accept;\n"
    "    ip saddr @blocked4 drop\n"
    "    ip6 saddr @blocked6 drop\n"
    "  }\n"
    "}\n";

int nft_parse_address(const char *text, char *out, size_t size, int *v6)
{
    unsigned char bin[16];
    if (!text)
        return -1;
    *v6 = strchr(text, ':') != NULL;
    if (inet_pton(*v6 ? AF_INET6 : AF_INET, text, bin) != 1 ||
        !inet_ntop(*v6 ? AF_INET6 : AF_INET, bin, out, (socklen_t)size))
        return -1;
    return 0;
}

int nft_cidr_match(const char *cidr, const char *addr)
{
    char net[64];
    const char *slash = strchr(cidr, '/');
    size_t n = slash ? (size_t)(slash - cidr) : strlen(cidr);
    if (n >= sizeof(net))
        return -1;
    memcpy(net, cidr, n);
    net[n] = '\0';
    unsigned char a[16], b[16];
    int v6 = strchr(net, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, net, a) != 1)
        return -1;
    int bits = v6 ? 128 : 32;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || p < 0 || p > bits)
            return -1;
        bits = (int)p;
    }
    if ((strchr(addr, ':') != NULL) != v6 || inet_pton(v6 ? AF_INET6 : AF_INET, addr, b) != 1)
        return 0;
    for (int i = 0; i < bits; i++)
        if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
            return 0;
    return 1;
}

/* Runs nft -f - with script on stdin (or with args when script is NULL);
 * 0 when it exits 0, else -1 with its stderr in err. */
static int run_nft(const char *nft, const char *netns, const char *script, const char *list_args,
                   char *err, size_t err_size)
{
    int in[2], out[2];
    err[0] = '\0';
    if (pipe2(in, O_CLOEXEC))
        return snprintf(err, err_size, "pipe: %s", strerror(errno)), -1;
    if (pipe2(out, O_CLOEXEC)) {
        close(in[0]);
        close(in[1]);
        return snprintf(err, err_size, "pipe: %s", strerror(errno)), -1;
    }
    char ns_path[128] = "";
    if (netns && *netns)
        snprintf(ns_path, sizeof(ns_path), "/run/netns/%s", netns);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, err_size, "fork: %s", strerror(errno));
        close(in[0]), close(in[1]), close(out[0]), close(out[1]);
        return -1;
    }
    if (pid == 0) {
        /* only async-signal-safe calls between fork and exec */
        if (ns_path[0]) {
            int fd = open(ns_path, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || setns(fd, CLONE_NEWNET))
                _exit(126);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL); /* the agent blocks signals for its signalfd */
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        char *const env[] = {NULL};
        if (script) {
            char *const argv[] = {"nft", "-f", "-", NULL};
            execve(nft, argv, env);
        } else {
            char *const argv[] = {"nft", "list", "table", "inet", (char *)list_args, NULL};
            execve(nft, argv, env);
        }
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    if (script) {
        size_t len = strlen(script), done = 0;
        while (done < len) {
            ssize_t w = write(in[1], script + done, len - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            done += (size_t)w;
        }
    }
    close(in[1]);
    /* nft's complaint, bounded, within a time limit */
    size_t got = 0;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd p = {.fd = out[0], .events = POLLIN};
        if (poll(&p, 1, 200) > 0) {
            char buf[512];
            ssize_t r = read(out[0], buf, sizeof(buf));
            if (r <= 0)
                break;
            size_t keep = got + (size_t)r < err_size ? (size_t)r : err_size - 1 - got;
            memcpy(err + got, buf, keep);
            got += keep;
            err[got] = '\0';
        }
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >
            NFT_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            snprintf(err, err_size, "nft did not finish within %d s", NFT_TIMEOUT_MS / 1000);
            break;
        }
    }
    close(out[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (!err[0] || (WIFEXITED(status) && WEXITSTATUS(status) >= 126))
        snprintf(err, err_size, "%s (exit %d)",
                 WIFEXITED(status) && WEXITSTATUS(status) == 126   ? "no such network namespace"
                 : WIFEXITED(status) && WEXITSTATUS(status) == 127 ? "cannot run nft"
                                                                   : "nft failed",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* one line is enough for the event */
    err[strcspn(err, "\n")] = '\0';
    return -1;
}

static int ensure_table(const char *nft, const char *netns, char *err, size_t err_size)
{
    /* an existing table keeps its blocks (the agent may have restarted) */
    if (run_nft(nft, netns, NULL, "rampart", err, err_size) == 0)
        return 0;
    return run_nft(nft, netns, table_script, NULL, err, err_size);
}

int nft_block(const char *nft, const char *netns, const char *addr, int seconds, char *err,
              size_t err_size)
{
    char clean[64];
    int v6;
    if (nft_parse_address(addr, clean, sizeof(clean), &v6))
        return snprintf(err, err_size, "not an address"), -1;
    if (ensure_table(nft, netns, err, err_size))
        return -1;
    char script[256];
    snprintf(script, sizeof(script), "add element inet rampart %s { %s timeout %ds }\n",
             v6 ? "blocked6" : "blocked4", clean, seconds);
    return run_nft(nft, netns, script, NULL, err, err_size);
}

int nft_unblock(const char *nft, const char *netns, const char *addr, char *err, size_t err_size)
{
    char clean[64];
    int v6;
    if (nft_parse_address(addr, clean, sizeof(clean), &v6))
        return snprintf(err, err_size, "not an address"), -1;
    char script[256];
    snprintf(script, sizeof(script), "delete element inet rampart %s { %s }\n",
             v6 ? "blocked6" : "blocked4", clean);
    return run_nft(nft, netns, script, NULL, err, err_size);
}
