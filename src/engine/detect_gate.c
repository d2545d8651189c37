/*
 * detect_gate.c — rp_detect_gate(): which detectors can match a value.
 *
 * Most values of real traffic (a User-Agent, an Accept list, a host name, a
 * session id, Chinese text) hold nothing any detector looks for, yet each
 * detector would scan them to find that out. Every detector's matches need
 * some short piece of text: a pair of adjacent bytes ("(|" for an LDAP
 * filter, "${" or "<%" for a template, "b." of "db." for MongoDB, ".." for a
 * traversal, ":/" for a URL), a byte (a line break for CRLF injection), or
 * a word (a command name for command injection). One pass over the value
 * collects them all; a detector whose pieces are all absent cannot match
 * and is not called.
 *
 * Each byte is looked up once in `bytes`: what it is as the second byte of
 * a pair (`second`) and which second bytes complete a pair after it
 * (`first`). A pair bit is kept when the previous byte wanted it. Bits are
 * grouped per detector, so sharing a bit between first bytes only ever
 * admits more pairs (a detector is called more often, never less).
 *
 * The conditions, read off each detector's code (its early exits and the
 * first bytes of every construct it matches):
 *   cmdi       a quote, escape or expansion (they rewrite words), or a word
 *              where the shell lexer looks for a command that names a known
 *              command or a program in a bin directory
 *   ssti       an opener: ${ $x {{ {% {p.. #{ *{ %{ #x @( <% <? <# </ <! <e
 *              [# ?n ?a ?e
 *   deser      AC ED, 00 01, O: C:, !! !p !r, "@ "$ "_ "j, a line break
 *              (pickle text), or a Base64 signature's first pair
 *              (rO ac AA gA BA) in a value long enough for its payload
 *   nosql      $x, b. s. (db. this.), p( (sleep), wh (while), '{' (do{),
 *              "return "/"var " at the start or after a statement break
 *   traversal  two dots in a row (ASCII, full-width, overlong), "\\", or a
 *              pair each sensitive name holds (.s .b .i .d ql aw nf gi vn cc
 *              sw nv tc oc pu m3 r/, any case)
 *   ssrf       ':' then a slash or jar:'s inner scheme; or '.' then a letter
 *              with a pair of an out-of-band host name (oa ra rp dn ye qu xs yt)
 *   ldap       (& (| (! )( :=
 *   crlf       a line break
 */
#include "detect_gate.h"

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(RP_GATE_BYTEWISE)
#include <emmintrin.h>
#endif

#include "policy_t.h"

/* Bits a byte sets on its own. */
#define B_CMD    (UINT64_C(1) << 0) /* cmdi's own scan trigger: blank, operator */
#define B_CMDX   (UINT64_C(1) << 1) /* rewrites a shell word: ' " \ ^ $ % { */
#define B_LINE   (UINT64_C(1) << 2) /* \r \n */
#define B_LF     (UINT64_C(1) << 3) /* \n */
#define B_LBRACE (UINT64_C(1) << 4) /* { */
#define B_BREAK  (UINT64_C(1) << 5) /* ; ' " { | & : a statement break */
#define B_ALL    ((UINT64_C(1) << 6) - 1)

