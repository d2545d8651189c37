/*
 * procmon.c — process exec events and scans, judged by proc_rules.c (see
 * procmon.h). The process connector's protocol: linux/cn_proc.h (a
 * PROC_CN_MCAST_LISTEN message, then one struct proc_event per event).
 */
#include "procmon.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent.h"
#include "log.h"
#include "proc_info.h"
#include "proc_rules.h"

#define PROC_ROOT         "/proc"
#define FALLBACK_SCAN_MS  2000
#define REPORTED_MAX      2048 /* remembered (process, rule) pairs */
#define LISTEN_MAX        4096 /* listening sockets already attributed */
#define PARENT_CHAIN_MAX  8
#define SHELL_SOCKETS_MAX 256

typedef struct {
    pid_t pid;
    unsigned long long start;
    proc_rule_t rule;
} reported_t;

struct procmon {
    agent_t *ag;
    int fd; /* the connector, or -1 */
    int enabled;
    pid_t self;
    int64_t next_scan_ms;
    reported_t reported[REPORTED_MAX];
    /* connections reported as reverse shells: the shell's children share
     * the socket and are not reported again */
    unsigned long shell_sockets[SHELL_SOCKETS_MAX];
    size_t next_shell_socket;
    size_t n_reported, next_reported;
    /* inodes of listening sockets: at the previous scan, now, and new */
    unsigned long listen_known[LISTEN_MAX], listen_now[LISTEN_MAX], listen_new[LISTEN_MAX];
    size_t n_listen_known, n_listen_now, n_listen_new;
};

/* ---- the process connector ---------------------------------------------- */

static int connector_open(void)
{
    int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (fd < 0)
        return -1;
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC, .nl_pid = 0};
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        close(fd);
        return -1;
    }
    /* nlmsghdr, cn_msg, then the operation */
    union {
        struct nlmsghdr align;
        char bytes[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))];
    } msg;
    memset(&msg, 0, sizeof(msg));
    struct nlmsghdr *nl = &msg.align;
    nl->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op));
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = (__u32)getpid();
    struct cn_msg *cn = NLMSG_DATA(nl);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof(enum proc_cn_mcast_op);
    enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
    memcpy(cn->data, &op, sizeof(op));
    if (send(fd, nl, nl->nlmsg_len, 0) != (ssize_t)nl->nlmsg_len) {
        close(fd);
        return -1;
    }
    return fd;
}

/* ---- reporting ------------------------------------------------------------ */

static int already_reported(procmon_t *pm, const proc_info_t *p, proc_rule_t rule)
{
    for (size_t i = 0; i < pm->n_reported; i++)
        if (pm->reported[i].pid == p->pid && pm->reported[i].start == p->start &&
            pm->reported[i].rule == rule)
            return 1;
    /* a ring: the oldest is forgotten first (its process is long gone) */
    pm->reported[pm->next_reported] = (reported_t){p->pid, p->start, rule};
    pm->next_reported = (pm->next_reported + 1) % REPORTED_MAX;
    if (pm->n_reported < REPORTED_MAX)
        pm->n_reported++;
    return 0;
}

static json_t *process_json(const proc_info_t *p)
{
    return json_pack("{s:i, s:i, s:I, s:s, s:s, s:s, s:s, s:I, s:b}", "pid", (int)p->pid, "ppid",
                     (int)p->ppid, "uid", (json_int_t)p->uid, "name", proc_name(p), "exe", p->exe,
                     "cmdline", p->cmdline, "cwd", p->cwd, "start", (json_int_t)p->start,
                     "exe_deleted", p->exe_deleted);
}

static json_t *parent_chain(const proc_info_t *p)
{
    json_t *chain = json_array();
    pid_t next = p->ppid;
    for (int depth = 0; depth < PARENT_CHAIN_MAX && next > 0; depth++) {
        proc_info_t parent;
        if (proc_info_read(PROC_ROOT, next, &parent))
            break;
        json_array_append_new(chain, json_pack("{s:i, s:s, s:s, s:s}", "pid", (int)parent.pid,
                                               "name", proc_name(&parent), "comm", parent.comm,
                                               "cmdline", parent.cmdline));
        next = parent.ppid;
    }
    return chain;
}

/* Reports one trait of p once; evidence is taken. */
static void report(procmon_t *pm, const proc_info_t *p, proc_rule_t rule, const char *client,
                   json_t *evidence)
{
    if (already_reported(pm, p, rule)) {
        json_decref(evidence);
        return;
    }
    json_t *d = process_json(p);
    json_object_set_new(d, "parents", parent_chain(p));
    json_object_set_new(d, "evidence", evidence ? evidence : json_object());
    log_kv(LOG_LEVEL_WARN, "process", "detection", proc_rule_name(rule), "pid", LOG_INT(p->pid),
           "exe", p->exe, NULL);
    agent_emit(pm->ag, "process", proc_rule_name(rule), "detect", p->exe[0] ? p->exe : p->comm,
               client, d);
}

/* ---- the rules on one process ------------------------------------------- */

