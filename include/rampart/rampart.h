/*
 * rampart.h — librampart's public API in one include.
 *
 * librampart is Rampart's inspection engine: a plain C library with no
 * dependency on nginx. A host (the nginx module, the CLI, tests) loads a
 * policy, then runs one transaction per HTTP exchange through it.
 */
#ifndef RAMPART_H
#define RAMPART_H

#include "rampart/collections.h"
#include "rampart/detect.h"
#include "rampart/fieldenc.h"
#include "rampart/discover.h"
#include "rampart/identity.h"
#include "rampart/masking.h"
#include "rampart/openapi.h"
#include "rampart/policy.h"
#include "rampart/baseline.h"
#include "rampart/bot.h"
#include "rampart/ratelimit.h"
#include "rampart/status.h"
#include "rampart/transaction.h"

#define RAMPART_VERSION "0.1.0"

#endif
