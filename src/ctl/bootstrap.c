/*
 * bootstrap.c — creating the first admin account (see bootstrap.h).
 */
#include "bootstrap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit_log.h"
#include "log.h"
#include "password.h"
#include "secret.h"
#include "timefmt.h"

#define FIRST_PASSWORD_LEN 20

int bootstrap_write_secret(const char *path, const char *password)
{
    char tmp[CONFIG_PATH_MAX + 80];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    char line[128];
    int n = snprintf(line, sizeof(line), "%s\n", password);
    if (n < 0 || (size_t)n >= sizeof(line)) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    int ok = write(fd, line, (size_t)n) == n && fsync(fd) == 0;
    secret_wipe(line, sizeof(line));
    if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int bootstrap_admin(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err)
{
    store_t *s = ctl->store;
    snprintf(ctl->bootstrap_file, sizeof(ctl->bootstrap_file), "%s/%s", cfg->run_dir,
             BOOTSTRAP_FILE);
    int64_t users = 0;
    if (s->ops->user_count(s, &users) != STORE_OK) {
        snprintf(err->reason, sizeof(err->reason), "cannot count accounts");
        return -1;
    }
    if (users > 0) {
        store_user_t admin;
        /* A password file left from an earlier run is stale once admin chose
         * a password. */
        if (s->ops->user_get_by_name(s, "admin", &admin) != STORE_OK || !admin.must_change)
            unlink(ctl->bootstrap_file);
        return 0;
    }
    char password[FIRST_PASSWORD_LEN + 1];
    store_user_t u;
    memset(&u, 0, sizeof(u));
    snprintf(u.name, sizeof(u.name), "admin");
    snprintf(u.role, sizeof(u.role), "admin");
    u.must_change = 1;
    u.created = u.updated = u.pw_changed = time_now_ms();
    if (secret_password(password, FIRST_PASSWORD_LEN) ||
        password_hash(cfg, password, u.pw_hash, sizeof(u.pw_hash))) {
        snprintf(err->reason, sizeof(err->reason), "cannot create the first admin password");
        return -1;
    }
    if (s->ops->user_create(s, &u) != STORE_OK) {
        secret_wipe(password, sizeof(password));
        snprintf(err->reason, sizeof(err->reason), "cannot create the admin account");
        return -1;
    }
    audit_entry_t created = {.actor = "rampartd",
                             .role = "system",
                             .action = "user.create",
                             .target = "admin",
                             .outcome = "success",
                             .detail = "{\"first_run\":true,\"role\":\"admin\"}"};
    if (audit_log_append(ctl->audit, &created, NULL) != STORE_OK) {
        secret_wipe(password, sizeof(password));
        snprintf(err->reason, sizeof(err->reason), "cannot audit the admin account's creation");
        return -1;
    }
    if (bootstrap_write_secret(ctl->bootstrap_file, password) != 0)
        log_kv(LOG_LEVEL_WARN, "cannot write the first-run password file", "path",
               ctl->bootstrap_file, "error", strerror(errno), NULL);
    else
        log_kv(LOG_LEVEL_INFO,
               "first run: created account admin; its one-time password is in the file (mode "
               "0600) and must be changed at first login",
               "path", ctl->bootstrap_file, NULL);
    if (isatty(STDOUT_FILENO)) {
        printf("rampartd: first run — account admin, one-time password: %s\n"
               "          (change it at first login; also in %s)\n",
               password, ctl->bootstrap_file);
        fflush(stdout);
    }
    secret_wipe(password, sizeof(password));
    return 0;
}
