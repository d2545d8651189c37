/*
 * proc_info.c — reading one process from /proc (see proc_info.h).
 * Formats: proc(5) for stat, status, cmdline, exe, cwd, fd/ and net/tcp.
 */
#include "proc_info.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n < size) {
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    return (ssize_t)n;
}

/* Length of the valid UTF-8 sequence at s (at most left bytes), 0 if invalid. */
static size_t utf8_sequence(const unsigned char *s, size_t left)
{
    size_t need = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (s[0] < 0xc2 || s[0] > 0xf4 || need > left)
        return 0;
    for (size_t i = 1; i < need; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong 3/4-byte forms, surrogates and code points above U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
        return 0;
    return need;
}

void proc_printable(char *dst, size_t size, const char *src, size_t len)
{
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < len && o + 1 < size;) {
        if (s[i] >= 0x80) {
            size_t n = utf8_sequence(s + i, len - i);
            if (n && o + n < size) {
                memcpy(dst + o, s + i, n);
                o += n;
                i += n;
            } else {
                dst[o++] = '?';
                i++;
            }
            continue;
        }
        dst[o++] = s[i] == '\0' ? ' ' : (s[i] < 0x20 || s[i] == 0x7f) ? '?' : (char)s[i];
        i++;
    }
    while (o && dst[o - 1] == ' ')
        o--;
    dst[o] = '\0';
}

static void read_link(const char *proc_root, pid_t pid, const char *what, char *out, size_t size)
{
    char path[128], raw[PROC_PATH_MAX];
    snprintf(path, sizeof(path), "%s/%d/%s", proc_root, (int)pid, what);
    ssize_t n = readlink(path, raw, sizeof(raw) - 1);
    proc_printable(out, size, raw, n > 0 ? (size_t)n : 0);
}

int proc_info_read(const char *proc_root, pid_t pid, proc_info_t *p)
{
    memset(p, 0, sizeof(*p));
    p->pid = pid;
    char path[128], buf[1024];
    snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
    ssize_t n = read_small(path, buf, sizeof(buf) - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* "pid (comm) state ppid ...": comm may hold ')' and spaces, so the
     * fields start after the last ')' */
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren || close_paren < open_paren)
        return -1;
    proc_printable(p->comm, sizeof(p->comm), open_paren + 1,
                   (size_t)(close_paren - open_paren - 1));
    char *save = NULL, *tok = strtok_r(close_paren + 1, " ", &save);
    for (int field = 3; tok; field++, tok = strtok_r(NULL, " ", &save)) {
        if (field == 4)
            p->ppid = (pid_t)atoi(tok);
        else if (field == 22) {
            p->start = strtoull(tok, NULL, 10);
            break;
        }
    }
    snprintf(path, sizeof(path), "%s/%d/status", proc_root, (int)pid);
    n = read_small(path, buf, sizeof(buf) - 1);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    const char *uid = strstr(buf, "\nUid:");
    p->uid = uid ? (uid_t)strtoul(uid + 5, NULL, 10) : (uid_t)-1;

    read_link(proc_root, pid, "exe", p->exe, sizeof(p->exe));
    static const char deleted[] = " (deleted)";
    size_t el = strlen(p->exe), dl = sizeof(deleted) - 1;
    if (el > dl && strcmp(p->exe + el - dl, deleted) == 0) {
        p->exe[el - dl] = '\0';
        p->exe_deleted = 1;
    }
    read_link(proc_root, pid, "cwd", p->cwd, sizeof(p->cwd));
    snprintf(path, sizeof(path), "%s/%d/cmdline", proc_root, (int)pid);
    char cmd[PROC_CMDLINE_MAX];
    n = read_small(path, cmd, sizeof(cmd));
    proc_printable(p->cmdline, sizeof(p->cmdline), cmd, n > 0 ? (size_t)n : 0);
    return 0;
}

const char *proc_name(const proc_info_t *p)
{
    const char *slash = strrchr(p->exe, '/');
    return slash && slash[1] ? slash + 1 : p->comm;
}

unsigned long proc_fd_socket(const char *proc_root, pid_t pid, int fd)
{
    char path[128], link[64];
    snprintf(path, sizeof(path), "%s/%d/fd/%d", proc_root, (int)pid, fd);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n <= 0)
        return 0;
    link[n] = '\0';
    unsigned long inode = 0;
    return sscanf(link, "socket:[%lu]", &inode) == 1 ? inode : 0;
}

int proc_fd_is_tcp(const char *proc_root, pid_t pid, int fd)
{
    char path[128], proto[32];
    snprintf(path, sizeof(path), "%s/%d/fd/%d", proc_root, (int)pid, fd);
    ssize_t n = getxattr(path, "system.sockprotoname", proto, sizeof(proto) - 1);
    if (n <= 0)
        return 0;
    proto[n] = '\0';
    return strcmp(proto, "TCP") == 0 || strcmp(proto, "TCPv6") == 0;
}