static void check_reverse_shell(procmon_t *pm, const proc_info_t *p)
{
    /* stdin or stdout connected to a TCP peer: the shell reads its
     * commands from, or writes its output to, the network */
    unsigned long inodes[3];
    int fd_of[3], n = 0;
    for (int fd = 0; fd <= 2; fd++) {
        unsigned long inode = proc_fd_socket(PROC_ROOT, p->pid, fd);
        if (inode && proc_fd_is_tcp(PROC_ROOT, p->pid, fd))
            inodes[n] = inode, fd_of[n++] = fd;
    }
    if (!n || fd_of[0] > 1)
        return; /* neither stdin nor stdout is a TCP socket: the usual case */
    proc_tcp_t found[3];
    if (!proc_tcp_find_many(PROC_ROOT, p->pid, inodes, n, found))
        return; /* closed meanwhile */
    json_t *fds = NULL;
    const proc_tcp_t *conn = NULL;
    for (int i = 0; i < n; i++) {
        if (!found[i].inode || found[i].state != PROC_TCP_ESTABLISHED)
            continue;
        if (!conn) {
            if (fd_of[i] > 1)
                return; /* only stderr */
            conn = &found[i];
            fds = json_array();
        }
        json_array_append_new(fds, json_integer(fd_of[i]));
    }
    if (!conn)
        return;
    for (size_t k = 0; k < SHELL_SOCKETS_MAX; k++)
        if (pm->shell_sockets[k] == conn->inode) {
            json_decref(fds);
            return;
        }
    pm->shell_sockets[pm->next_shell_socket] = conn->inode;
    pm->next_shell_socket = (pm->next_shell_socket + 1) % SHELL_SOCKETS_MAX;
    report(pm, p, PROC_RULE_REVERSE_SHELL, conn->remote_ip,
           json_pack("{s:o, s:s, s:s, s:I}", "fds", fds, "local", conn->local, "remote",
                     conn->remote, "socket_inode", (json_int_t)conn->inode));
}

static void check_web_parent(procmon_t *pm, const proc_info_t *p)
{
    pid_t next = p->ppid;
    for (int depth = 0; depth < PARENT_CHAIN_MAX && next > 1; depth++) {
        proc_info_t parent;
        if (proc_info_read(PROC_ROOT, next, &parent))
            return;
        /* the worker's title (comm) or its program's name */
        if (proc_is_web_server(parent.comm) || proc_is_web_server(proc_name(&parent))) {
            report(pm, p, PROC_RULE_WEB_CHILD, NULL,
                   json_pack("{s:i, s:s, s:s, s:i}", "server_pid", (int)parent.pid, "server",
                             proc_name(&parent), "server_comm", parent.comm, "depth", depth + 1));
            return;
        }
        next = parent.ppid;
    }
}

static void inspect(procmon_t *pm, pid_t pid)
{
    proc_info_t p;
    if (pid == pm->self || proc_info_read(PROC_ROOT, pid, &p) || !p.exe[0])
        return; /* gone, or a kernel thread */
    if (p.ppid == pm->self)
        return; /* what the agent runs itself (nft) */
    const char *name = proc_name(&p);
    char why[PROC_PATH_MAX + 64], view[64];
    if (p.exe_deleted)
        report(pm, &p, PROC_RULE_DELETED_EXE, NULL, json_pack("{s:s}", "file", p.exe));
    else if (snprintf(view, sizeof(view), PROC_ROOT "/%d/root", (int)p.pid) > 0 &&
             proc_exe_writable(view, p.exe, why, sizeof(why)))
        report(pm, &p, PROC_RULE_WRITABLE_EXE, NULL,
               json_pack("{s:s, s:s}", "file", p.exe, "writable", why));
    const char *miner = proc_miner_trait(name, p.cmdline);
    if (miner)
        report(pm, &p, PROC_RULE_MINER, NULL, json_pack("{s:s}", "trait", miner));
    if (proc_is_shell(name) || proc_is_shell(p.comm)) {
        check_reverse_shell(pm, &p);
        check_web_parent(pm, &p);
    }
}

/* ---- listening sockets ----------------------------------------------------- */

static int note_listener(void *ctx, const proc_tcp_t *t)
{
    procmon_t *pm = ctx;
    if (t->state == PROC_TCP_LISTEN && pm->n_listen_now < LISTEN_MAX)
        pm->listen_now[pm->n_listen_now++] = t->inode;
    return 0;
}

/* Reads the listening sockets of the agent's network namespace; those not
 * seen by the previous scan become listen_new, to be attributed. */
static void find_new_listeners(procmon_t *pm)
{
    pm->n_listen_now = pm->n_listen_new = 0;
    proc_tcp_each(PROC_ROOT "/net/tcp", 0, note_listener, pm);
    proc_tcp_each(PROC_ROOT "/net/tcp6", 1, note_listener, pm);
    for (size_t i = 0; i < pm->n_listen_now; i++) {
        int known = 0;
        for (size_t j = 0; j < pm->n_listen_known && !known; j++)
            known = pm->listen_known[j] == pm->listen_now[i];
        if (!known)
            pm->listen_new[pm->n_listen_new++] = pm->listen_now[i];
    }
    /* closed sockets are forgotten, so a reused inode is new again */
    memcpy(pm->listen_known, pm->listen_now, pm->n_listen_now * sizeof(pm->listen_now[0]));
    pm->n_listen_known = pm->n_listen_now;
}

