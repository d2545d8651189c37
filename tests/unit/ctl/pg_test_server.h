/*
 * pg_test_server.h — a private PostgreSQL for rampartd's unit tests:
 * scripts/pg-test-server.sh starts it (initdb in a temporary directory,
 * a free loopback port, as the postgres user when the test runs as
 * root) and pg_test_stop removes it. pg_test_sql runs administrative SQL
 * on it (resetting a schema, forging a newer schema version).
 */
#ifndef RAMPART_PG_TEST_SERVER_H
#define RAMPART_PG_TEST_SERVER_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RP_SOURCE_DIR
#define RP_SOURCE_DIR "."
#endif

typedef struct {
    char dir[256];
    char dsn[512];
} pg_test_server_t;

/* Starts a server; 0 on success, with dir and dsn filled. */
static inline int pg_test_start(pg_test_server_t *pg)
{
    memset(pg, 0, sizeof(*pg));
    FILE *p = popen(RP_SOURCE_DIR "/scripts/pg-test-server.sh init", "r");
    if (!p)
        return -1;
    char line[600];
    while (fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "dir=", 4) == 0)
            snprintf(pg->dir, sizeof(pg->dir), "%s", line + 4);
        else if (strncmp(line, "dsn=", 4) == 0)
            snprintf(pg->dsn, sizeof(pg->dsn), "%s", line + 4);
    }
    int rc = pclose(p);
    return rc == 0 && pg->dir[0] && pg->dsn[0] ? 0 : -1;
}

static inline void pg_test_stop(pg_test_server_t *pg)
{
    if (!pg->dir[0])
        return;
    char cmd[400];
    snprintf(cmd, sizeof(cmd), RP_SOURCE_DIR "/scripts/pg-test-server.sh destroy '%s'", pg->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "pg_test_stop: %s failed\n", cmd);
    pg->dir[0] = '\0';
}

/* Runs sql (one or more statements) on the test server; 0 on success. */
static inline int pg_test_sql(const pg_test_server_t *pg, const char *sql)
{
    PGconn *db = PQconnectdb(pg->dsn);
    int ok = PQstatus(db) == CONNECTION_OK;
    if (ok)
        PQclear(PQexec(db, "SET client_min_messages = warning"));
    if (ok) {
        PGresult *res = PQexec(db, sql);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "pg_test_sql: %s", PQerrorMessage(db));
        PQclear(res);
    }
    PQfinish(db);
    return ok ? 0 : -1;
}

/* The first column of the first row of a query, as an integer (-1 on error). */
static inline long long pg_test_int(const pg_test_server_t *pg, const char *sql)
{
    PGconn *db = PQconnectdb(pg->dsn);
    long long v = -1;
    if (PQstatus(db) == CONNECTION_OK) {
        PGresult *res = PQexec(db, sql);
        if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
            v = atoll(PQgetvalue(res, 0, 0));
        PQclear(res);
    }
    PQfinish(db);
    return v;
}

#endif
