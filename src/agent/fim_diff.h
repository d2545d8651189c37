/*
 * fim_diff.h — what changed in a text file, for a FIM event.
 *
 * Not a minimal diff (that costs O(n·m) time or memory on hostile input):
 * the common leading and trailing lines are dropped and the differing
 * middle is shown as removed ("-") and added ("+") lines, at most
 * max_lines of each, with the line number where the change starts. Time
 * and memory are linear in the two texts.
 */
#ifndef RAMPART_AGENT_FIM_DIFF_H
#define RAMPART_AGENT_FIM_DIFF_H

#include <stddef.h>

#include "strbuf.h"

/* 1 when the bytes look like text: no NUL byte. */
int fim_is_text(const char *s, size_t n);

/* Appends the change from old to new to out (nothing when equal). */
void fim_diff_text(const char *old_text, size_t old_len, const char *new_text, size_t new_len,
                   size_t max_lines, strbuf_t *out);

#endif
