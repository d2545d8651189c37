/*
 * test_util.h — small shared helpers for the cmocka unit tests.
 */
#ifndef RAMPART_TEST_UTIL_H
#define RAMPART_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#define STR_AND_LEN(s) (s), strlen(s)

#endif