/* Second bytes of pairs, per detector. */
#define P_SSTI_BRACE (UINT64_C(1) << 6)  /* { after $ { # * % */
#define P_SSTI_IDENT (UINT64_C(1) << 7)  /* letter, _ after $ # */
#define P_SSTI_CURLY (UINT64_C(1) << 8)  /* % $ p s e a f S i after { */
#define P_SSTI_AT    (UINT64_C(1) << 9)  /* ( after @ */
#define P_SSTI_LT    (UINT64_C(1) << 10) /* % ? # / ! e E after < */
#define P_SSTI_HASH  (UINT64_C(1) << 11) /* # after [ */
#define P_SSTI_QUERY (UINT64_C(1) << 12) /* n a e after ? */
#define P_NOSQL_OP   (UINT64_C(1) << 13) /* letter after $ */
#define P_NOSQL_DOT  (UINT64_C(1) << 14) /* . after b s (db. this.) */
#define P_NOSQL_CALL (UINT64_C(1) << 15) /* ( after p (sleep() */
#define P_NOSQL_LOOP (UINT64_C(1) << 16) /* h after w (while) */
#define P_NOSQL_STMT (UINT64_C(1) << 17) /* blank after n r ("return ", "var ") */
#define P_DESER_ED   (UINT64_C(1) << 18) /* ED after AC */
#define P_DESER_NET  (UINT64_C(1) << 19) /* 01 after 00 */
#define P_DESER_PHP  (UINT64_C(1) << 20) /* : after O C */
#define P_DESER_YAML (UINT64_C(1) << 21) /* ! p r after ! */
#define P_DESER_TYPE (UINT64_C(1) << 22) /* @ $ _ j after " */
#define P_DESER_B64  (UINT64_C(1) << 23) /* O c C A after r a A g B */
#define P_SSRF_URL   (UINT64_C(1) << 24) /* / \ h H f F after : */
#define P_SSRF_HOST  (UINT64_C(1) << 25) /* letter after . */
#define P_OAST_A     (UINT64_C(1) << 26) /* oa ra: oast, interact */
#define P_OAST_P     (UINT64_C(1) << 27) /* rp: burpcollaborator */
#define P_OAST_N     (UINT64_C(1) << 28) /* dn: dnslog */
#define P_OAST_E     (UINT64_C(1) << 29) /* ye: ceye */
#define P_OAST_U     (UINT64_C(1) << 30) /* qu: requestrepo, requestbin */
#define P_OAST_S     (UINT64_C(1) << 31) /* xs: bxss, xss */
#define P_OAST_T     (UINT64_C(1) << 32) /* yt: canarytokens */
#define P_LDAP_OP    (UINT64_C(1) << 33) /* & | ! after ( */
#define P_LDAP_OPEN  (UINT64_C(1) << 34) /* ( after ) */
#define P_LDAP_EQ    (UINT64_C(1) << 35) /* = after : */
#define P_TRAV_DOT   (UINT64_C(1) << 36) /* a dot's first byte after a dot's last */
#define P_TRAV_UNC   (UINT64_C(1) << 37) /* \ after \ */
#define P_TRAV_DOTX  (UINT64_C(1) << 38) /* .s .b .i .d: .ssh .bash .ini .dat */
#define P_TRAV_R     (UINT64_C(1) << 39) /* r/: var/ repair/ */
#define P_TRAV_F     (UINT64_C(1) << 40) /* nf: config, -inf */
#define P_TRAV_L     (UINT64_C(1) << 41) /* ql: .mysql_history */
#define P_TRAV_I     (UINT64_C(1) << 42) /* gi: .git/head */
#define P_TRAV_N     (UINT64_C(1) << 43) /* vn: .svn */
#define P_TRAV_C     (UINT64_C(1) << 44) /* cc tc oc: .htaccess etc/ proc/ */
#define P_TRAV_W     (UINT64_C(1) << 45) /* sw aw: .htpasswd .aws */
#define P_TRAV_V     (UINT64_C(1) << 46) /* nv: .env */
#define P_TRAV_U     (UINT64_C(1) << 47) /* pu: inetpub */
#define P_TRAV_3     (UINT64_C(1) << 48) /* m3: system32 */

/* Byte classes for the word scans (never accumulated). */
#define C_BLANK    (UINT64_C(1) << 56) /* shell blank */
#define C_WORD_END (UINT64_C(1) << 57) /* ends a shell word */
#define C_COMMAND  (UINT64_C(1) << 58) /* a command may follow */

#define G_SSTI                                                                                     \
    (P_SSTI_BRACE | P_SSTI_IDENT | P_SSTI_CURLY | P_SSTI_AT | P_SSTI_LT | P_SSTI_HASH |            \
     P_SSTI_QUERY)
#define G_NOSQL (P_NOSQL_OP | P_NOSQL_DOT | P_NOSQL_CALL | P_NOSQL_LOOP | B_LBRACE)
#define G_DESER (P_DESER_ED | P_DESER_NET | P_DESER_PHP | P_DESER_YAML | P_DESER_TYPE | B_LF)
#define G_OAST  (P_OAST_A | P_OAST_P | P_OAST_N | P_OAST_E | P_OAST_U | P_OAST_S | P_OAST_T)
#define G_TRAV                                                                                     \
    (P_TRAV_DOT | P_TRAV_UNC | P_TRAV_DOTX | P_TRAV_R | P_TRAV_F | P_TRAV_L | P_TRAV_I |           \
     P_TRAV_N | P_TRAV_C | P_TRAV_W | P_TRAV_V | P_TRAV_U | P_TRAV_3)
