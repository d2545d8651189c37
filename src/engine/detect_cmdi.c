/*
 * detect_cmdi.c — rp_detect_cmdi(): does this value run an operating-system
 * command when an application pastes it into a shell command line (sh,
 * cmd.exe, PowerShell)?
 *
 * The value is read the way a shell reads it: words and control operators.
 * Inside a word, what shells remove before running it is removed here too,
 * which is what undoes the usual evasions:
 *   quotes and backslashes   c'a't /et"c"/pa\sswd    -> cat /etc/passwd
 *   empty expansions         w$@get, c${9}at         -> wget, cat
 *   $IFS as a blank          cat$IFS/etc/passwd      -> cat /etc/passwd
 *   cmd.exe carets           p^o^w^e^r^s^h^e^l^l     -> powershell
 *   brace expansion          {cat,/etc/passwd}       -> cat /etc/passwd
 *   paths and .exe           /bin/sh, C:\...\cmd.exe -> sh, cmd
 *
 * A command is only looked for where a shell starts one: at the start of the
 * value, after a control operator (; & && | || newline) and inside a command
 * substitution ($(...), `...`, <(...)). A known command there is an
 * injection only with evidence that scales with how much prose looks the
 * same:
 *
 *   inside $( ) or ` `     any known command                `whoami`, $(id)
 *   after | || &&          a known command with shell-shaped
 *                          arguments, with none at all, or a
 *                          program name that is not a word  | id, && dir
 *   after ; & newline      shell-shaped arguments, or a
 *                          program name that is not a word  ; cat /etc/passwd
 *   at the start           shell-shaped arguments only      cat /etc/passwd
 *
 * Shell-shaped arguments are options (-e, --exec), paths (/etc, ./x, ~/x,
 * C:\x, \\host), URLs, IP addresses, variables and expansions ($HOME,
 * $((1+1)), %TEMP%), substitutions and redirections to a file or a
 * descriptor (>/tmp/x, 2>&1); a host name, or a final number for
 * sleep/ping/timeout ("; sleep 5"), counts after an operator. A program
 * named by its path in a bin directory or by wildcards (/usr/bin/id,
 * /???/??t) is a command whatever its name.
 * Plain words do not: "ls 300 lexus", "zsh is the best!", "echo in the
 * mirror", "I think it would do; copy should reach us" and "7pm; select
 * seats are free" are prose that happens to hold a command name. Unix
 * command names are case-sensitive (a sentence's "Cat" is not cat); Windows
 * names match in lower or upper case, not capitalised.
 *
 * Pure, allocation-free and linear: one lexer pass, a bounded look-ahead of
 * MAX_ARGS words at each command position.
 */
#include "rampart/detect.h"

#include "detect_gate.h"
#include "detect_util.h"

#include <stdint.h>
#include <string.h>

#define WORD_MAX 40
#define MAX_ARGS 8

/* ---- command names ------------------------------------------------------ */

enum { CMD_UNIX = 1, CMD_WIN = 2, CMD_PLAIN = 4 /* not an English word */, CMD_WAIT = 8 };

typedef struct {
    const char *name;
    unsigned flags;
} cmd_t;

/* CMD_PLAIN: a name no sentence uses as a word, so finding it after a
 * control operator is evidence enough. CMD_WAIT: a number argument is
 * evidence (the time-based probes "; sleep 5", "| ping -n 10").
 * Shells and interpreters, network tools, system information and file
 * commands of Unix and Windows, sorted by name (byte order) so a word is
 * looked up by binary search: the detector gate (detect_gate.c) asks about
 * the words of most values. tests/unit/detect_gate_test.c checks the order
 * and that every name has two or more bytes and starts with a letter, which
 * the gate relies on. */