/* The kernel rebuilds its position in the TCP hash at each read of
 * /proc/net/tcp, so a busy table read in 4 KiB pieces costs quadratic
 * time: read it in large pieces. */
#define TCP_TABLE_BUFFER (256 * 1024)

static FILE *open_table(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f)
        setvbuf(f, NULL, _IOFBF, TCP_TABLE_BUFFER);
    return f;
}

/* "0100007F:1F90" (v4) or 32 hex digits (v6), in the kernel's byte order
 * of 32-bit words → text and port. */
static int parse_endpoint(const char *s, int v6, char *ip, size_t ip_size, unsigned *port)
{
    size_t hex_len = v6 ? 32 : 8;
    if (strlen(s) < hex_len + 2 || s[hex_len] != ':')
        return -1;
    unsigned char addr[16];
    for (size_t w = 0; w < hex_len / 8; w++) {
        char word[9];
        memcpy(word, s + w * 8, 8);
        word[8] = '\0';
        char *end;
        unsigned long v = strtoul(word, &end, 16);
        if (*end)
            return -1;
        uint32_t host = (uint32_t)v; /* the kernel printed the word in host order */
        memcpy(addr + w * 4, &host, 4);
    }
    char *end;
    unsigned long p = strtoul(s + hex_len + 1, &end, 16);
    if (end == s + hex_len + 1 || p > 65535)
        return -1;
    *port = (unsigned)p;
    return inet_ntop(v6 ? AF_INET6 : AF_INET, addr, ip, (socklen_t)ip_size) ? 0 : -1;
}

int proc_tcp_parse_line(const char *line, int v6, proc_tcp_t *t)
{
    char local[64], remote[64];
    unsigned state;
    unsigned long inode;
    /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
    if (sscanf(line, " %*u: %63s %63s %x %*x:%*x %*x:%*x %*x %*u %*u %lu", local, remote, &state,
               &inode) != 4)
        return -1;
    memset(t, 0, sizeof(*t));
    char lip[PROC_ADDR_MAX];
    if (parse_endpoint(local, v6, lip, sizeof(lip), &t->local_port) ||
        parse_endpoint(remote, v6, t->remote_ip, sizeof(t->remote_ip), &t->remote_port))
        return -1;
    snprintf(t->local, sizeof(t->local), v6 ? "[%.46s]:%u" : "%.46s:%u", lip, t->local_port);
    snprintf(t->remote, sizeof(t->remote), v6 ? "[%.46s]:%u" : "%.46s:%u", t->remote_ip,
             t->remote_port);
    t->state = (int)state;
    t->inode = inode;
    return 0;
}

int proc_tcp_each(const char *path, int v6, proc_tcp_cb cb, void *ctx)
{
    FILE *f = open_table(path);
    if (!f)
        return -1;
    char line[512];
    int rc = 0;
    while (!rc && fgets(line, sizeof(line), f)) {
        proc_tcp_t t;
        if (proc_tcp_parse_line(line, v6, &t) == 0)
            rc = cb(ctx, &t);
    }
    fclose(f);
    return rc;
}

typedef struct {
    unsigned long inode;
    proc_tcp_t *out;
} find_t;

static int match_inode(void *ctx, const proc_tcp_t *t)
{
    find_t *f = ctx;
    if (t->inode != f->inode)
        return 0;
    *f->out = *t;
    return 1;
}

int proc_tcp_find_many(const char *proc_root, pid_t pid, const unsigned long *inodes, int n,
                       proc_tcp_t *out)
{
    char needles[8][24];
    int found = 0;
    if (n > 8)
        n = 8;
    for (int i = 0; i < n; i++) {
        out[i].inode = 0;
        snprintf(needles[i], sizeof(needles[i]), " %lu ", inodes[i]);
    }
    for (int v6 = 0; v6 < 2 && found < n; v6++) {
        char path[128], line[512];
        snprintf(path, sizeof(path), "%s/%d/net/%s", proc_root, (int)pid, v6 ? "tcp6" : "tcp");
        FILE *f = open_table(path);
        while (f && found < n && fgets(line, sizeof(line), f)) {
            /* the inode's digits somewhere in the line before the full parse */
            for (int i = 0; i < n; i++) {
                proc_tcp_t t;
                if (out[i].inode || !strstr(line, needles[i]) ||
                    proc_tcp_parse_line(line, v6, &t) || t.inode != inodes[i])
                    continue;
                out[i] = t;
                found++;
            }
        }
        if (f)
            fclose(f);
    }
    return found;
}

int proc_tcp_find(const char *proc_root, pid_t pid, unsigned long inode, proc_tcp_t *out)
{
    char path[128];
    find_t f = {inode, out};
    for (int v6 = 0; v6 < 2; v6++) {
        snprintf(path, sizeof(path), "%s/%d/net/%s", proc_root, (int)pid, v6 ? "tcp6" : "tcp");
        if (proc_tcp_each(path, v6, match_inode, &f) == 1)
            return 0;
    }
    return -1;
}
