/*
 * webshell_heur.h — webshell heuristics beyond the YARA rules: traits of
 * obfuscated or dropped shells that no fixed pattern names (docs/AGENT.md,
 * "Webshell detection"). Each trait has a weight; a file whose traits
 * weigh WEBSHELL_HEUR_THRESHOLD or more is reported as webshell.heuristic.
 * Pure functions of the file's bytes, name and age: nothing is executed.
 */
#ifndef RAMPART_AGENT_WEBSHELL_HEUR_H
#define RAMPART_AGENT_WEBSHELL_HEUR_H

#include <stddef.h>
#include <stdint.h>

#define WEBSHELL_HEUR_THRESHOLD 3
#define WEBSHELL_HEUR_TRAITS    12

typedef struct {
    int score;
    int n;
    const char *traits[WEBSHELL_HEUR_TRAITS]; /* static names */
    double entropy;                           /* bits per byte of the whole file */
    size_t longest_line;
} webshell_heur_t;

/* Judges one script file's content. path decides the upload-directory
 * trait; age_s is how long ago the file appeared (its ctime), or -1 when
 * unknown. Returns 1 when the score reaches the threshold. */
int webshell_heuristics(const char *data, size_t len, const char *path, int64_t age_s,
                        webshell_heur_t *out);

/* 1 when a directory of path (below any root) is named like an upload
 * directory: upload(s), attachment(s), userfiles, files, images, img, media. */
int webshell_in_upload_dir(const char *path);

#endif