static const cmd_t commands[] = {
    {"ash", CMD_UNIX},
    {"attrib", CMD_WIN | CMD_PLAIN},
    {"awk", CMD_UNIX | CMD_PLAIN},
    {"base64", CMD_UNIX | CMD_PLAIN},
    {"bash", CMD_UNIX | CMD_PLAIN},
    {"bitsadmin", CMD_WIN | CMD_PLAIN},
    {"busybox", CMD_UNIX | CMD_PLAIN},
    {"cat", CMD_UNIX},
    {"certutil", CMD_WIN | CMD_PLAIN},
    {"chattr", CMD_UNIX | CMD_PLAIN},
    {"chmod", CMD_UNIX | CMD_PLAIN},
    {"chown", CMD_UNIX | CMD_PLAIN},
    {"cmd", CMD_WIN | CMD_PLAIN},
    {"copy", CMD_WIN},
    {"cp", CMD_UNIX | CMD_PLAIN},
    {"crontab", CMD_UNIX | CMD_PLAIN},
    {"cscript", CMD_WIN | CMD_PLAIN},
    {"csh", CMD_UNIX | CMD_PLAIN},
    {"curl", CMD_UNIX | CMD_WIN},
    {"dash", CMD_UNIX},
    {"dd", CMD_UNIX | CMD_PLAIN},
    {"del", CMD_WIN},
    {"dig", CMD_UNIX},
    {"dir", CMD_WIN},
    {"echo", CMD_UNIX | CMD_WIN},
    {"egrep", CMD_UNIX | CMD_PLAIN},
    {"env", CMD_UNIX | CMD_PLAIN},
    {"eval", CMD_UNIX},
    {"exec", CMD_UNIX},
    {"fgrep", CMD_UNIX | CMD_PLAIN},
    {"find", CMD_UNIX | CMD_WIN},
    {"findstr", CMD_WIN | CMD_PLAIN},
    {"ftp", CMD_UNIX | CMD_WIN},
    {"gawk", CMD_UNIX | CMD_PLAIN},
    {"gcc", CMD_UNIX | CMD_PLAIN},
    {"getent", CMD_UNIX | CMD_PLAIN},
    {"grep", CMD_UNIX | CMD_PLAIN},
    {"gzip", CMD_UNIX | CMD_PLAIN},
    {"head", CMD_UNIX},
    {"host", CMD_UNIX},
    {"hostname", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"icacls", CMD_WIN | CMD_PLAIN},
    {"id", CMD_UNIX | CMD_PLAIN},
    {"iex", CMD_WIN | CMD_PLAIN},
    {"ifconfig", CMD_UNIX | CMD_PLAIN},
    {"invoke-expression", CMD_WIN | CMD_PLAIN},
    {"invoke-webrequest", CMD_WIN | CMD_PLAIN},
    {"ipconfig", CMD_WIN | CMD_PLAIN},
    {"iwr", CMD_WIN | CMD_PLAIN},
    {"java", CMD_UNIX | CMD_WIN},
    {"kill", CMD_UNIX},
    {"killall", CMD_UNIX | CMD_PLAIN},
    {"ksh", CMD_UNIX | CMD_PLAIN},
    {"less", CMD_UNIX},
    {"ln", CMD_UNIX | CMD_PLAIN},
    {"locate", CMD_UNIX},
    {"ls", CMD_UNIX | CMD_PLAIN},
    {"lua", CMD_UNIX},
    {"mkdir", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"mkfifo", CMD_UNIX | CMD_PLAIN},
    {"more", CMD_UNIX | CMD_WIN},
    {"move", CMD_WIN},
    {"mshta", CMD_WIN | CMD_PLAIN},
    {"mv", CMD_UNIX | CMD_PLAIN},
    {"mysql", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"nc", CMD_UNIX | CMD_PLAIN},
    {"ncat", CMD_UNIX | CMD_PLAIN},
    {"net", CMD_WIN},
    {"netcat", CMD_UNIX | CMD_PLAIN},
    {"netsh", CMD_WIN | CMD_PLAIN},
    {"netstat", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"nl", CMD_UNIX},
    {"node", CMD_UNIX | CMD_WIN},
    {"nohup", CMD_UNIX | CMD_PLAIN},
    {"nslookup", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"od", CMD_UNIX},
    {"passwd", CMD_UNIX | CMD_PLAIN},
    {"perl", CMD_UNIX | CMD_WIN},
    {"php", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"ping", CMD_UNIX | CMD_WIN | CMD_WAIT},
    {"pkill", CMD_UNIX | CMD_PLAIN},
    {"powershell", CMD_WIN | CMD_PLAIN},
    {"printenv", CMD_UNIX | CMD_PLAIN},
    {"printf", CMD_UNIX | CMD_PLAIN},
    {"ps", CMD_UNIX},
    {"pwd", CMD_UNIX | CMD_PLAIN},
    {"pwsh", CMD_WIN | CMD_UNIX | CMD_PLAIN},
    {"python", CMD_UNIX | CMD_WIN},
    {"python2", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"python3", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"reg", CMD_WIN},
    {"regsvr32", CMD_WIN | CMD_PLAIN},
    {"rm", CMD_UNIX | CMD_PLAIN},
    {"rmdir", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"ruby", CMD_UNIX | CMD_WIN},
    {"rundll32", CMD_WIN | CMD_PLAIN},
    {"sc", CMD_WIN},
    {"schtasks", CMD_WIN | CMD_PLAIN},
    {"scp", CMD_UNIX | CMD_PLAIN},
    {"sed", CMD_UNIX | CMD_PLAIN},
    {"set", CMD_WIN | CMD_UNIX},
    {"sh", CMD_UNIX | CMD_PLAIN},
    {"sleep", CMD_UNIX | CMD_WAIT},
    {"socat", CMD_UNIX | CMD_PLAIN},
    {"ssh", CMD_UNIX | CMD_PLAIN},
    {"start", CMD_WIN},
    {"start-process", CMD_WIN | CMD_PLAIN},
    {"strings", CMD_UNIX},
    {"su", CMD_UNIX},
    {"sudo", CMD_UNIX | CMD_PLAIN},
    {"systemctl", CMD_UNIX | CMD_PLAIN},
    {"systeminfo", CMD_WIN | CMD_PLAIN},
    {"tac", CMD_UNIX},
    {"tail", CMD_UNIX},
    {"tar", CMD_UNIX},
    {"taskkill", CMD_WIN | CMD_PLAIN},
    {"tasklist", CMD_WIN | CMD_PLAIN},
    {"tcsh", CMD_UNIX | CMD_PLAIN},
    {"tee", CMD_UNIX},
    {"telnet", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"tftp", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"timeout", CMD_UNIX | CMD_WIN | CMD_WAIT},
    {"touch", CMD_UNIX},
    {"traceroute", CMD_UNIX | CMD_PLAIN},
    {"tracert", CMD_WIN | CMD_PLAIN},
    {"type", CMD_WIN},
    {"uname", CMD_UNIX | CMD_PLAIN},
    {"unzip", CMD_UNIX | CMD_PLAIN},
    {"useradd", CMD_UNIX | CMD_PLAIN},
    {"usermod", CMD_UNIX | CMD_PLAIN},
    {"ver", CMD_WIN},
    {"wget", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"whoami", CMD_UNIX | CMD_WIN | CMD_PLAIN},
    {"whois", CMD_UNIX | CMD_PLAIN},
    {"wmic", CMD_WIN | CMD_PLAIN},
    {"wscript", CMD_WIN | CMD_PLAIN},
    {"xargs", CMD_UNIX | CMD_PLAIN},
    {"xterm", CMD_UNIX | CMD_PLAIN},
    {"xxd", CMD_UNIX | CMD_PLAIN},
    {"zsh", CMD_UNIX | CMD_PLAIN},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* strcmp's order between key[0..n) and a name. */
static int compare_name(const char *key, size_t n, const char *name)
{
    size_t k;

    for (k = 0; k < n && name[k]; k++) {
        if (key[k] != name[k]) {
            return (unsigned char)key[k] < (unsigned char)name[k] ? -1 : 1;
        }
    }
    if (k == n) {
        return name[k] ? -1 : 0;
    }
    return 1;
}

/* Unix names exactly; Windows names (case-insensitive in cmd.exe) in lower
 * or upper case, but not capitalised like the first word of a sentence. */
static const cmd_t *lookup_command(const char *w, size_t n)
{
    char key[WORD_MAX];
    bool lower = true, upper = true;
    size_t k, lo = 0, hi = NCOMMANDS;

    if (n == 0 || n >= WORD_MAX) {
        return NULL;
    }
    for (k = 0; k < n; k++) {
        unsigned char ch = (unsigned char)w[k];
        if (ch >= 'A' && ch <= 'Z') {
            lower = false;
        } else if (ch >= 'a' && ch <= 'z') {
            upper = false;
        }
        key[k] = (char)du_lower(ch);
    }
    if (!lower && !upper) {
        return NULL;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare_name(key, n, commands[mid].name);
        if (c == 0) {
            return lower || (commands[mid].flags & CMD_WIN) ? &commands[mid] : NULL;
        }
        if (c < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

bool rp_cmdi_command_name(const char *w, size_t n)
{
    return lookup_command(w, n) != NULL;
}

bool rp_cmdi_table_ok(void)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *c = commands[i].name;
        if (strlen(c) < 2 || !du_is_alpha((unsigned char)c[0]) ||
            (i > 0 && strcmp(commands[i - 1].name, c) >= 0)) {
            return false;
        }
    }
    return true;
}

/* ---- lexer ---------------------------------------------------------------- */

enum {
    T_END,
    T_WORD,
    T_SEP,    /* ; & newline: a command ends, another may start */
    T_CLOSE,  /* ) } closing ` : a group or substitution ends; what follows
               * is not a new command without an operator */
    T_STRONG, /* && || | : the next command is chained on purpose */
    T_SUBST,  /* $( ` <( >( : a command substitution starts */
    T_OPEN,   /* ( or { : a group, transparent at a command position */
    T_REDIR,  /* < > >> 2>&1 ... */
};

/* Features of a word, read from its normalised text. */
enum {
    F_OPTION = 1u << 0, /* -x, --long */
    F_PATH = 1u << 1,   /* /abs, ./rel, ../up, ~/home, C:\x, \\unc */
    F_URL = 1u << 2,    /* scheme:// */
    F_IP = 1u << 3,     /* dotted quad */
    F_VAR = 1u << 4,    /* $NAME, ${...}, %NAME% */
    F_EXPAND = 1u << 5, /* $((...)) arithmetic, or a substitution inside */
    F_HOST = 1u << 6,   /* host.name.tld */
    F_NUM = 1u << 7,    /* digits only */
    F_ASSIGN = 1u << 8, /* NAME=value prefix of a command */
    F_BRACE = 1u << 9,  /* {a,b} brace expansion */
};

typedef struct {
    int kind;
    size_t start, end; /* raw span in the input */
    char w[WORD_MAX];  /* normalised text, cut at WORD_MAX - 1 */
    size_t wl;         /* full normalised length (may exceed WORD_MAX - 1) */
    unsigned feat;
} tok_t;

typedef struct {
    const char *s;
    size_t n;
    size_t i;
    bool in_backtick;
} lexer_t;

static bool is_operator_char(unsigned char c)
{
    return c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>' ||
           c == '`' || c == '\n' || c == '\r';
}

/* $IFS, ${IFS}, ${IFS%??} ... : a blank once expanded. Returns its length or 0. */
static size_t ifs_at(const char *s, size_t n, size_t i)
{
    if (i + 3 < n && s[i] == '$' && s[i + 1] == 'I' && s[i + 2] == 'F' && s[i + 3] == 'S') {
        return 4;
    }
    if (i + 4 < n && s[i] == '$' && s[i + 1] == '{' && s[i + 2] == 'I' && s[i + 3] == 'F' &&
        s[i + 4] == 'S') {
        size_t k = i + 5;
        while (k < n && k < i + 16 && s[k] != '}') {
            k++;
        }
        return k < n && s[k] == '}' ? k + 1 - i : 0;
    }
    return 0;
}

/* An expansion that is empty in practice ($@, $*, $9, ${9}, $'' ""): the
 * classic way to break a command name apart. Returns its length or 0. */
static size_t empty_expansion_at(const char *s, size_t n, size_t i)
{
    if (i + 1 >= n || s[i] != '$') {
        return 0;
    }
    if (s[i + 1] == '@' || s[i + 1] == '*' ||
        (du_is_digit((unsigned char)s[i + 1]) && s[i + 1] != '0')) {
        return 2;
    }
    if (i + 3 < n && s[i + 1] == '{' &&
        (s[i + 2] == '@' || s[i + 2] == '*' ||
         (du_is_digit((unsigned char)s[i + 2]) && s[i + 2] != '0')) &&
        s[i + 3] == '}') {
        return 4;
    }
    return 0;
}

static void skip_blanks(lexer_t *lx)
{
    for (;;) {
        size_t k;
        if (lx->i >= lx->n) {
            return;
        }
        unsigned char c = (unsigned char)lx->s[lx->i];
        if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
            lx->i++;
        } else if ((k = ifs_at(lx->s, lx->n, lx->i)) > 0) {
            lx->i += k;
        } else if (c == '\\' && lx->i + 1 < lx->n &&
                   (lx->s[lx->i + 1] == '\n' || lx->s[lx->i + 1] == '\r')) {
            lx->i += 2; /* line continuation */
        } else {
            return;
        }
    }
}

/* Does the word read so far start a Windows path: empty ("\\host"), a
 * drive ("C:"), dots only (".."), or already a path ("C:/dir", "/x")? */
static bool windows_path_so_far(const tok_t *t)
{
    size_t n = t->wl < WORD_MAX - 1 ? t->wl : WORD_MAX - 1, k;

    if (n == 0 || t->w[0] == '/' ||
        (n >= 2 && du_is_alpha((unsigned char)t->w[0]) && t->w[1] == ':')) {
        return true;
    }
    for (k = 0; k < n && t->w[k] == '.'; k++) {
    }
    return k == n;
}

static void word_push(tok_t *t, unsigned char c)
{
    if (t->wl < WORD_MAX - 1) {
        t->w[t->wl] = (char)c;
    }
    t->wl++;
}

/* Reads a word at lx->i (not an operator, not a blank). */
static void lex_word(lexer_t *lx, tok_t *t)
{
    const char *s = lx->s;
    size_t n = lx->n, k;
    bool name_so_far = true; /* [A-Za-z_][A-Za-z0-9_]* so far: "=" makes an assignment */

    t->kind = T_WORD;
    while (lx->i < n) {
        unsigned char c = (unsigned char)s[lx->i];
        if (c == ' ' || c == '\t' || c == '\f' || c == '\v' || is_operator_char(c)) {
            /* "$(" inside a word: the word ends where the substitution starts;
             * "<(" ">(" likewise. */
            break;
        }
        if (c == '\'' || c == '"') {
            lx->i++; /* quote removal */
            continue;
        }
        if (c == '\\') {
            unsigned char d = lx->i + 1 < n ? (unsigned char)s[lx->i + 1] : 0;
            if (d == '\n' || d == '\r') {
                lx->i += 2; /* line continuation */
                continue;
            }
            /* A Windows path keeps its separators ("\\host\share",
             * "C:\dir\file", "..\..\x"): read them as '/'. Anywhere else a
             * backslash escapes the next character, which stays itself
             * ("c\at" is cat). */
            if (windows_path_so_far(t)) {
                word_push(t, '/');
            } else if (d) {
                word_push(t, d);
                lx->i++;
            }
            lx->i++;
            continue;
        }
        if (c == '^' && t->wl > 0 && lx->i + 1 < n && du_is_alnum((unsigned char)s[lx->i + 1])) {
            lx->i++; /* cmd.exe escape: p^ing */
            continue;
        }
        if (c == '$') {
            if (ifs_at(s, n, lx->i)) {
                break;
            }
            if ((k = empty_expansion_at(s, n, lx->i)) > 0) {
                lx->i += k;
                continue;
            }
            if (lx->i + 2 < n && s[lx->i + 1] == '(' && s[lx->i + 2] == '(') {
                /* $(( arithmetic )): copy through the matching "))" */
                size_t depth = 0;
                t->feat |= F_EXPAND;
                for (k = lx->i + 1; k < n && k < lx->i + 256; k++) {
                    if (s[k] == '(') {
                        depth++;
                    } else if (s[k] == ')' && --depth == 0) {
                        break;
                    }
                }
                lx->i = k < n ? k + 1 : n;
                word_push(t, '0');
                continue;
            }
            if (lx->i + 1 < n && s[lx->i + 1] == '(') {
                break; /* a substitution: its own token */
            }
            if (lx->i + 1 < n && s[lx->i + 1] == '{') {
                t->feat |= F_VAR;
                for (k = lx->i + 2; k < n && k < lx->i + 128 && s[k] != '}'; k++) {
                }
                lx->i = k < n ? k + 1 : n;
                word_push(t, '$');
                continue;
            }
            if (lx->i + 1 < n &&
                (du_is_alpha((unsigned char)s[lx->i + 1]) || s[lx->i + 1] == '_')) {
                t->feat |= F_VAR;
                lx->i++;
                while (lx->i < n && du_is_ident((unsigned char)s[lx->i])) {
                    lx->i++;
                }
                word_push(t, '$');
                continue;
            }
        }
        if (c == '%' && lx->i + 2 < n &&
            (du_is_alpha((unsigned char)s[lx->i + 1]) || s[lx->i + 1] == '_')) {
            /* %COMSPEC%, %TEMP%: cmd.exe variables */
            for (k = lx->i + 1; k < n && k < lx->i + 32 && du_is_ident((unsigned char)s[k]); k++) {
            }
            if (k < n && s[k] == '%') {
                t->feat |= F_VAR;
                lx->i = k + 1;
                word_push(t, '$');
                continue;
            }
        }
        if (c == '=' && name_so_far && t->wl > 0) {
            t->feat |= F_ASSIGN;
        }
        if (!(du_is_ident(c) || (c == '-' && t->wl > 0))) {
            name_so_far = false;
        }
        if (t->wl == 0 && du_is_digit(c)) {
            name_so_far = false;
        }
        word_push(t, c);
        lx->i++;
    }
}

static void classify_word(tok_t *t)
{
    const char *w = t->w;
    size_t n = t->wl < WORD_MAX - 1 ? t->wl : WORD_MAX - 1, k, dots = 0, labels_ok = 1, last = 0;
    bool digits = n > 0, ip = n > 0, alpha_tld = false;

    if (n == 0) {
        return;
    }
    if (w[0] == '-' && n > 1 && (du_is_alnum((unsigned char)w[1]) || w[1] == '-')) {
        t->feat |= F_OPTION;
    }
    if (w[0] == '/' || w[0] == '~' || (n > 1 && w[0] == '.' && (w[1] == '/' || w[1] == '.')) ||
        (n > 2 && du_is_alpha((unsigned char)w[0]) && w[1] == ':' && w[2] == '/')) {
        t->feat |= F_PATH;
    }
    if (w[0] == '{' && memchr(w, ',', n) && w[n - 1] == '}') {
        t->feat |= F_BRACE;
    }
    for (k = 0; k + 2 < n; k++) {
        if (w[k] == ':' && w[k + 1] == '/' && w[k + 2] == '/' && k > 0) {
            t->feat |= F_URL;
            break;
        }
    }
    for (k = 0; k < n; k++) {
        unsigned char c = (unsigned char)w[k];
        if (!du_is_digit(c)) {
            digits = false;
        }
        if (!du_is_digit(c) && c != '.') {
            ip = false;
        }
        if (c == '.') {
            if (k == last) {
                labels_ok = 0;
            }
            dots++;
            last = k + 1;
        } else if (!du_is_alnum(c) && c != '-' && c != '_') {
            labels_ok = 0;
        }
    }
    if (digits) {
        t->feat |= F_NUM;
    }
    if (ip && dots == 3) {
        t->feat |= F_IP;
    }
    /* host.name.tld: labels of letters, digits and '-', a last label of two
     * or more letters ("somehost.example.net", not "No." nor "e.g."). */
    if (labels_ok && dots >= 1 && last < n && n - last >= 2) {
        alpha_tld = true;
        for (k = last; k < n; k++) {
            if (!du_is_alpha((unsigned char)w[k])) {
                alpha_tld = false;
            }
        }
        if (alpha_tld) {
            t->feat |= F_HOST;
        }
    }
    if (!(t->feat & F_PATH) && n > 5 && memchr(w, '/', n) &&
        (memmem(w, n, "/etc/", 5) || memmem(w, n, "/bin/", 5) || memmem(w, n, "/tmp/", 5) ||
         memmem(w, n, "/dev/", 5))) {
        t->feat |= F_PATH;
    }
}

static void lex(lexer_t *lx, tok_t *t)
{
    const char *s = lx->s;
    size_t n = lx->n;

    memset(t, 0, sizeof(*t));
    skip_blanks(lx);
    t->start = lx->i;
    if (lx->i >= n) {
        t->kind = T_END;
        t->end = n;
        return;
    }
    unsigned char c = (unsigned char)s[lx->i];
    unsigned char d = lx->i + 1 < n ? (unsigned char)s[lx->i + 1] : 0;
    switch (c) {
    case '\n':
    case '\r':
    case ';':
        t->kind = T_SEP;
        lx->i++;
        break;
    case '&':
        if (d == '&') {
            t->kind = T_STRONG;
            lx->i += 2;
        } else if (d == '>') {
            t->kind = T_REDIR;
            lx->i += 2;
        } else {
            t->kind = T_SEP;
            lx->i++;
        }
        break;
    case '|':
        t->kind = T_STRONG;
        lx->i += (d == '|' || d == '&') ? 2 : 1;
        break;
    case '`':
        t->kind = lx->in_backtick ? T_CLOSE : T_SUBST;
        lx->in_backtick = !lx->in_backtick;
        lx->i++;
        break;
    case '$':
        if (d == '(' && !(lx->i + 2 < n && s[lx->i + 2] == '(')) {
            t->kind = T_SUBST;
            lx->i += 2;
        } else {
            lex_word(lx, t);
        }
        break;
    case '(':
        t->kind = T_OPEN;
        lx->i++;
        break;
    case ')':
        t->kind = T_CLOSE;
        lx->i++;
        break;
    case '<':
    case '>':
        if (d == '(') {
            t->kind = T_SUBST;
            lx->i += 2;
        } else {
            t->kind = T_REDIR;
            lx->i++;
            while (lx->i < n && (s[lx->i] == '<' || s[lx->i] == '>' || s[lx->i] == '&')) {
                lx->i++;
            }
        }
        break;
    case '{':
        if (d == ' ' || d == '\t') {
            t->kind = T_OPEN;
            lx->i++;
            break;
        }
        lex_word(lx, t);
        break;
    case '}':
        t->kind = T_CLOSE;
        lx->i++;
        break;
    default:
        lex_word(lx, t);
        break;
    }
    if (t->kind == T_WORD && lx->i == t->start) {
        /* "$(" reached lex_word through default: consume as an operator */
        if (lx->i + 1 < n && s[lx->i] == '$' && s[lx->i + 1] == '(') {
            t->kind = T_SUBST;
            lx->i += 2;
        } else {
            lx->i++; /* never stall */
        }
    }
    t->end = lx->i;
}

/* ---- command positions ---------------------------------------------------- */

enum { POS_START, POS_SEP, POS_STRONG, POS_SUBST };

enum { EV_NONE = 0, EV_END, EV_MEDIUM, EV_STRONG };

/* The command name a word stands for: a path is reduced to its last
 * component ("/bin/sh", "C:/Windows/System32/cmd.exe"), ".exe" dropped.
 * A word that contains '/' without starting like a path ("curl/7.68",
 * "and/or") names no command. */
static const cmd_t *command_of(const tok_t *t, bool *bin_path)
{
    const char *w = t->w;
    size_t n = t->wl, k, base = 0;

    *bin_path = false;
    if (n == 0 || n >= WORD_MAX || (t->feat & (F_VAR | F_URL))) {
        return NULL;
    }
    for (k = 0; k < n; k++) {
        if (w[k] == '/') {
            base = k + 1;
        }
    }
    if (base > 0) {
        if (!(t->feat & F_PATH)) {
            return NULL;
        }
        /* a program in a bin directory, or one named by wildcards
         * ("/???/??t" for /bin/cat) */
        *bin_path = du_prefix(w, n, "/bin/") || du_prefix(w, n, "/usr/bin/") ||
                    du_prefix(w, n, "/sbin/") || du_prefix(w, n, "/usr/sbin/") ||
                    du_prefix(w, n, "/usr/local/bin/") || du_prefix(w, n, "/tmp/") ||
                    (w[0] == '/' && (memchr(w, '?', n) || memchr(w, '*', n)));
    }
    w += base;
    n -= base;
    if (n > 4 && du_prefix_ci(w + n - 4, 4, ".exe")) {
        n -= 4;
    }
    return lookup_command(w, n);
}

/* A brace expansion {cmd,arg,...} at a command position: the command and
 * the evidence its arguments carry. */
static const cmd_t *brace_command(const tok_t *t, int *ev)
{
    const char *w = t->w + 1;
    size_t n = (t->wl < WORD_MAX - 1 ? t->wl : WORD_MAX - 1) - 2;
    const char *comma = memchr(w, ',', n);
    tok_t first = {0};

    if (!comma || comma == w) {
        return NULL;
    }
    first.wl = (size_t)(comma - w);
    memcpy(first.w, w, first.wl);
    classify_word(&first);
    *ev = memchr(comma, '/', (size_t)(w + n - comma)) || memchr(comma, '-', (size_t)(w + n - comma))
              ? EV_STRONG
              : EV_MEDIUM;
    bool bin;
    return command_of(&first, &bin);
}

static int word_evidence(const tok_t *t)
{
    if (t->feat & (F_OPTION | F_PATH | F_URL | F_IP | F_VAR | F_EXPAND)) {
        return EV_STRONG;
    }
    if (t->feat & F_HOST) {
        return EV_MEDIUM;
    }
    return EV_NONE;
}

typedef struct {
    lexer_t lx;
    tok_t tok; /* current token */
} scan_t;

static void advance(scan_t *sc)
{
    lex(&sc->lx, &sc->tok);
}

/* At a command position (sc->tok is its first token). Reads the command and
 * up to MAX_ARGS arguments, leaving sc->tok on the token after them. */
static bool judge_command(scan_t *sc, int pos, rp_detect_result_t *out)
{
    const cmd_t *cmd = NULL;
    bool bin = false;
    size_t start, end;
    int ev = EV_NONE, args = 0;
    char name[WORD_MAX];
    size_t name_len;

    /* Groups and assignments in front of the command: "(id)", "{ id; }",
     * "X=1 cmd". */
    while (sc->tok.kind == T_OPEN ||
           (sc->tok.kind == T_WORD && (sc->tok.feat & F_ASSIGN) && args++ < MAX_ARGS)) {
        advance(sc);
    }
    if (sc->tok.kind != T_WORD) {
        return false;
    }
    classify_word(&sc->tok);
    start = sc->tok.start;
    end = sc->tok.end;
    name_len = sc->tok.wl < WORD_MAX - 1 ? sc->tok.wl : WORD_MAX - 1;
    memcpy(name, sc->tok.w, name_len);
    if (sc->tok.feat & F_BRACE) {
        const char *comma = memchr(name, ',', name_len);
        name_len = comma ? (size_t)(comma - name) - 1 : 0;
        memmove(name, name + 1, name_len);
        cmd = brace_command(&sc->tok, &ev);
    } else {
        cmd = command_of(&sc->tok, &bin);
    }
    if (!cmd && !bin) {
        advance(sc);
        return false;
    }
    static const cmd_t any_binary = {"", CMD_UNIX | CMD_PLAIN};
    if (!cmd) {
        cmd = &any_binary; /* /usr/bin/anything */
    }
    advance(sc);
    args = 0;
    if (sc->tok.kind != T_WORD && sc->tok.kind != T_REDIR && ev == EV_NONE) {
        ev = EV_END;
    }
    while (args < MAX_ARGS) {
        if (sc->tok.kind == T_WORD) {
            classify_word(&sc->tok);
            int e = word_evidence(&sc->tok);
            bool num = (sc->tok.feat & F_NUM) != 0;
            if (e > ev) {
                ev = e;
            }
            end = sc->tok.end;
            args++;
            advance(sc);
            /* "; sleep 5", "|| ping -n 10": a number that ends the command
             * of a time-based probe ("sleep 8 hours" is prose). */
            if (num && (cmd->flags & CMD_WAIT) && sc->tok.kind != T_WORD && ev < EV_MEDIUM) {
                ev = EV_MEDIUM;
            }
            continue;
        }
        if (sc->tok.kind == T_SUBST) {
            ev = EV_STRONG; /* "echo $(id)" */
            end = sc->tok.end;
        } else if (sc->tok.kind == T_REDIR) {
            /* "cat</etc/passwd", "echo x >/tmp/y", "2>&1": a redirection
             * to a file, a descriptor or a variable ("more -> details" is
             * prose) */
            size_t rend = sc->tok.end;
            bool fd = rend > 0 && sc->lx.s[rend - 1] == '&';
            advance(sc);
            if (sc->tok.kind == T_WORD) {
                classify_word(&sc->tok);
            }
            if (fd || (sc->tok.kind == T_WORD &&
                       (sc->tok.feat & (F_PATH | F_NUM | F_VAR | F_EXPAND | F_URL)))) {
                ev = EV_STRONG;
                end = sc->tok.end;
            }
        }
        break;
    }
    bool hit;
    switch (pos) {
    case POS_SUBST:
        hit = true;
        break;
    case POS_STRONG:
        hit = ev >= EV_MEDIUM || ev == EV_END || (cmd->flags & CMD_PLAIN);
        break;
    case POS_SEP:
        hit = ev >= EV_MEDIUM || (ev == EV_END && (cmd->flags & CMD_PLAIN));
        break;
    default:
        hit = ev == EV_STRONG || (ev == EV_MEDIUM && (cmd->flags & CMD_PLAIN));
        break;
    }
    if (hit) {
        /* the fingerprint names the program: "/bin/sh" and "cmd.exe" are
         * sh and cmd */
        size_t b = name_len;
        while (b > 0 && name[b - 1] != '/') {
            b--;
        }
        if (name_len - b > 4 && du_prefix_ci(name + name_len - 4, 4, ".exe")) {
            name_len -= 4;
        }
        du_result(out, "cmd:", name + b, name_len - b, start, end - start);
    }
    return hit;
}

/* Where the next operator could start (or a '$' that may open one). */
static size_t next_operator(const char *s, size_t n, size_t i)
{
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ';' || c == '&' || c == '|' || c == '`' || c == '\n' || c == '\r' || c == '$' ||
            c == '<' || c == '>' || c == ')' || c == '}') {
            return i;
        }
    }
    return n;
}

