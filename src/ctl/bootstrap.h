/*
 * bootstrap.h — the first-run admin account.
 *
 * When the store has no account at all, rampartd creates "admin" with a
 * random one-time password that must be changed at first login. The
 * password is written to RUN_DIR/initial-admin-password (mode 0600, for
 * `make up` or the operator to read once) and printed on standard output
 * when that is a terminal; it never goes to the log. The file is removed
 * when admin changes the password.
 */
#ifndef RAMPART_CTL_BOOTSTRAP_H
#define RAMPART_CTL_BOOTSTRAP_H

#include "ctl.h"

#define BOOTSTRAP_FILE "initial-admin-password"

int bootstrap_admin(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err);

/* Writes a secret (one line, under 127 bytes) to a new 0600 file next to
 * path and renames it into place, so a reader never sees a partial file.
 * 0 or -1. */
int bootstrap_write_secret(const char *path, const char *secret);

#endif