#define G_LDAP (P_LDAP_OP | P_LDAP_OPEN | P_LDAP_EQ)

/* A Base64 signature needs this many bytes (detect_deser.c: more than
 * MIN_B64_PAYLOAD alphabet bytes from its start). */
#define DESER_B64_MIN 25

typedef struct {
    uint64_t second; /* B_* and the pair bits this byte completes */
    uint64_t first;  /* the pair bits a next byte may complete */
} gate_byte_t;

#define LETTER (P_SSTI_IDENT | P_NOSQL_OP | P_SSRF_HOST)

/* One line per byte that matters: what it completes as a second byte, and
 * what it wants after it. */
static const gate_byte_t bytes[256] = {
    [0x00] = {0, P_DESER_NET},
    [0x01] = {P_DESER_NET, 0},
    ['\t'] = {B_CMD | C_BLANK | C_WORD_END, 0},
    ['\n'] = {B_CMD | B_LINE | B_LF | C_WORD_END | C_COMMAND, 0},
    ['\v'] = {C_BLANK | C_WORD_END, 0},
    ['\f'] = {C_BLANK | C_WORD_END, 0},
    ['\r'] = {B_CMD | B_LINE | C_WORD_END | C_COMMAND, 0},
    [' '] = {B_CMD | P_NOSQL_STMT | C_BLANK | C_WORD_END, 0},
    ['!'] = {P_SSTI_LT | P_DESER_YAML | P_LDAP_OP, P_DESER_YAML},
    ['"'] = {B_CMDX | B_BREAK, P_DESER_TYPE},
    ['#'] = {P_SSTI_LT | P_SSTI_HASH, P_SSTI_BRACE | P_SSTI_IDENT},
    ['$'] = {B_CMD | B_CMDX | P_SSTI_CURLY | P_DESER_TYPE,
             P_SSTI_BRACE | P_SSTI_IDENT | P_NOSQL_OP},
    ['%'] = {B_CMDX | P_SSTI_CURLY | P_SSTI_LT, P_SSTI_BRACE},
    ['&'] = {B_CMD | B_BREAK | P_LDAP_OP | C_WORD_END | C_COMMAND, 0},
    ['\''] = {B_CMDX | B_BREAK, 0},
    ['('] = {B_CMD | P_SSTI_AT | P_NOSQL_CALL | P_LDAP_OPEN | C_WORD_END, P_LDAP_OP},
    [')'] = {C_WORD_END, P_LDAP_OPEN},
    ['*'] = {0, P_SSTI_BRACE},
    ['.'] = {P_NOSQL_DOT | P_TRAV_DOT, P_SSRF_HOST | P_TRAV_DOT | P_TRAV_DOTX},
    ['/'] = {P_SSTI_LT | P_SSRF_URL | P_TRAV_R, 0},
    ['3'] = {P_TRAV_3, 0},
    [':'] = {P_DESER_PHP, P_SSRF_URL | P_LDAP_EQ},
    [';'] = {B_CMD | B_BREAK | C_WORD_END | C_COMMAND, 0},
    ['<'] = {B_CMD | C_WORD_END, P_SSTI_LT},
    ['='] = {P_LDAP_EQ, 0},
    ['>'] = {B_CMD | C_WORD_END, 0},
    ['?'] = {P_SSTI_LT, P_SSTI_QUERY},
    ['@'] = {P_DESER_TYPE, P_SSTI_AT},
    ['A'] = {LETTER | P_DESER_B64 | P_OAST_A, P_DESER_B64 | P_TRAV_W},
    ['B'] = {LETTER | P_TRAV_DOTX, P_DESER_B64},
    ['C'] = {LETTER | P_DESER_B64 | P_TRAV_C, P_DESER_PHP | P_TRAV_C},
    ['D'] = {LETTER | P_TRAV_DOTX, P_OAST_N},
    ['E'] = {LETTER | P_SSTI_LT | P_OAST_E, 0},
    ['F'] = {LETTER | P_SSRF_URL | P_TRAV_F, 0},
    ['G'] = {LETTER, P_TRAV_I},
    ['H'] = {LETTER | P_SSRF_URL, 0},
    ['I'] = {LETTER | P_TRAV_DOTX | P_TRAV_I, 0},
    ['J'] = {LETTER, 0},
    ['K'] = {LETTER, 0},
    ['L'] = {LETTER | P_TRAV_L, 0},
    ['M'] = {LETTER, P_TRAV_3},
    ['N'] = {LETTER | P_OAST_N | P_TRAV_N, P_TRAV_F | P_TRAV_V},
    ['O'] = {LETTER | P_DESER_B64, P_DESER_PHP | P_OAST_A | P_TRAV_C},
    ['P'] = {LETTER | P_OAST_P, P_TRAV_U},
    ['Q'] = {LETTER, P_OAST_U | P_TRAV_L},
    ['R'] = {LETTER, P_OAST_A | P_OAST_P | P_TRAV_R},
    ['S'] = {LETTER | P_SSTI_CURLY | P_OAST_S | P_TRAV_DOTX, P_TRAV_W},
    ['T'] = {LETTER | P_OAST_T, P_TRAV_C},
    ['U'] = {LETTER | P_OAST_U | P_TRAV_U, 0},
    ['V'] = {LETTER | P_TRAV_V, P_TRAV_N},
    ['W'] = {LETTER | P_TRAV_W, 0},
    ['X'] = {LETTER, P_OAST_S},
    ['Y'] = {LETTER, P_OAST_E | P_OAST_T},
    ['Z'] = {LETTER, 0},
    ['['] = {0, P_SSTI_HASH},
    ['\\'] = {B_CMDX | P_SSRF_URL | P_TRAV_UNC | P_TRAV_R, P_TRAV_UNC},
    ['^'] = {B_CMDX, 0},
    ['_'] = {P_SSTI_IDENT | P_DESER_TYPE, 0},
    ['`'] = {B_CMD | C_WORD_END | C_COMMAND, 0},
    ['a'] = {LETTER | P_SSTI_CURLY | P_SSTI_QUERY | P_OAST_A, P_DESER_B64 | P_TRAV_W},
    ['b'] = {LETTER | P_TRAV_DOTX, P_NOSQL_DOT},
    ['c'] = {LETTER | P_DESER_B64 | P_TRAV_C, P_TRAV_C},
    ['d'] = {LETTER | P_TRAV_DOTX, P_OAST_N},
    ['e'] = {LETTER | P_SSTI_CURLY | P_SSTI_LT | P_SSTI_QUERY | P_OAST_E, 0},
    ['f'] = {LETTER | P_SSTI_CURLY | P_SSRF_URL | P_TRAV_F, 0},
    ['g'] = {LETTER, P_DESER_B64 | P_TRAV_I},
    ['h'] = {LETTER | P_NOSQL_LOOP | P_SSRF_URL, 0},
    ['i'] = {LETTER | P_SSTI_CURLY | P_TRAV_DOTX | P_TRAV_I, 0},
    ['j'] = {LETTER | P_DESER_TYPE, 0},
    ['k'] = {LETTER, 0},
    ['l'] = {LETTER | P_TRAV_L, 0},
    ['m'] = {LETTER, P_TRAV_3},
    ['n'] = {LETTER | P_SSTI_QUERY | P_OAST_N | P_TRAV_N, P_NOSQL_STMT | P_TRAV_F | P_TRAV_V},
    ['o'] = {LETTER, P_OAST_A | P_TRAV_C},
    ['p'] = {LETTER | P_SSTI_CURLY | P_DESER_YAML | P_OAST_P, P_NOSQL_CALL | P_TRAV_U},
    ['q'] = {LETTER, P_OAST_U | P_TRAV_L},
    ['r'] = {LETTER | P_DESER_YAML, P_NOSQL_STMT | P_DESER_B64 | P_OAST_A | P_OAST_P | P_TRAV_R},
    ['s'] = {LETTER | P_SSTI_CURLY | P_OAST_S | P_TRAV_DOTX, P_NOSQL_DOT | P_TRAV_W},
    ['t'] = {LETTER | P_OAST_T, P_TRAV_C},
    ['u'] = {LETTER | P_OAST_U | P_TRAV_U, 0},
    ['v'] = {LETTER | P_TRAV_V, P_TRAV_N},
    ['w'] = {LETTER | P_TRAV_W, P_NOSQL_LOOP},
    ['x'] = {LETTER, P_OAST_S},
    ['y'] = {LETTER, P_OAST_E | P_OAST_T},
    ['z'] = {LETTER, 0},
    ['{'] = {B_CMD | B_CMDX | B_LBRACE | B_BREAK | P_SSTI_BRACE, P_SSTI_BRACE | P_SSTI_CURLY},
    ['|'] = {B_CMD | B_BREAK | P_LDAP_OP | C_WORD_END | C_COMMAND, 0},
    [0x8E] = {0, P_TRAV_DOT},
    [0xAC] = {0, P_DESER_ED},
    [0xAE] = {0, P_TRAV_DOT},
    [0xC0] = {P_TRAV_DOT | P_TRAV_R, 0},
    [0xC1] = {P_TRAV_R, 0},
    [0xE0] = {P_TRAV_DOT | P_TRAV_R, 0},
    [0xE2] = {P_TRAV_R, 0},
    [0xED] = {P_DESER_ED, 0},
    [0xEF] = {P_TRAV_DOT | P_TRAV_R, 0},
};

