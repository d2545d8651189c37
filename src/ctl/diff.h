/*
 * diff.h — a unified line diff of two texts, for policy versions.
 *
 * The edit script is the shortest one (Myers, "An O(ND) Difference
 * Algorithm and Its Variations", 1986); the output is the unified format
 * of GNU diff and POSIX `diff -u` (hunks "@@ -a,b +c,d @@" with three
 * lines of context, "\ No newline at end of file" where a text's last line
 * has no newline), so `patch` applies it.
 */
#ifndef RAMPART_CTL_DIFF_H
#define RAMPART_CTL_DIFF_H

#include "strbuf.h"

/* Texts with more lines than this, or whose shortest script is longer
 * than DIFF_MAX_EDITS, are shown as one hunk replacing everything. */
#define DIFF_MAX_LINES 200000
#define DIFF_MAX_EDITS 2000

/* Appends the diff from a to b to out, with "--- a_label" and
 * "+++ b_label" headers; nothing at all when the texts are equal. */
void diff_unified(const char *a, size_t a_len, const char *b, size_t b_len, const char *a_label,
                  const char *b_label, strbuf_t *out);

#endif
