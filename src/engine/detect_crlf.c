/*
 * detect_crlf.c — rp_detect_crlf(): does a line break in this value start a
 * line of a protocol the application writes the value into?
 *
 * Applications paste parameters into mail headers (a contact form's
 * subject), into SMTP/IMAP/POP3 sessions (webmail), and into HTTP response
 * headers (redirects, cookies). A CR or LF in such a value ends the line
 * and lets the attacker write the next one. Text areas legitimately hold
 * line breaks, so the break alone proves nothing; what follows it must be
 * a line of one of those protocols:
 *
 *   mail headers    Bcc/Cc/Reply-To/Sender/Return-Path with an address
 *                   ("Bcc: victim@example.com"), Content-Type with a media
 *                   type, MIME-Version ("To:"/"From:" lines are how letters
 *                   in text areas start, and stay clean)
 *   SMTP            HELO/EHLO, MAIL FROM:, RCPT TO:, DATA, QUIT, RSET,
 *                   VRFY/EXPN, AUTH, STARTTLS (upper case, as clients send)
 *   IMAP            "TAG COMMAND": A1 LOGIN, V100 CAPABILITY, x FETCH ...
 *   POP3            USER/PASS/RETR/DELE/STAT/UIDL/APOP + argument
 *   HTTP            Set-Cookie:, Location:, Content-Length:, Refresh:,
 *                   Transfer-Encoding:, X-XSS-Protection:, a status line
 *                   "HTTP/1.1 200", or a blank line followed by markup
 *                   (response splitting into a body)
 *
 * "申请理由：\r\n因工作调动..." and "Dear officer,\r\nTo the best of my
 * knowledge" are text areas and stay clean. Header names match in any case;
 * protocol verbs only in upper case.
 *
 * Pure, allocation-free and linear.
 */
#include "rampart/detect.h"

#include "detect_util.h"

#include <stdint.h>
#include <string.h>

static size_t line_len(const char *s, size_t n)
{
    size_t k = 0;

    while (k < n && s[k] != '\r' && s[k] != '\n') {
        k++;
    }
    return k;
}

/* "Name:" (any case, optional blanks before the colon) at the line start.
 * Returns the offset after the colon, or 0. */
static size_t header_name(const char *l, size_t n, const char *name)
{
    size_t nl = strlen(name), k;

    if (!du_prefix_ci(l, n, name)) {
        return 0;
    }
    k = nl;
    while (k < n && (l[k] == ' ' || l[k] == '\t')) {
        k++;
    }
    return k < n && l[k] == ':' ? k + 1 : 0;
}

static bool has_at(const char *l, size_t n)
{
    return memchr(l, '@', n) != NULL;
}

/* An upper-case verb at the line start, followed by a blank, the end of
 * the line, or (for "MAIL FROM"-style verbs) the literal. */
static bool verb(const char *l, size_t n, const char *v)
{
    size_t vl = strlen(v);

    return du_prefix(l, n, v) && (vl == n || l[vl] == ' ' || l[vl] == ':' || l[vl] == '\t');
}

static const char *const address_headers[] = {
    "bcc", "cc", "reply-to", "sender", "return-path", NULL,
};

static const char *const http_headers[] = {
    "set-cookie",
    "location",
    "content-length",
    "refresh",
    "transfer-encoding",
    "x-xss-protection",
    "content-security-policy",
    "access-control-allow-origin",
    NULL,
};

static const char *const smtp_verbs[] = {
    "HELO", "EHLO", "MAIL FROM", "RCPT TO", "DATA",     "QUIT",
    "RSET", "VRFY", "EXPN",      "AUTH",    "STARTTLS", NULL,
};

static const char *const imap_commands[] = {
    "CAPABILITY", "LOGIN",        "LOGOUT",   "SELECT", "EXAMINE", "CREATE", "DELETE",
    "RENAME",     "SUBSCRIBE",    "LIST",     "LSUB",   "STATUS",  "APPEND", "CHECK",
    "CLOSE",      "EXPUNGE",      "SEARCH",   "FETCH",  "STORE",   "COPY",   "UID",
    "NOOP",       "AUTHENTICATE", "STARTTLS", "IDLE",   NULL,
};