/* ---- cmdi: command names between word boundaries -------------------------- */

static bool is(unsigned char c, uint64_t cls)
{
    return (bytes[c].second & cls) != 0;
}

/* Does a shell word name a program the detector knows: its last path
 * component ("/bin/sh", "C:/x/cmd.exe") without ".exe", or any program in a
 * bin directory or named by wildcards ("/usr/bin/x", "/???/??t")? Read as
 * detect_cmdi.c's command_of() reads it, only more loosely. */
static bool word_names_command(const char *w, size_t n)
{
    size_t base = 0, k;

    for (k = 0; k < n; k++) {
        if (w[k] == '/') {
            base = k + 1;
        }
    }
    if (base > 0 && w[0] == '/' &&
        (memmem(w, n, "bin/", 4) || memmem(w, n, "/tmp/", 5) || memchr(w, '?', n) ||
         memchr(w, '*', n))) {
        return true;
    }
    /* every name is two or more bytes and starts with a letter
     * (rp_cmdi_table_ok) */
    if (n - base < 2 || !((unsigned char)((w[base] | 32) - 'a') < 26)) {
        return false;
    }
    if (n - base > 4 && w[n - 4] == '.' && (w[n - 3] | 32) == 'e' && (w[n - 2] | 32) == 'x' &&
        (w[n - 1] | 32) == 'e') {
        n -= 4;
    }
    return rp_cmdi_command_name(w + base, n - base);
}

