/*
 * seed_dir_user.h — the directory user rampartd.conf's
 * `seed_directory_user NAME ROLE PASSWORD_FILE` asks for: created at start
 * when the directory has no user NAME (active, holding ROLE, which is
 * created when missing, with the password on the file's first line, not
 * temporary), and never touched again — a user changed or deleted by an
 * operator stays so until the next start finds none by that name. `make
 * up` seeds its demo auditor this way (docs/DEMO.md).
 */
#ifndef RAMPART_CTL_SEED_DIR_USER_H
#define RAMPART_CTL_SEED_DIR_USER_H

#include "config.h"
#include "ctl.h"

/* 0, or -1 with err->reason (the start fails: a missing file or a password
 * the policy refuses is a configuration error). */
int seed_dir_user(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err);

#endif
