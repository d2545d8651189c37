/*
 * test_util.h — small shared helpers for the cmocka unit tests.
 */
#ifndef RAMPART_TEST_UTIL_H
#define RAMPART_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR_AND_LEN(s) (s), strlen(s)

#endif
