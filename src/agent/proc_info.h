/*
 * proc_info.h — what /proc says about one process: its executable (and
 * whether that file was deleted), command line, parent, user, working
 * directory and start time, plus its standard descriptors' sockets and the
 * TCP connections behind them (/proc/PID/net/tcp{,6}, read in the
 * process's own network namespace).
 *
 * Nothing here trusts the process: names and arguments are copied with
 * bounded lengths and made printable, so they can go into an event as they
 * are. A process that exits while it is read is "gone" (-1).
 */
#ifndef RAMPART_AGENT_PROC_INFO_H
#define RAMPART_AGENT_PROC_INFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROC_PATH_MAX    512
#define PROC_CMDLINE_MAX 1024
#define PROC_COMM_MAX    32
#define PROC_ADDR_MAX    64 /* "[v6 address]:port" */

typedef struct {
    pid_t pid, ppid;
    uid_t uid;
    unsigned long long start; /* clock ticks after boot: with pid, names one process */
    char comm[PROC_COMM_MAX];
    char exe[PROC_PATH_MAX]; /* "" for kernel threads and processes we cannot read */
    int exe_deleted;         /* the file it runs from was removed or replaced */
    char cmdline[PROC_CMDLINE_MAX];
    char cwd[PROC_PATH_MAX];
} proc_info_t;

/* TCP states of /proc/net/tcp (include/net/tcp_states.h) */
#define PROC_TCP_ESTABLISHED 1
#define PROC_TCP_LISTEN      10

typedef struct {
    unsigned long inode;
    int state;
    char local[PROC_ADDR_MAX], remote[PROC_ADDR_MAX];
    char remote_ip[PROC_ADDR_MAX];
    unsigned remote_port, local_port;
} proc_tcp_t;

/* 0, or -1 when the process is gone or not readable. proc_root is "/proc"
 * except in tests. */
int proc_info_read(const char *proc_root, pid_t pid, proc_info_t *p);

/* The file name part of the executable, or comm when there is none. */
const char *proc_name(const proc_info_t *p);

/* The socket inode fd of pid refers to, or 0 when it is not a socket. */
unsigned long proc_fd_socket(const char *proc_root, pid_t pid, int fd);

/* 1 when fd of pid is a TCP socket (v4 or v6): the socket's
 * "system.sockprotoname" attribute, so UNIX sockets and pipes cost no
 * look-up in the (possibly huge) TCP tables. */
int proc_fd_is_tcp(const char *proc_root, pid_t pid, int fd);

/* Calls cb for every entry of one /proc/net/tcp-format file; stops when cb
 * returns non-zero and returns that value (-1: the file cannot be read). */
typedef int (*proc_tcp_cb)(void *ctx, const proc_tcp_t *t);
int proc_tcp_each(const char *path, int v6, proc_tcp_cb cb, void *ctx);
/* Parses one line of such a file (the header line and malformed ones: -1). */
int proc_tcp_parse_line(const char *line, int v6, proc_tcp_t *t);

/* Finds the TCP socket with this inode in pid's network namespace
 * (/proc/PID/net/tcp, then tcp6): 0 found, -1 not a TCP socket. */
int proc_tcp_find(const char *proc_root, pid_t pid, unsigned long inode, proc_tcp_t *out);

/* The same for up to n inodes in one pass over the tables (busy hosts
 * have tens of thousands of entries): out[i].inode is 0 for those not
 * found. Returns how many were found. */
int proc_tcp_find_many(const char *proc_root, pid_t pid, const unsigned long *inodes, int n,
                       proc_tcp_t *out);

/* Copies src (len bytes) into dst as printable text: NUL separators become
 * spaces, control bytes '?', and bytes of invalid UTF-8 '?'. */
void proc_printable(char *dst, size_t size, const char *src, size_t len);

#endif
