/*
 * fim_who_test.c — writers of changed files: the table of recent writers
 * with an injected clock (age limit, other paths, a stream of writes, the
 * ring's bound) and, when the test runs as root, the real fanotify path:
 * a child process named "rp-writer" writes into a marked directory and is
 * named as the writer with its pid, comm, executable and uid; another
 * ("rp-remover") changes the file's mode, renames and deletes it and is
 * named for each (file-handle mode).
 */
#include "agent_test_util.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "fim_who.h"
#include "timefmt.h"

static void test_table(void **state)
{
    (void)state;
    fim_who_t *w = fim_who_new_table();
    assert_non_null(w);
    fim_who_record(w, "/srv/a", getpid(), 1000);
    fim_who_record(w, "/srv/b", 1, 2000);
    json_t *o = fim_who_lookup(w, "/srv/a", 1000 + FIM_WHO_MAX_AGE_MS);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "pid")), getpid());
    assert_int_equal(json_integer_value(json_object_get(o, "uid")), getuid());
    char comm[32] = "";
    prctl(PR_GET_NAME, comm);
    assert_string_equal(json_string_value(json_object_get(o, "comm")), comm);
    assert_non_null(strstr(json_string_value(json_object_get(o, "exe")), "fim_who_test"));
    json_decref(o);
    /* too old, or never written */
    assert_null(fim_who_lookup(w, "/srv/a", 1001 + FIM_WHO_MAX_AGE_MS));
    assert_null(fim_who_lookup(w, "/srv/c", 2000));
    /* a stream of writes keeps one entry fresh */
    for (int64_t t = 3000; t < 3000 + 3 * FIM_WHO_MAX_AGE_MS; t += 1000)
        fim_who_record(w, "/srv/stream", getpid(), t);
    o = fim_who_lookup(w, "/srv/stream", 3000 + 3 * FIM_WHO_MAX_AGE_MS);
    assert_non_null(o);
    json_decref(o);
    /* the latest writer wins */
    fim_who_record(w, "/srv/a", 1, 50000);
    o = fim_who_lookup(w, "/srv/a", 50000);
    assert_int_equal(json_integer_value(json_object_get(o, "pid")), 1);
    json_decref(o);
    /* bounded: the oldest writers fall out */
    char path[32];
    for (int i = 0; i < FIM_WHO_RECENT; i++) {
        snprintf(path, sizeof(path), "/srv/f%d", i);
        fim_who_record(w, path, 1, 60000);
    }
    assert_null(fim_who_lookup(w, "/srv/a", 60000));
    o = fim_who_lookup(w, "/srv/f0", 60000);
    assert_non_null(o);
    json_decref(o);
    fim_who_close(w);
}

/* The process gone before the look-up: its pid only. */
static void test_gone_process(void **state)
{
    (void)state;
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    fim_who_t *w = fim_who_new_table();
    fim_who_record(w, "/srv/x", child, 10);
    json_t *o = fim_who_lookup(w, "/srv/x", 10);
    assert_int_equal(json_integer_value(json_object_get(o, "pid")), child);
    assert_null(json_object_get(o, "exe"));
    json_decref(o);
    fim_who_close(w);
}

static void test_fanotify(void **state)
{
    (void)state;
    if (geteuid() != 0)
        skip();
    fim_who_t *w = fim_who_open();
    if (!w)
        skip(); /* a kernel without fanotify */
    char dir[] = "/tmp/fim-who-XXXXXX";
    assert_non_null(mkdtemp(dir));
    fim_who_watch(w, dir);
    char file[64];
    snprintf(file, sizeof(file), "%s/target.conf", dir);
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t child = fork();
    if (child == 0) {
        prctl(PR_SET_NAME, "rp-writer");
        int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, "changed\n", 8) != 8)
            _exit(1);
        close(fd);
        char c;
        close(go[1]);
        (void)!read(go[0], &c, 1); /* alive until the parent looked */
        _exit(0);
    }
    close(go[0]);
    json_t *o = NULL;
    for (int i = 0; i < 200 && !o; i++) {
        usleep(5000);
        fim_who_drain(w);
        o = fim_who_lookup(w, file, time_now_ms());
    }
    close(go[1]);
    waitpid(child, NULL, 0);
    assert_non_null(o);
    assert_int_equal(json_integer_value(json_object_get(o, "pid")), child);
    assert_string_equal(json_string_value(json_object_get(o, "comm")), "rp-writer");
    assert_string_equal(json_string_value(json_object_get(o, "source")), "fanotify");
    assert_int_equal(json_integer_value(json_object_get(o, "uid")), 0);
    json_decref(o);
    /* file-handle mode: a chmod, a rename and a deletion by another child */
    char moved[64];
    snprintf(moved, sizeof(moved), "%s/moved.conf", dir);
    pid_t other = fork();
    if (other == 0) {
        prctl(PR_SET_NAME, "rp-remover");
        if (chmod(file, 0600) || rename(file, moved) || unlink(moved))
            _exit(1);
        usleep(300000); /* alive while the parent reads /proc */
        _exit(0);
    }
    json_t *by_name = NULL, *gone = NULL;
    for (int i = 0; i < 200 && !(by_name && gone); i++) {
        usleep(5000);
        fim_who_drain(w);
        if (!by_name)
            by_name = fim_who_lookup(w, file, time_now_ms());
        if (by_name && json_integer_value(json_object_get(by_name, "pid")) != other) {
            json_decref(by_name);
            by_name = NULL;
        }
        if (!gone)
            gone = fim_who_lookup(w, moved, time_now_ms());
    }
    waitpid(other, NULL, 0);
    assert_non_null(by_name); /* the rename away (and the chmod) */
    assert_non_null(gone);    /* the deletion */
    assert_int_equal(json_integer_value(json_object_get(gone, "pid")), other);
    assert_string_equal(json_string_value(json_object_get(gone, "comm")), "rp-remover");
    json_decref(by_name);
    json_decref(gone);
    /* the agent's own writes are not attributed (they are its state) */
    snprintf(file, sizeof(file), "%s/own", dir);
    int fd = open(file, O_WRONLY | O_CREAT, 0600);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
    usleep(20000);
    fim_who_drain(w);
    assert_null(fim_who_lookup(w, file, time_now_ms()));
    unlink(file);
    rmdir(dir);
    fim_who_close(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_gone_process),
        cmocka_unit_test(test_fanotify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