static const char *const pop3_verbs[] = {
    "USER", "PASS", "RETR", "DELE", "STAT", "UIDL", "APOP", NULL,
};

/* Is the line a protocol line? Returns a fingerprint name or NULL. */
static const char *protocol_line(const char *l, size_t n, const char *after, size_t after_n)
{
    const char *const *p;
    size_t k;

    if (n == 0) {
        /* an empty line: the end of a header block; markup after it is a
         * response body the attacker wrote */
        size_t j = 0;
        while (j < after_n && j < 4 && (after[j] == '\r' || after[j] == '\n')) {
            j++;
        }
        if (j < after_n && after[j] == '<' && j + 1 < after_n &&
            du_is_alpha((unsigned char)after[j + 1])) {
            return "split";
        }
        return NULL;
    }
    for (p = address_headers; *p; p++) {
        if ((k = header_name(l, n, *p)) > 0 && has_at(l + k, n - k)) {
            return "mail";
        }
    }
    if ((k = header_name(l, n, "content-type")) > 0) {
        while (k < n && l[k] == ' ') {
            k++;
        }
        size_t j = k;
        while (j < n && du_is_alpha((unsigned char)l[j])) {
            j++;
        }
        if (j > k && j < n && l[j] == '/') {
            return "mail";
        }
    }
    if (header_name(l, n, "mime-version") > 0) {
        return "mail";
    }
    for (p = http_headers; *p; p++) {
        if (header_name(l, n, *p) > 0) {
            return "http";
        }
    }
    if (du_prefix(l, n, "HTTP/1.") || du_prefix(l, n, "HTTP/2")) {
        return "status";
    }
    for (p = smtp_verbs; *p; p++) {
        if (verb(l, n, *p)) {
            /* a bare "DATA"/"QUIT" line, or a verb with its argument */
            return "smtp";
        }
    }
    for (p = pop3_verbs; *p; p++) {
        if (verb(l, n, *p) && strlen(*p) < n) {
            return "pop3";
        }
    }
    /* IMAP: tag (letters/digits/.) then a command */
    k = 0;
    while (k < n && k < 32 && (du_is_alnum((unsigned char)l[k]) || l[k] == '.')) {
        k++;
    }
    if (k > 0 && k < n && l[k] == ' ') {
        for (p = imap_commands; *p; p++) {
            if (verb(l + k + 1, n - k - 1, *p)) {
                return "imap";
            }
        }
    }
    return NULL;
}

bool rp_detect_crlf(const char *s, size_t n, rp_detect_result_t *out)
{
    size_t i = 0;
    const char *nl;

    if (!s || n < 3) {
        return false;
    }
    while (i < n && (nl = memchr(s + i, '\n', n - i)) != NULL) {
        /* also a bare CR */
        const char *cr = memchr(s + i, '\r', (size_t)(nl - (s + i)));
        size_t brk = (size_t)((cr ? cr : nl) - s);
        size_t ls = brk + 1;
        if (ls < n && s[brk] == '\r' && s[ls] == '\n') {
            ls++;
        }
        size_t ll = line_len(s + ls, n - ls);
        const char *fp = protocol_line(s + ls, ll, s + ls + ll, n - ls - ll);
        if (fp) {
            du_result(out, "crlf:", fp, strlen(fp), brk, ls + ll - brk);
            return true;
        }
        i = ls;
    }
    /* a value with CRs only */
    if (!memchr(s, '\n', n)) {
        i = 0;
        while (i < n && (nl = memchr(s + i, '\r', n - i)) != NULL) {
            size_t ls = (size_t)(nl - s) + 1;
            size_t ll = line_len(s + ls, n - ls);
            const char *fp = protocol_line(s + ls, ll, s + ls + ll, n - ls - ll);
            if (fp) {
                du_result(out, "crlf:", fp, strlen(fp), (size_t)(nl - s), ll + 1);
                return true;
            }
            i = ls;
        }
    }
    return false;
}
