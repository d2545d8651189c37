/*
 * proc_rules.h — the traits of a malicious process (docs/AGENT.md,
 * "Malicious processes"), as pure functions of what proc_info read, so
 * each is unit-tested on its own. procmon.c applies them.
 */
#ifndef RAMPART_AGENT_PROC_RULES_H
#define RAMPART_AGENT_PROC_RULES_H

#include <stddef.h>

#include "proc_info.h"

typedef enum {
    PROC_RULE_REVERSE_SHELL, /* a shell whose stdin/stdout is a TCP connection */
    PROC_RULE_WEB_CHILD,     /* a shell or interpreter started by a web server worker */
    PROC_RULE_DELETED_EXE,   /* runs from a file that was deleted */
    PROC_RULE_WRITABLE_EXE,  /* runs from a world-writable file or directory */
    PROC_RULE_MINER,         /* crypto-miner names and pool arguments */
    PROC_RULE_LISTENER,      /* listens on TCP and is not an expected binary */
    PROC_RULE_COUNT
} proc_rule_t;

/* "process.reverse_shell", ... */
const char *proc_rule_name(proc_rule_t rule);

/* Shells, and interpreters or network tools that are used as one (python,
 * perl, nc, socat ...): by the executable's file name. */
int proc_is_shell(const char *name);

/* Web servers and application servers whose workers should not start
 * shells: nginx, httpd, apache2, php-fpm, java, tomcat, uwsgi ... */
int proc_is_web_server(const char *name);

/* The crypto-miner trait of this process (a pool URL scheme, a known
 * miner's name or option, a pool address on a well-known pool port), or
 * NULL. */
const char *proc_miner_trait(const char *name, const char *cmdline);

/* 1 when the executable (exe: a path) can be replaced by any user: the
 * file or its directory is world-writable; why says which. The path is
 * looked up below view ("" or "/proc/PID/root": the process's own view
 * of the file system, whatever the agent's mount namespace). */
int proc_exe_writable(const char *view, const char *exe, char *why, size_t why_size);

#endif