/* Bytes that can start a command position other than the value's start;
 * without any of them and without a blank, only "cmd" alone could be
 * there, and a lone word is not an injection. */
static bool worth_scanning(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == ';' || c == '|' || c == '&' || c == '`' || c == '$' || c == '\n' ||
            c == '\r' || c == '\t' || c == '<' || c == '>' || c == '{' || c == '(') {
            return true;
        }
    }
    return false;
}

bool rp_detect_cmdi(const char *input, size_t len, rp_detect_result_t *out)
{
    scan_t sc;
    int pos = POS_START;

    if (!input || len == 0 || !worth_scanning(input, len)) {
        return false;
    }
    memset(&sc, 0, sizeof(sc));
    sc.lx.s = input;
    sc.lx.n = len;
    advance(&sc);
    while (sc.tok.kind != T_END) {
        switch (sc.tok.kind) {
        case T_SEP:
            pos = POS_SEP;
            advance(&sc);
            continue;
        case T_STRONG:
            pos = POS_STRONG;
            advance(&sc);
            continue;
        case T_SUBST:
            pos = POS_SUBST;
            advance(&sc);
            continue;
        case T_REDIR:
        case T_CLOSE:
            pos = -1;
            advance(&sc);
            continue;
        default:
            break;
        }
        if (pos >= 0 && judge_command(&sc, pos, out)) {
            return true;
        }
        /* The rest of a command's words are arguments, not commands: skip
         * to the next byte that can start an operator without lexing them. */
        if (sc.tok.kind == T_WORD || sc.tok.kind == T_OPEN) {
            sc.lx.i = next_operator(input, len, sc.lx.i);
            advance(&sc);
        }
        pos = -1;
    }
    return false;
}
