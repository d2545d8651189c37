/*
 * detect_xss.c — rp_detect_xss(): does this value make a browser run script?
 *
 * We do not know where the application will echo the value, so we ask the
 * question for each place it could land, with the HTML tokenizer of
 * html_tokenizer.c started in the matching state:
 *
 *   (a) HTML text           <p>VALUE</p>       tags, comments
 *   (b) double-quoted value <x a="VALUE">      needs a '"' to break out
 *   (c) single-quoted value <x a='VALUE'>      needs a '\''
 *   (d) unquoted value      <x a=VALUE>        needs a space or '>'
 *
 * and flag only what executes: a script-capable tag (script, iframe, object,
 * embed, base...), an event-handler attribute with a value, a URL attribute
 * whose value, decoded the way a browser decodes it, has a javascript:,
 * vbscript: or data:text/html scheme, dangerous CSS in a style attribute or
 * element, a meta refresh to such a URL. Harmless markup (rich-text editor
 * output, "a < b > c", "<zhang@example.cn>", "one=1") is tokenised too, and
 * found harmless, rather than rejected for containing '<'.
 *
 * Three smaller checks cover the other places a value lands:
 *   - the value is itself a URL (an href the application fills in):
 *     "javascript:alert(1)" but not "JavaScript: the basics", nor the
 *     no-op "javascript:void(0)" old editors still emit;
 *   - the value is script, or breaks out of a JS string into script:
 *     calls of the classic sinks (alert, prompt, confirm, eval, setTimeout,
 *     setInterval...), document.cookie/domain/write, constructor('...')
 *     (the AngularJS/Vue sandbox escape), top['alert'], .innerHTML=,
 *     tagged templates (.call`${alert}`), JSFuck;
 *   - the value is CSS: ":expression(", "url(javascript:", "-moz-binding:".
 *
 * If the text pass lost input to a comment or saw '<' inside a tag name, a
 * lenient text pass runs again without comments and with nested tags: "<!<script>" and
 * "<scr<script>ipt>" are inert to a browser but not to a filter that later strips the decoy.
 * Likewise a value with short tags inside its tokens ("o<x>nfocus=alert<x>(1)") is judged
 * again with those tags deleted, as a tag-stripping filter would echo it.
 *
 * Pure and fast: no allocation, no mutable globals, every pass linear. A
 * one-pass byte-class pre-check decides which passes can possibly match, so
 * plain text ("北京市朝阳区", "how to renew a passport?") costs one scan.
 */
#include "rampart/detect.h"

#include "html_tokenizer.h"

#include <stdint.h>
#include <string.h>

/* ---- results ------------------------------------------------------------ */

typedef struct {
    const char *fp_prefix; /* "tag:", "attr:" ... */
    const char *fp_name;   /* points into input or a literal */
    size_t fp_name_len;
    size_t offset;
    size_t length;
} hit_t;

static void set_hit(hit_t *h, const char *prefix, const char *name, size_t name_len, size_t off,
                    size_t len)
{
    h->fp_prefix = prefix;
    h->fp_name = name;
    h->fp_name_len = name_len;
    h->offset = off;
    h->length = len;
}