static int listen_allowed(const procmon_t *pm, const char *exe)
{
    const agent_config_t *c = &pm->ag->cfg;
    for (size_t i = 0; i < c->n_process_listen_allow; i++)
        if (fnmatch(c->process_listen_allow[i], exe, 0) == 0)
            return 1;
    return 0;
}

/* The listening sockets among pid's descriptors that are new. */
static void attribute_listeners(procmon_t *pm, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), PROC_ROOT "/%d/fd", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return;
    proc_info_t p;
    int have_info = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        unsigned long inode = proc_fd_socket(PROC_ROOT, pid, atoi(e->d_name));
        for (size_t i = 0; inode && i < pm->n_listen_new; i++) {
            if (pm->listen_new[i] != inode)
                continue;
            pm->listen_new[i] = 0; /* attributed */
            if (!have_info && proc_info_read(PROC_ROOT, pid, &p) == 0)
                have_info = 1;
            proc_tcp_t t;
            if (have_info && p.exe[0] && !listen_allowed(pm, p.exe) &&
                proc_tcp_find(PROC_ROOT, pid, inode, &t) == 0)
                report(pm, &p, PROC_RULE_LISTENER, NULL,
                       json_pack("{s:s, s:i, s:I}", "listen", t.local, "port", (int)t.local_port,
                                 "socket_inode", (json_int_t)inode));
        }
    }
    closedir(d);
}

/* ---- scans ---------------------------------------------------------------- */

static void scan(procmon_t *pm)
{
    find_new_listeners(pm);
    DIR *d = opendir(PROC_ROOT);
    if (!d) {
        log_kv(LOG_LEVEL_ERROR, "process: cannot read " PROC_ROOT, "error", strerror(errno), NULL);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        pid_t pid = (pid_t)atoi(e->d_name);
        inspect(pm, pid);
        if (pm->n_listen_new)
            attribute_listeners(pm, pid);
    }
    closedir(d);
}

procmon_t *procmon_open(agent_t *ag)
{
    procmon_t *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return NULL;
    pm->ag = ag;
    pm->self = getpid();
    pm->enabled = 1;
    pm->fd = connector_open();
    if (pm->fd < 0)
        log_kv(LOG_LEVEL_WARN,
               "process: no process connector (needs CAP_NET_ADMIN); scanning /proc instead",
               "error", strerror(errno), NULL);
    else
        log_kv(LOG_LEVEL_INFO, "process: exec events from the process connector", NULL);
    return pm;
}

void procmon_close(procmon_t *pm)
{
    if (!pm)
        return;
    if (pm->fd >= 0)
        close(pm->fd);
    free(pm);
}

int procmon_fd(const procmon_t *pm)
{
    return pm ? pm->fd : -1;
}

int procmon_connected(const procmon_t *pm)
{
    return pm && pm->fd >= 0;
}

int procmon_enabled(const procmon_t *pm)
{
    return pm && pm->enabled;
}

void procmon_set_enabled(procmon_t *pm, int on)
{
    pm->enabled = on;
    pm->next_scan_ms = 0;
}

void procmon_on_readable(procmon_t *pm)
{
    union {
        struct nlmsghdr align;
        char bytes[8192];
    } buf;
    for (;;) {
        ssize_t n = recv(pm->fd, buf.bytes, sizeof(buf.bytes), 0);
        if (n < 0) {
            if (errno == ENOBUFS) { /* events were lost: a scan catches up */
                pm->next_scan_ms = 0;
                continue;
            }
            return; /* EAGAIN: all read */
        }
        if (!pm->enabled)
            continue;
        for (struct nlmsghdr *nl = &buf.align; NLMSG_OK(nl, (size_t)n); nl = NLMSG_NEXT(nl, n)) {
            if (nl->nlmsg_type != NLMSG_DONE)
                continue;
            struct cn_msg *cn = NLMSG_DATA(nl);
            if (cn->id.idx != CN_IDX_PROC || cn->len < sizeof(struct proc_event))
                continue;
            struct proc_event ev;
            memcpy(&ev, cn->data, sizeof(ev));
            if (ev.what == PROC_EVENT_EXEC)
                inspect(pm, (pid_t)ev.event_data.exec.process_tgid);
        }
    }
}

void procmon_tick(procmon_t *pm, int64_t now_ms)
{
    if (!pm || !pm->enabled || now_ms < pm->next_scan_ms)
        return;
    int64_t period = pm->fd >= 0 ? pm->ag->cfg.process_scan_s * 1000LL : FALLBACK_SCAN_MS;
    pm->next_scan_ms = now_ms + period;
    scan(pm);
}