/* Without bytes that rewrite words, the words the shell lexer reads are the
 * bytes between blanks and operators, and it looks a command up only in the
 * first word after the start, a separator (; & | newline), a backquote or
 * a process substitution "<(" (past groups "(" and assignments "X=1 cmd");
 * the other words are arguments, and after a redirection or a ')' none is
 * judged until the next operator. Where this reads the shell loosely (any
 * '&' or backquote, any word with a '=' up to MAX_ASSIGN of them), it
 * judges more words than the detector, never fewer. */
#define MAX_ASSIGN 8
static bool has_command_word(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    bool position = true;
    int assignments = 0;
    size_t i = 0;

    while (i < n) {
        unsigned char c = u[i];
        if (is(c, C_BLANK) || c == '(') {
            i++;
            continue;
        }
        if (is(c, C_WORD_END)) {
            position = is(c, C_COMMAND) || ((c == '<' || c == '>') && i + 1 < n && u[i + 1] == '(');
            assignments = 0;
            i++;
            continue;
        }
        size_t j = i;
        bool assignment = false;
        while (j < n && !is(u[j], C_WORD_END)) {
            assignment |= u[j] == '=';
            j++;
        }
        if (position && word_names_command(s + i, j - i)) {
            return true;
        }
        position = assignment && ++assignments < MAX_ASSIGN;
        i = j;
        if (!position) {
            /* arguments: on to the next operator */
            while (i < n && !is(u[i], C_COMMAND) && u[i] != '<' && u[i] != '>') {
                i++;
            }
        }
    }
    return false;
}

static bool cmdi_may(const char *s, size_t n, uint64_t acc)
{
    if (!(acc & B_CMD)) {
        return false;
    }
    return (acc & B_CMDX) || has_command_word(s, n);
}

/* ---- nosql: injected JavaScript statements ------------------------------- */

static bool statement_at(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    return (n - i >= 7 && memcmp(s + i, "return ", 7) == 0) ||
           (n - i >= 4 && memcmp(s + i, "var ", 4) == 0);
}

/* "return " and "var " count after a statement break or at the start. */
static bool nosql_statement(const char *s, size_t n, uint64_t acc)
{
    if (statement_at(s, n, 0)) {
        return true;
    }
    if (!(acc & B_BREAK)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((bytes[(unsigned char)s[i]].second & B_BREAK) && statement_at(s, n, i + 1)) {
            return true;
        }
    }
    return false;
}

