/*
 * webshell.h — web shell detection in web roots with YARA (libyara).
 *
 * The rules (etc/rampart-webshell.yar, webshell_rules) are compiled once
 * at start; a rule file that does not compile is refused with file:line.
 * File integrity monitoring hands over every script file under a
 * webshell_root that is new or changed, and every one at a full scan; the
 * file is read (O_NOFOLLOW, regular files up to webshell_max_size, never
 * executed) and matched in memory. A match is an event: category
 * "webshell", detection webshell.RULE, with the path, every matching rule
 * and the content hash.
 */
#ifndef RAMPART_AGENT_WEBSHELL_H
#define RAMPART_AGENT_WEBSHELL_H

#include <stddef.h>

#include "rampart/status.h"
#include "webshell_heur.h"

#define WEBSHELL_MAX_MATCHES 8
#define WEBSHELL_RULE_MAX    64

typedef struct webshell webshell_t;

/* NULL with err (file:line of the first rule error) on failure. */
webshell_t *webshell_open(const char *rules_path, size_t max_size, rp_error_t *err);
void webshell_close(webshell_t *w);

/* 1 when path's name is a server-side script (php, phtml, jsp, asp(x),
 * ashx, py, pl, cgi, ...). */
int webshell_is_script(const char *path);

/* Matches a buffer: the names of the matching rules (at most
 * WEBSHELL_MAX_MATCHES) and their count; -1 on a scan error. */
int webshell_scan(webshell_t *w, const void *data, size_t len,
                  char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX]);

/* Reads a file safely and matches it; as webshell_scan, 0 when the file is
 * not a readable regular file within the size limit. */
int webshell_scan_file(webshell_t *w, const char *path,
                       char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX]);

/* As webshell_scan_file, and when heur is given the heuristics
 * (webshell_heur.h) on the same bytes, with the file's age from its
 * ctime; heur->score stays 0 for a file that was not read. */
int webshell_check_file(webshell_t *w, const char *path,
                        char names[WEBSHELL_MAX_MATCHES][WEBSHELL_RULE_MAX], webshell_heur_t *heur);

#endif