static void fill_result(const hit_t *h, rp_detect_result_t *out)
{
    size_t n = 0, i;

    if (!out) {
        return;
    }
    for (i = 0; h->fp_prefix[i] && n < RP_FINGERPRINT_MAX - 1; i++) {
        out->fingerprint[n++] = h->fp_prefix[i];
    }
    for (i = 0; i < h->fp_name_len && n < RP_FINGERPRINT_MAX - 1; i++) {
        unsigned char c = html_lower((unsigned char)h->fp_name[i]);
        if (c == 0) {
            continue; /* "<scr\0ipt>" reads as what it is meant to be */
        }
        /* The fingerprint goes into logs: keep it printable ASCII. */
        out->fingerprint[n++] = (c > 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out->fingerprint[n] = '\0';
    out->offset = h->offset;
    out->length = h->length;
}

/* ---- needles in a normalised stream ---------------------------------------
 * CSS and meta-refresh values are matched after undoing what a browser
 * undoes: character references (in attributes), CSS comments and backslash
 * escapes ("exp/ ** /ression", "\65xpression"), case, whitespace. The stream
 * keeps only its last 16 characters, so matching needs no buffer. */

typedef struct {
    const char *needle;
    const char *fp;
} needle_t;

enum { NORM_REFS = 1u << 0, NORM_CSS = 1u << 1 };

#define TAIL 16

typedef struct {
    unsigned char ring[TAIL];
    size_t count;
} tail_t;

static void tail_push(tail_t *t, unsigned char c)
{
    t->ring[t->count % TAIL] = c;
    t->count++;
}

static bool tail_ends_with(const tail_t *t, const char *needle)
{
    size_t nl = strlen(needle), k;

    if (nl > t->count || nl > TAIL) {
        return false;
    }
    for (k = 0; k < nl; k++) {
        if (t->ring[(t->count - nl + k) % TAIL] != (unsigned char)needle[k]) {
            return false;
        }
    }
    return true;
}

/* Feeds one decoded character; returns the matching needle or NULL. */
static const needle_t *tail_feed(tail_t *t, unsigned char c, const needle_t *needles)
{
    const needle_t *nd;

    if (html_is_space(c) || c == 0) {
        return NULL;
    }
    tail_push(t, html_lower(c));
    for (nd = needles; nd->needle; nd++) {
        size_t nl = strlen(nd->needle);
        if ((unsigned char)nd->needle[nl - 1] == html_lower(c) && tail_ends_with(t, nd->needle)) {
            return nd;
        }
    }
    return NULL;
}

static const needle_t *find_needle(const char *v, size_t len, unsigned norm,
                                   const needle_t *needles)
{
    const char *p = v, *end = v + len;
    tail_t t = {{0}, 0};
    bool in_comment = false;
    unsigned char prev = 0;
    const needle_t *nd;

    while (p < end) {
        int ci = (norm & NORM_REFS) ? html_next_char(&p, end) : (unsigned char)*p++;
        unsigned char c = (unsigned char)ci;

        if (norm & NORM_CSS) {
            if (in_comment) {
                if (prev == '*' && c == '/') {
                    in_comment = false;
                    c = 0; /* so that a following '*' does not close again */
                }
                prev = c;
                continue;
            }
            if (c == '*' && prev == '/') {
                /* Drop the '/' already pushed: it opened a comment. */
                if (t.count) {
                    t.count--;
                }
                in_comment = true;
                prev = 0;
                continue;
            }
            if (c == '\\' && p < end) {
                /* CSS escape: up to six hex digits and one optional space,
                 * or the next character taken literally. */
                unsigned long cp = 0;
                int digits = 0;
                while (p < end && digits < 6) {
                    unsigned char h = html_lower((unsigned char)*p);
                    int v2 = (h >= '0' && h <= '9')   ? h - '0'
                             : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                                                      : -1;
                    if (v2 < 0) {
                        break;
                    }
                    cp = cp * 16 + (unsigned long)v2;
                    digits++;
                    p++;
                }
                if (digits) {
                    if (p < end && html_is_space((unsigned char)*p)) {
                        p++;
                    }
                    c = (cp > 0 && cp < 0x80) ? (unsigned char)cp : 0x80;
                } else if (*p != '\n') {
                    c = (unsigned char)*p++;
                }
            }
        }
        prev = c;
        nd = tail_feed(&t, c, needles);
        if (nd) {
            return nd;
        }
    }
    return NULL;
}

static const needle_t css_in_style[] = {
    {"expression(", "css:expression"}, {"javascript:", "css:javascript"},
    {"vbscript:", "css:vbscript"},     {"-moz-binding", "css:moz-binding"},
    {"behavior:", "css:behavior"},     {NULL, NULL},
};

static const needle_t css_in_style_element[] = {
    {"expression(", "css:expression"},
    {"javascript:", "css:javascript"},
    {"vbscript:", "css:vbscript"},
    {"-moz-binding", "css:moz-binding"},
    {"behavior:", "css:behavior"},
    {"@import", "css:import"},
    {NULL, NULL},
};

/* A bare value is CSS only if it reads like a declaration. */
static const needle_t css_bare[] = {
    {":expression(", "css:expression"}, {"url(javascript:", "css:javascript"},
    {"url(vbscript:", "css:vbscript"},  {"-moz-binding:", "css:moz-binding"},
    {"behavior:url(", "css:behavior"},  {NULL, NULL},
};

static const needle_t meta_refresh[] = {
    {"url=javascript:", "meta:refresh"},
    {"url=vbscript:", "meta:refresh"},
    {"url=data:text/h", "meta:refresh"},
    {NULL, NULL},
};

/* ---- URL schemes ----------------------------------------------------------
 * Browsers strip leading C0 controls and spaces and every tab/CR/LF of a URL
 * before reading its scheme; we also drop NULs (old engines did). The value
 * of an attribute has its character references decoded first, which is how
 * "jav&#x61;script&colon;" and "java&Tab;script:" work. */

typedef struct {
    const char *prefix;
    const char *fp;
    bool data; /* a document in a data: URL, not a script */
} scheme_t;

static const scheme_t bad_schemes[] = {
    {"javascript:", "url:javascript", false},
    {"vbscript:", "url:vbscript", false},
    {"livescript:", "url:livescript", false},
    {"data:text/html", "url:data", true},
    {"data:application/xhtml", "url:data", true},
    {"data:text/xml", "url:data", true},
    {NULL, NULL, false},
};

#define SCHEME_MAX 24

/* Returns the scheme entry matched; *rest gets where the URL body starts in
 * the raw value (after the scheme's characters were consumed). */
static const scheme_t *url_scheme(const char *v, size_t len, bool decode, const char **rest)
{
    const char *p = v, *end = v + len;
    char buf[SCHEME_MAX];
    const char *after[SCHEME_MAX]; /* raw position after each kept character */
    size_t n = 0;
    const scheme_t *sc;

    while (p < end && n < SCHEME_MAX) {
        int c = decode ? html_next_char(&p, end) : (unsigned char)*p++;
        if (n == 0 && c <= 0x20) {
            continue;
        }
        if (c == '\t' || c == '\n' || c == '\r' || c == 0) {
            continue;
        }
        /* data: URLs tolerate spaces before the media type. */
        if (c == ' ' && n == 5 && memcmp(buf, "data:", 5) == 0) {
            continue;
        }
        after[n] = p;
        buf[n++] = (char)html_lower((unsigned char)c);
        if (c == ':' && (n < 4 || buf[0] != 'd')) {
            break; /* a scheme has ended; only data: needs more */
        }
        if (n > 12 && buf[0] != 'd') {
            return NULL;
        }
    }
    for (sc = bad_schemes; sc->prefix; sc++) {
        size_t pl = strlen(sc->prefix);
        if (n >= pl && memcmp(buf, sc->prefix, pl) == 0) {
            if (rest) {
                *rest = after[pl - 1];
            }
            return sc;
        }
    }
    return NULL;
}

/* After a scheme in a value that is not inside a tag: is this a URL or an
 * English sentence ("JavaScript: the good parts (2008)")? Code has a call,
 * a template literal or an assignment before any space. */
static bool looks_like_code(const char *p, const char *end)
{
    size_t k;

    for (k = 0; p + k < end && k < 256; k++) {
        unsigned char c = (unsigned char)p[k];
        if (c == '(' || c == '`' || c == '=') {
            return true;
        }
        if (c == ' ') {
            return false;
        }
    }
    return false;
}

/* "javascript:void(0)" and "javascript:;" are how old pages spell "no link":
 * they run nothing, and rich-text editors still produce them. Anything more
 * ("void(0);alert(1)", references) is not a no-op. */
static bool script_is_noop(const char *p, const char *end)
{
    static const char *const noops[] = {"void(0)", "void 0", "void(0);", "void 0;", ";", ""};
    size_t k, len;

    while (p < end && html_is_space((unsigned char)*p)) {
        p++;
    }
    while (end > p && html_is_space((unsigned char)end[-1])) {
        end--;
    }
    len = (size_t)(end - p);
    for (k = 0; k < sizeof(noops) / sizeof(noops[0]); k++) {
        if (strlen(noops[k]) == len && memcmp(p, noops[k], len) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- tags and attributes ------------------------------------------------ */

static const char *const dangerous_tags[] = {
    "script", "iframe", "frame",  "frameset", "object",      "embed",    "applet",
    "base",   "xml",    "import", "portal",   "fencedframe", "vmlframe", NULL,
};

static const char *const url_attrs[] = {
    "href",     "src",    "action",  "formaction", "data",    "xlink:href", "background",
    "poster",   "lowsrc", "dynsrc",  "codebase",   "cite",    "longdesc",   "ping",
    "manifest", "icon",   "profile", "archive",    "classid", "xml:base",   "datasrc",
    "values",   "to",     "from",    "by",         "folder",  "srcdoc",     NULL,
};

/* Event handlers a browser knows, without the "on". Inside a real tag any
 * on<letters> counts (new events keep coming); after a break-out from an
 * attribute value, where the "tag" may be nothing but a sentence, only these
 * do, so that "one=1" or "onion=3" in plain text stays plain. */
static const char *const known_events[] = {
    "abort",
    "activate",
    "afterprint",
    "afterscriptexecute",
    "animationcancel",
    "animationend",
    "animationiteration",
    "animationstart",
    "auxclick",
    "beforeactivate",
    "beforecopy",
    "beforecut",
    "beforedeactivate",
    "beforeinput",
    "beforepaste",
    "beforeprint",
    "beforescriptexecute",
    "beforetoggle",
    "beforeunload",
    "begin",
    "blur",
    "bounce",
    "cancel",
    "canplay",
    "canplaythrough",
    "change",
    "click",
    "close",
    "contentvisibilityautostatechange",
    "contextlost",
    "contextmenu",
    "contextrestored",
    "copy",
    "cuechange",
    "cut",
    "dblclick",
    "deactivate",
    "drag",
    "dragend",
    "dragenter",
    "dragexit",
    "dragleave",
    "dragover",
    "dragstart",
    "drop",
    "durationchange",
    "emptied",
    "end",
    "ended",
    "error",
    "finish",
    "focus",
    "focusin",
    "focusout",
    "formdata",
    "fullscreenchange",
    "fullscreenerror",
    "gotpointercapture",
    "hashchange",
    "help",
    "input",
    "invalid",
    "keydown",
    "keypress",
    "keyup",
    "load",
    "loadeddata",
    "loadedmetadata",
    "loadend",
    "loadstart",
    "lostpointercapture",
    "message",
    "messageerror",
    "mousedown",
    "mouseenter",
    "mouseleave",
    "mousemove",
    "mouseout",
    "mouseover",
    "mouseup",
    "mousewheel",
    "move",
    "mozfullscreenchange",
    "offline",
    "online",
    "pagehide",
    "pagereveal",
    "pageshow",
    "pageswap",
    "paste",
    "pause",
    "play",
    "playing",
    "pointercancel",
    "pointerdown",
    "pointerenter",
    "pointerleave",
    "pointermove",
    "pointerout",
    "pointerover",
    "pointerrawupdate",
    "pointerup",
    "popstate",
    "progress",
    "propertychange",
    "ratechange",
    "readystatechange",
    "repeat",
    "reset",
    "resize",
    "scroll",
    "scrollend",
    "scrollsnapchange",
    "scrollsnapchanging",
    "search",
    "securitypolicyviolation",
    "seeked",
    "seeking",
    "select",
    "selectionchange",
    "selectstart",
    "show",
    "slotchange",
    "stalled",
    "start",
    "storage",
    "submit",
    "suspend",
    "timeupdate",
    "toggle",
    "touchcancel",
    "touchend",
    "touchmove",
    "touchstart",
    "transitioncancel",
    "transitionend",
    "transitionrun",
    "transitionstart",
    "unhandledrejection",
    "unload",
    "volumechange",
    "waiting",
    "webkitanimationend",
    "webkitanimationiteration",
    "webkitanimationstart",
    "webkittransitionend",
    "wheel",
    "zoom",
    NULL,
};

static bool in_list(const char *s, size_t n, const char *const *list)
{
    for (; *list; list++) {
        if (html_name_is(s, n, *list)) {
            return true;
        }
    }
    return false;
}

static bool is_event_attr(const char *name, size_t n, bool pseudo)
{
    size_t k;

    if (n < 5 || html_lower((unsigned char)name[0]) != 'o' ||
        html_lower((unsigned char)name[1]) != 'n') {
        return false;
    }
    if (pseudo) {
        return in_list(name + 2, n - 2, known_events);
    }
    for (k = 2; k < n; k++) {
        if (!html_is_alpha((unsigned char)name[k])) {
            return false;
        }
    }
    return true;
}

/* The part after a namespace prefix: <xss:script>, <svg:script>. */
static void local_name(const char *s, size_t n, const char **ls, size_t *ln)
{
    size_t k = n;

    while (k > 0 && s[k - 1] != ':') {
        k--;
    }
    *ls = s + k;
    *ln = n - k;
}

static bool value_is_blank(const char *v, size_t n)
{
    size_t k;

    for (k = 0; k < n; k++) {
        if (!html_is_space((unsigned char)v[k])) {
            return false;
        }
    }
    return true;
}

typedef struct {
    hit_t *hit;
    bool in_meta; /* current start tag is <meta> */
} scan_t;

static int on_tag_name(void *ud, const char *s, const html_tag_t *tag)
{
    scan_t *sc = ud;
    const char *ls;
    size_t ln;

    sc->in_meta = false;
    if (tag->end_tag) {
        return HTML_CONTINUE;
    }
    local_name(s + tag->name_off, tag->name_len, &ls, &ln);
    if (in_list(ls, ln, dangerous_tags)) {
        set_hit(sc->hit, "tag:", ls, ln, tag->start, tag->name_off + tag->name_len - tag->start);
        return HTML_STOP;
    }
    sc->in_meta = html_name_is(ls, ln, "meta");
    return HTML_CONTINUE;
}

static int on_attribute(void *ud, const char *s, const html_tag_t *tag, const html_attr_t *a)
{
    scan_t *sc = ud;
    const char *name = s + a->name_off, *v = s + a->value_off;
    size_t span = a->value_off + a->value_len - a->name_off;
    const needle_t *nd;
    const scheme_t *scm;

    if (!a->has_value || value_is_blank(v, a->value_len)) {
        return HTML_CONTINUE;
    }
    if (is_event_attr(name, a->name_len, tag->pseudo)) {
        set_hit(sc->hit, "attr:", name, a->name_len, a->name_off, span);
        return HTML_STOP;
    }
    if (in_list(name, a->name_len, url_attrs)) {
        const char *rest;
        scm = url_scheme(v, a->value_len, true, &rest);
        if (scm && (scm->data || !script_is_noop(rest, v + a->value_len))) {
            set_hit(sc->hit, scm->fp, "", 0, a->name_off, span);
            return HTML_STOP;
        }
        return HTML_CONTINUE;
    }
    if (html_name_is(name, a->name_len, "style")) {
        nd = find_needle(v, a->value_len, NORM_REFS | NORM_CSS, css_in_style);
        if (nd) {
            set_hit(sc->hit, nd->fp, "", 0, a->name_off, span);
            return HTML_STOP;
        }
        return HTML_CONTINUE;
    }
    if (sc->in_meta && html_name_is(name, a->name_len, "content")) {
        nd = find_needle(v, a->value_len, NORM_REFS, meta_refresh);
        if (nd) {
            set_hit(sc->hit, nd->fp, "", 0, a->name_off, span);
            return HTML_STOP;
        }
    }
    return HTML_CONTINUE;
}

static int on_tag_end(void *ud, const char *s, const html_tag_t *tag)
{
    const char *ls;
    size_t ln;

    (void)ud;
    if (tag->pseudo) {
        return HTML_CONTINUE;
    }
    local_name(s + tag->name_off, tag->name_len, &ls, &ln);
    return html_name_is(ls, ln, "style") ? HTML_RAWTEXT : HTML_CONTINUE;
}

static int on_raw_text(void *ud, const char *s, const html_tag_t *tag, size_t off, size_t len)
{
    scan_t *sc = ud;
    const needle_t *nd = find_needle(s + off, len, NORM_CSS, css_in_style_element);

    (void)tag;
    if (nd) {
        set_hit(sc->hit, nd->fp, "", 0, off, len);
        return HTML_STOP;
    }
    return HTML_CONTINUE;
}

static const html_callbacks_t callbacks = {
    .tag_name = on_tag_name,
    .attribute = on_attribute,
    .tag_end = on_tag_end,
    .raw_text = on_raw_text,
};

static bool tokenize(const char *s, size_t n, html_start_t start, unsigned flags, hit_t *hit,
                     unsigned *seen)
{
    scan_t sc = {.hit = hit, .in_meta = false};

    return html_tokenize(s, n, start, flags, &callbacks, &sc, seen);
}

/* ---- script ----------------------------------------------------------------
 * The value as JavaScript, or as the tail of a JS string it breaks out of
 * ("';alert(1)//", "\"-alert(1)-\""): look for what every such payload ends
 * up calling or reading. Identifiers are case-sensitive, as in JS, and must
 * be followed immediately by the call: "alert(" yes, "please confirm (yes)"
 * no. */

/* JS names are case-sensitive: "Alert(" is not a call of alert. */
static bool exact_word(const char *s, size_t n, const char *const *list)
{
    /* Called for every identifier of every value with '(' or '.': test the
     * first byte before paying for strlen. */
    if (n == 0) {
        return false;
    }
    for (; *list; list++) {
        if ((*list)[0] == s[0] && strlen(*list) == n && memcmp(s, *list, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool is_ident_char(unsigned char c)
{
    return html_is_alpha(c) || (unsigned char)(c - '0') < 10 || c == '_' || c == '$';
}

static bool word_at(const char *s, size_t n, size_t i, const char *w, size_t *wl)
{
    size_t l;

    /* Most calls fail on the first byte; only then is the length needed. */
    if (i >= n || s[i] != w[0]) {
        return false;
    }
    l = strlen(w);
    if (i + l > n || memcmp(s + i, w, l) != 0) {
        return false;
    }
    if (i + l < n && is_ident_char((unsigned char)s[i + l])) {
        return false;
    }
    *wl = l;
    return true;
}

static const char *const js_sinks[] = {
    "alert",       "prompt",     "confirm",      "eval", "setTimeout",
    "setInterval", "execScript", "fromCharCode", NULL,
};

static const char *const js_ctor[] = {"constructor", NULL};

static const char *const js_globals[] = {
    "window", "top", "self", "parent", "globalThis", "frames", "content", NULL,
};

static const char *const document_props[] = {"cookie", "domain", "location", NULL};

/* Methods count only when called: "use document.write in ..." is prose. */
static const char *const document_calls[] = {"write", "writeln", "createElement", NULL};

static const char *const js_html_props[] = {"innerHTML", "outerHTML", NULL};

/* Skips JS comments, and whitespace if asked, between the parts of a member
 * access ("document /+ x +/ . cookie", with stars). Bounded, so that a long comment
 * cannot be rescanned from every identifier before it. */
static size_t skip_trivia(const char *s, size_t n, size_t j, bool spaces)
{
    size_t limit = j + 64 < n ? j + 64 : n;

    while (j < limit) {
        if (spaces && html_is_space((unsigned char)s[j])) {
            j++;
        } else if (j + 1 < n && s[j] == '/' && s[j + 1] == '*') {
            size_t k = j + 2;
            while (k + 1 < limit && !(s[k] == '*' && s[k + 1] == '/')) {
                k++;
            }
            if (k + 1 >= limit) {
                return j;
            }
            j = k + 2;
        } else {
            break;
        }
    }
    return j;
}

/* After an identifier at j: a call, possibly through ")" ("(alert)(1)"),
 * "?." ("alert?.()"), or .call/.apply/.bind. */
static bool followed_by_call(const char *s, size_t n, size_t j)
{
    size_t wl;

    while (j < n && s[j] == ')') {
        j++;
    }
    j = skip_trivia(s, n, j, false);
    if (j + 1 < n && s[j] == '?' && s[j + 1] == '.') {
        j += 2;
    }
    if (j < n && (s[j] == '(' || s[j] == '`')) {
        return true;
    }
    if (j < n && s[j] == '.') {
        j++;
        if (word_at(s, n, j, "call", &wl) || word_at(s, n, j, "apply", &wl) ||
            word_at(s, n, j, "bind", &wl)) {
            return j + wl < n && s[j + wl] == '(';
        }
    }
    return false;
}

static bool is_quote(unsigned char c)
{
    return c == '"' || c == '\'' || c == '`';
}

/* document.cookie, document?.cookie, (document)["cookie"], with comments
 * and spaces around the dot */
static bool document_access(const char *s, size_t n, size_t j)
{
    const char *const *p;
    size_t wl;

    j = skip_trivia(s, n, j, true);
    if (j < n && s[j] == ')') {
        j = skip_trivia(s, n, j + 1, true);
    }
    if (j < n && s[j] == '?') {
        j++;
    }
    if (j < n && s[j] == '.') {
        j = skip_trivia(s, n, j + 1, true);
        for (p = document_props; *p; p++) {
            if (word_at(s, n, j, *p, &wl)) {
                return true;
            }
        }
        for (p = document_calls; *p; p++) {
            if (word_at(s, n, j, *p, &wl) && followed_by_call(s, n, j + wl)) {
                return true;
            }
        }
    } else if (j < n && s[j] == '[') {
        j = skip_trivia(s, n, j + 1, true);
        if (j >= n || !is_quote((unsigned char)s[j])) {
            return false;
        }
        for (p = document_props; *p; p++) {
            size_t pl = strlen(*p);
            if (j + 1 + pl < n && memcmp(s + j + 1, *p, pl) == 0 && s[j + 1 + pl] == s[j]) {
                return true;
            }
        }
    }
    return false;
}

/* top['al'+'ert'](1), self[ "alert" ], window["eval"] */
static bool global_index(const char *s, size_t n, size_t j)
{
    j = skip_trivia(s, n, j, true);
    if (j >= n || s[j] != '[') {
        return false;
    }
    j = skip_trivia(s, n, j + 1, true);
    return j < n && is_quote((unsigned char)s[j]);
}

/* x.innerHTML = ..., but not x.innerHTML == y */
static bool html_assignment(const char *s, size_t n, size_t i, size_t j)
{
    if (i == 0 || s[i - 1] != '.') {
        return false;
    }
    j = skip_trivia(s, n, j, true);
    return j < n && s[j] == '=' && (j + 1 >= n || s[j + 1] != '=');
}

/* JSFuck and friends: code written with []()!+ only. A run of those
 * characters that contains "![]" is not prose. */
static bool jsfuck_run(const char *s, size_t n, hit_t *hit)
{
    size_t i, start = 0, run = 0;
    bool bang = false;

    /* Only a run containing "![]" counts: no '!' at all, no run to find. */
    if (!memchr(s, '!', n)) {
        return false;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '[' || c == ']' || c == '(' || c == ')' || c == '!' || c == '+') {
            if (run == 0) {
                start = i;
                bang = false;
            }
            run++;
            if (c == ']' && i >= 2 && s[i - 1] == '[' && s[i - 2] == '!') {
                bang = true;
            }
            if (bang && run >= 10) {
                set_hit(hit, "js:", "jsfuck", 6, start, run);
                return true;
            }
        } else {
            run = 0;
        }
    }
    return false;
}

/* "javascript:" after "(" (markdown links, CSS url()) or "=" with code. */
static bool embedded_script_url(const char *s, size_t n, size_t i, size_t *end)
{
    const scheme_t *scm;
    const char *rest;
    size_t k = i;

    while (k > 0 && s[k - 1] == ' ') {
        k--;
    }
    if (k == 0 || s[k - 1] != '(') {
        return false;
    }
    scm = url_scheme(s + i, n - i, false, &rest);
    if (!scm || scm->data || !looks_like_code(rest, s + n)) {
        return false;
    }
    *end = (size_t)(rest - s);
    return true;
}

static bool scan_script(const char *s, size_t n, hit_t *hit)
{
    size_t i = 0, j, wl, e;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (!html_is_alpha(c) || (i > 0 && is_ident_char((unsigned char)s[i - 1]))) {
            i++;
            continue;
        }
        for (j = i; j < n && is_ident_char((unsigned char)s[j]); j++) {
        }
        switch (c) {
        case 'a':
        case 'c':
        case 'e':
        case 'f':
        case 'p':
        case 's':
            if (exact_word(s + i, j - i, js_sinks) &&
                (followed_by_call(s, n, j) ||
                 /* [].sort.call`${alert}1` */
                 (i >= 2 && s[i - 2] == '$' && s[i - 1] == '{' && j < n && s[j] == '}'))) {
                set_hit(hit, "js:", s + i, j - i, i, j - i);
                return true;
            }
            if (i > 0 && s[i - 1] == '.' && j < n && s[j] == '`' &&
                (word_at(s, n, i, "call", &wl) || word_at(s, n, i, "apply", &wl))) {
                /* a tagged template calling through .call`...` */
                set_hit(hit, "js:", s + i, j - i, i, j - i + 1);
                return true;
            }
            if (exact_word(s + i, j - i, js_ctor) &&
                ((j + 1 < n && s[j] == '(' && is_quote((unsigned char)s[j + 1])) ||
                 (j + 1 < n && s[j] == '.' && word_at(s, n, j + 1, "constructor", &wl)))) {
                /* constructor('code')() or x.constructor.constructor */
                set_hit(hit, "js:", s + i, j - i, i, j - i);
                return true;
            }
            break;
        case 'd':
            if (word_at(s, n, i, "document", &wl) && j - i == wl && document_access(s, n, j)) {
                set_hit(hit, "js:", "document", 8, i, j - i);
                return true;
            }
            break;
        case 'J':
        case 'j':
        case 'V':
        case 'v':
            if (embedded_script_url(s, n, i, &e)) {
                set_hit(hit, "url:", s + i, c == 'j' || c == 'J' ? 10 : 8, i, e - i);
                return true;
            }
            break;
        default:
            break;
        }
        if (exact_word(s + i, j - i, js_globals) && global_index(s, n, j)) {
            set_hit(hit, "js:", s + i, j - i, i, j - i);
            return true;
        }
        if (exact_word(s + i, j - i, js_html_props) && html_assignment(s, n, i, j)) {
            set_hit(hit, "js:", s + i, j - i, i, j - i);
            return true;
        }
        i = j;
    }
    return false;
}

/* ---- pre-check ------------------------------------------------------------
 * One table lookup per byte tells which passes could match at all. */

enum {
    C_LT = 1u << 0,     /* '<': tags */
    C_EQ = 1u << 1,     /* '=': attributes with values */
    C_DQ = 1u << 2,     /* '"': breaks out of a double-quoted value */
    C_SQ = 1u << 3,     /* '\'': ... single-quoted */
    C_BREAK = 1u << 4,  /* whitespace, '>': ... unquoted */
    C_CALL = 1u << 5,   /* '(' '`': calls */
    C_COLON = 1u << 6,  /* ':': schemes, CSS */
    C_MEMBER = 1u << 7, /* '.' '[': document.cookie, top['x'] */
};

static const uint8_t byte_class[256] = {
    ['<'] = C_LT,     ['='] = C_EQ,     ['"'] = C_DQ,     ['\''] = C_SQ,    [' '] = C_BREAK,
    ['\t'] = C_BREAK, ['\n'] = C_BREAK, ['\r'] = C_BREAK, ['\f'] = C_BREAK, ['>'] = C_BREAK,
    ['('] = C_CALL,   ['`'] = C_CALL,   [':'] = C_COLON,  ['.'] = C_MEMBER, ['['] = C_MEMBER,
};

static unsigned classify(const char *s, size_t n)
{
    unsigned m = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        m |= byte_class[(unsigned char)s[i]];
    }
    return m;
}

/* The value as a whole is a URL (an href or src the application fills). */
static bool bare_url(const char *s, size_t n, hit_t *hit)
{
    const char *rest;
    const scheme_t *scm = url_scheme(s, n, true, &rest);

    if (!scm) {
        return false;
    }
    if (scm->data) {
        /* data:text/html must go on with parameters or data */
        if (rest >= s + n || (*rest != ',' && *rest != ';')) {
            return false;
        }
    } else if (!looks_like_code(rest, s + n) || script_is_noop(rest, s + n)) {
        return false;
    }
    set_hit(hit, scm->fp, "", 0, 0, (size_t)(rest - s));
    return true;
}

static bool detect(const char *input, size_t len, hit_t *hitp)
{
    hit_t hit = {0};
    unsigned m, seen = 0;
    bool found = false;

    if (!input || len == 0) {
        return false;
    }
    m = classify(input, len);

    if (m & C_LT) {
        found = tokenize(input, len, HTML_START_DATA, 0, &hit, &seen);
        if (!found && (seen & (HTML_SEEN_COMMENT | HTML_SEEN_NESTED))) {
            found = tokenize(input, len, HTML_START_DATA, HTML_LENIENT, &hit, NULL);
        }
    }
    if (!found && (m & C_EQ)) {
        if (m & C_DQ) {
            found = tokenize(input, len, HTML_START_ATTR_DQ, 0, &hit, NULL);
        }
        if (!found && (m & C_SQ)) {
            found = tokenize(input, len, HTML_START_ATTR_SQ, 0, &hit, NULL);
        }
        if (!found && (m & C_BREAK)) {
            found = tokenize(input, len, HTML_START_ATTR_UNQ, 0, &hit, NULL);
        }
    }
    if (!found && (m & C_COLON)) {
        found = bare_url(input, len, &hit);
    }
    if (!found && (m & (C_CALL | C_MEMBER))) {
        found = scan_script(input, len, &hit);
    }
    if (!found && (m & C_MEMBER) && (m & C_CALL)) {
        found = jsfuck_run(input, len, &hit);
    }
    if (!found && (m & C_CALL) && (m & C_COLON)) {
        const needle_t *nd = find_needle(input, len, NORM_CSS, css_bare);
        if (nd) {
            set_hit(&hit, nd->fp, "", 0, 0, len);
            found = true;
        }
    }
    if (found) {
        *hitp = hit;
    }
    return found;
}

/* ---- tags a filter strips -------------------------------------------------
 * Applications that delete tags ("<x>", "</b>") before echoing a value turn
 * "o<x>nfocus=alert<x>(1)" into "onfocus=alert(1)". When a short tag sits
 * inside a token (a letter or digit before it, a letter, digit or '(' after
 * it), no browser reads the value the way the filter's output will be read,
 * so the value is judged again with such tags deleted. Rich text ("<p>a</p>")
 * has its tags between words, not inside them, and its stripped text is
 * prose. Values longer than STRIP_MAX are not re-judged (a stack buffer). */
#define STRIP_MAX 4096

static size_t strip_tags(const char *s, size_t n, char *dst, bool *inner)
{
    size_t i = 0, o = 0;

    *inner = false;
    while (i < n) {
        if (s[i] == '<') {
            size_t k = i + 1, name;
            if (k < n && s[k] == '/') {
                k++;
            }
            name = k;
            while (k < n && k - name < 12 && html_is_alpha((unsigned char)s[k])) {
                k++;
            }
            if (k > name && k < n && s[k] == '>') {
                unsigned char before = o > 0 ? (unsigned char)dst[o - 1] : 0;
                unsigned char after = k + 1 < n ? (unsigned char)s[k + 1] : 0;
                if ((html_is_alpha(before) || (unsigned char)(before - '0') < 10) &&
                    (html_is_alpha(after) || (unsigned char)(after - '0') < 10 || after == '(')) {
                    *inner = true;
                }
                i = k + 1;
                continue;
            }
        }
        dst[o++] = s[i++];
    }
    return o;
}

bool rp_detect_xss(const char *input, size_t len, rp_detect_result_t *out)
{
    hit_t hit = {0};
    bool found;

    if (!input || len == 0) {
        return false;
    }
    found = detect(input, len, &hit);
    if (!found && len <= STRIP_MAX && memchr(input, '<', len)) {
        char buf[STRIP_MAX];
        bool inner;
        size_t n = strip_tags(input, len, buf, &inner);
        if (inner && n > 0 && detect(buf, n, &hit)) {
            /* the region is the stripped text's: report the whole value;
             * the fingerprint's name points into buf, so fill it here */
            hit.offset = 0;
            hit.length = len;
            fill_result(&hit, out);
            return true;
        }
    }
    if (found) {
        fill_result(&hit, out);
    }
    return found;
}