#if defined(__SSE2__) && !defined(RP_GATE_BYTEWISE)
/* Are all 16 bytes at u inert: no bit as a second byte, none wanted after
 * them? Of the bytes >= 0x80 only the nine the table names are not, and no
 * ASCII byte is inert enough to matter, so a block qualifies when it is all
 * high bytes and none of the nine. tests/unit/detect_gate_skip_test.c holds
 * this to the byte-by-byte loop (RP_GATE_BYTEWISE). */
/* The live bytes of a block of 16 high bytes, one bit each; -1 when the
 * block holds an ASCII byte (then every byte is looked at). Of the bytes
 * >= 0x80 only the nine the table names are not inert, and no ASCII byte is
 * inert enough to matter. tests/unit/detect_gate_skip_test.c holds this to
 * the byte-by-byte loop (RP_GATE_BYTEWISE). */
static int block_live(const unsigned char *u)
{
    __m128i v = _mm_loadu_si128((const __m128i *)u);
    if (_mm_movemask_epi8(v) != 0xFFFF)
        return -1;
#define EQ(c) _mm_cmpeq_epi8(v, _mm_set1_epi8((char)(c)))
    __m128i live = _mm_or_si128(
        _mm_or_si128(_mm_or_si128(EQ(0x8E), EQ(0xAC)), _mm_or_si128(EQ(0xAE), EQ(0xC0))),
        _mm_or_si128(_mm_or_si128(EQ(0xC1), EQ(0xE0)),
                     _mm_or_si128(_mm_or_si128(EQ(0xE2), EQ(0xED)), EQ(0xEF))));
#undef EQ
    return _mm_movemask_epi8(live);
}
#endif

unsigned rp_detect_gate(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint64_t acc = 0, want = 0;
    unsigned may = 0;

    if (!s) {
        return 0;
    }
    size_t i = 0;
#if defined(__SSE2__) && !defined(RP_GATE_BYTEWISE)
    /* Blocks of 16 high bytes: Chinese text is mostly such blocks. An
     * inert byte sets nothing and wants nothing, so only the live ones
     * (a few of the nine the table names, where a character's bytes happen
     * to be 0x8E, 0xAC, 0xAE ...) are looked at, each with what the byte
     * before it wants; the block leaves what its last byte wants. */
    for (; i + 16 <= n; i += 16) {
        int live = block_live(u + i);
        if (live >= 0) {
            for (unsigned m = (unsigned)live; m; m &= m - 1) {
                size_t k = i + (size_t)__builtin_ctz(m);
                uint64_t before = k > i ? bytes[u[k - 1]].first : want;
                acc |= bytes[u[k]].second & (before | B_ALL);
            }
            want = bytes[u[i + 15]].first;
            continue;
        }
        for (size_t k = i; k < i + 16; k++) {
            const gate_byte_t *b = &bytes[u[k]];
            acc |= b->second & (want | B_ALL);
            want = b->first;
        }
    }
#endif
    for (; i < n; i++) {
        const gate_byte_t *b = &bytes[u[i]];
        acc |= b->second & (want | B_ALL);
        want = b->first;
    }
    if (n > 0 && cmdi_may(s, n, acc)) {
        may |= 1u << RP_DET_CMDI;
    }
    if (n >= 3 && (acc & G_SSTI)) {
        may |= 1u << RP_DET_SSTI;
    }
    if (n >= 4 && ((acc & G_DESER) || (n >= DESER_B64_MIN && (acc & P_DESER_B64)))) {
        may |= 1u << RP_DET_DESER;
    }
    if (n >= 3 && ((acc & G_NOSQL) || ((acc & P_NOSQL_STMT) && nosql_statement(s, n, acc)))) {
        may |= 1u << RP_DET_NOSQL;
    }
    if (n >= 3 && (acc & G_TRAV)) {
        may |= 1u << RP_DET_TRAVERSAL;
    }
    if (n >= 5 && ((acc & P_SSRF_URL) || ((acc & P_SSRF_HOST) && (acc & G_OAST)))) {
        may |= 1u << RP_DET_SSRF;
    }
    if (n >= 4 && (acc & G_LDAP)) {
        may |= 1u << RP_DET_LDAP;
    }
    if (n >= 3 && (acc & B_LINE)) {
        may |= 1u << RP_DET_CRLF;
    }
    return may;
}
