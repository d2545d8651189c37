/*
 * transform_test.c — SecLang transformations (transform.h), table-driven.
 *
 * Each row names a transformation, an input and the exact expected bytes
 * (NULs allowed); the checker also asserts the contract: the return value
 * says whether the bytes changed, an unchanged value comes back as the
 * input pointer with no arena allocation, and outputs are NUL-terminated.
 * Chains reproduce what CRS v4 rules apply to known payloads, and a
 * property test runs every transformation over clean text (ASCII and
 * Chinese) that must come back untouched.
 */
#include "test_util.h"

#include "arena.h"
#include "transform.h"

/* A string literal and its length, NULs included. */
#define S(x) x, sizeof(x) - 1

typedef struct {
    const char *name;
    const char *in;
    size_t in_len;
    const char *out;
    size_t out_len;
} row_t;

static const row_t rows[] = {
    /* urlDecode */
    {"urlDecode", S(""), S("")},
    {"urlDecode", S("abc"), S("abc")},
    {"urlDecode", S("a+b"), S("a b")},
    {"urlDecode", S("%41%42%6a%6A"), S("ABjj")},
    {"urlDecode", S("%"), S("%")},
    {"urlDecode", S("%4"), S("%4")},
    {"urlDecode", S("100%"), S("100%")},
    {"urlDecode", S("%zz%41"), S("%zzA")},
    {"urlDecode", S("%%41"), S("%A")},
    {"urlDecode", S("%00"), S("\0")},
    {"urlDecode", S("a%00b"), S("a\0b")},
    {"urlDecode", S("%2541"), S("%41")},
    {"urlDecode", S("%u0041"), S("%u0041")},
    {"urlDecode", S("%e4%b8%ad%E6%96%87"), S("中文")},
    {"urlDecode", S("中文"), S("中文")},
    /* urlDecodeUni */
    {"urlDecodeUni", S("%u0041%U0042"), S("AB")},
    {"urlDecodeUni", S("%uff1c%uFF1E"), S("<>")},
    {"urlDecodeUni", S("%uff0F"), S("/")},
    {"urlDecodeUni", S("foo%uFF01"), S("foo!")},
    {"urlDecodeUni", S("%uff5e"), S("~")},
    {"urlDecodeUni", S("%uff5f"), S("\xef\xbd\x9f")},
    {"urlDecodeUni", S("%uff00"), S("\xef\xbc\x80")},
    {"urlDecodeUni", S("%u4e2d%u6587"), S("中文")},
    {"urlDecodeUni", S("%u00e9"), S("\xc3\xa9")},
    {"urlDecodeUni", S("%u0000"), S("\0")},
    {"urlDecodeUni", S("%uD83D%uDE00"), S("\xf0\x9f\x98\x80")},
    {"urlDecodeUni", S("%uD83D"), S("%uD83D")},
    {"urlDecodeUni", S("%uDE00%uD83D"), S("%uDE00%uD83D")},
    {"urlDecodeUni", S("%uD83D%u0041"), S("%uD83DA")},
    {"urlDecodeUni", S("%u12"), S("%u12")},
    {"urlDecodeUni", S("%u12g4"), S("%u12g4")},
    {"urlDecodeUni", S("%u"), S("%u")},
    {"urlDecodeUni", S("+%2B%"), S(" +%")},
    {"urlDecodeUni", S("%uff1cscript%u0020%uff1ealert%281%29%uff1c/script%uff1e"),
     S("<script >alert(1)</script>")},
    /* htmlEntityDecode */
    {"htmlEntityDecode", S("&lt;script&gt;"), S("<script>")},
    {"htmlEntityDecode", S("&LT;&Gt"), S("<>")},
    {"htmlEntityDecode", S("&lt"), S("<")},
    {"htmlEntityDecode", S("&ltx;"), S("&ltx;")},
    {"htmlEntityDecode", S("&quot;&amp;&nbsp;"), S("\"&\xc2\xa0")},
    {"htmlEntityDecode", S("&apos;&copy;"), S("&apos;&copy;")},
    {"htmlEntityDecode", S("&#60;&#60&#x3c;&#X3C"), S("<<<<")},
    {"htmlEntityDecode", S("&#0000060;&#x00003c;"), S("<<")},
    {"htmlEntityDecode", S("&#20013;&#x6587;"), S("中文")},
    {"htmlEntityDecode", S("&#x1F600;"), S("\xf0\x9f\x98\x80")},
    {"htmlEntityDecode", S("&#xff1c;"), S("\xef\xbc\x9c")},
    {"htmlEntityDecode", S("&#160;"), S("\xc2\xa0")},
    {"htmlEntityDecode", S("java&#0;script"), S("java\0script")},
    {"htmlEntityDecode", S("&#;&#x;&#x&#&"), S("&#;&#x;&#x&#&")},
    {"htmlEntityDecode", S("&#xD800;&#x110000;&#99999999999999999999;"),
     S("&#xD800;&#x110000;&#99999999999999999999;")},
    {"htmlEntityDecode", S("a&amp;lt;b"), S("a&lt;b")},
    {"htmlEntityDecode", S("&&lt;"), S("&<")},
    {"htmlEntityDecode", S("AT&T 中文"), S("AT&T 中文")},
    /* jsDecode */
    {"jsDecode", S("\\u0061lert"), S("alert")},
    {"jsDecode", S("\\uff1cscript\\uFF1E"), S("<script>")},
    {"jsDecode", S("\\u4e2d"), S("中")},
    {"jsDecode", S("\\uD83D\\uDE00"), S("\xf0\x9f\x98\x80")},
    {"jsDecode", S("\\uD83D"), S("\\uD83D")},
    {"jsDecode", S("\\U0061"), S("U0061")},
    {"jsDecode", S("\\u{61}\\u{1F600}\\u{00000041}"),
     S("a\xf0\x9f\x98\x80"
       "A")},
    {"jsDecode", S("\\u{110000}"), S("u{110000}")},
    {"jsDecode", S("\\u{61"), S("u{61")},
    {"jsDecode", S("\\u12"), S("u12")},
    {"jsDecode", S("\\x41\\x4a"), S("AJ")},
    {"jsDecode", S("\\x4"), S("x4")},
    {"jsDecode", S("\\X41"), S("X41")},
    {"jsDecode", S("\\101\\0"), S("A\0")},
    {"jsDecode", S("\\377\\477"), S("\xff'7")},
    {"jsDecode", S("\\8\\9"), S("89")},
    {"jsDecode", S("\\a\\b\\f\\n\\r\\t\\v"), S("\a\b\f\n\r\t\v")},
    {"jsDecode", S("\\\\\\'\\\"\\z"), S("\\'\"z")},
    {"jsDecode", S("abc\\"), S("abc\\")},
    {"jsDecode", S("javascript:\\\\\\\\u0020"), S("javascript:\\\\u0020")},
    {"jsDecode", S("c\\u006fnsole.info(1)"), S("console.info(1)")},
    /* cssDecode */
    {"cssDecode", S("\\41"), S("A")},
    {"cssDecode", S("\\41 b"), S("Ab")},
    {"cssDecode", S("\\41\r\nb"), S("Ab")},
    {"cssDecode", S("\\41  b"), S("A b")},
    {"cssDecode", S("\\000041"), S("A")},
    {"cssDecode", S("\\0000411"), S("A1")},
    {"cssDecode", S("\\6a avascript"), S("javascript")},
    {"cssDecode", S("\\6a\\61vascript"), S("javascript")},
    {"cssDecode", S("\\ff1c"), S("<")},
    {"cssDecode", S("\\00ff1c"), S("<")},
    {"cssDecode", S("\\4e2d"), S("中")},
    {"cssDecode", S("\\0"), S("\0")},
    {"cssDecode", S("\\d800\\110000"), S("\xef\xbf\xbd\xef\xbf\xbd")},
    {"cssDecode", S("a\\\nb"), S("ab")},
    {"cssDecode", S("a\\\r\nb"), S("ab")},
    {"cssDecode", S("abc\\"), S("abc")},
    {"cssDecode", S("\\\\\\g"), S("\\g")},
    {"cssDecode", S("color: red"), S("color: red")},
    /* escapeSeqDecode */
    {"escapeSeqDecode", S("\\n\\r\\t\\a\\b\\f\\v"), S("\n\r\t\a\b\f\v")},
    {"escapeSeqDecode", S("\\\\\\?\\'\\\""), S("\\?'\"")},
    {"escapeSeqDecode", S("\\x41\\X42"), S("AB")},
    {"escapeSeqDecode", S("\\x4"), S("x4")},
    {"escapeSeqDecode", S("\\101\\7\\777"), S("A\a\xff")},
    {"escapeSeqDecode", S("\\0"), S("\0")},
    {"escapeSeqDecode", S("\\z"), S("z")},
    {"escapeSeqDecode", S("a\\"), S("a\\")},
    {"escapeSeqDecode", S("HELO\\r\\nMAIL"), S("HELO\r\nMAIL")},
    /* utf8toUnicode */
    {"utf8toUnicode", S("abc"), S("abc")},
    {"utf8toUnicode", S("中文"), S("%u4e2d%u6587")},
    {"utf8toUnicode", S("\xc3\xa9"), S("%u00e9")},
    {"utf8toUnicode", S("\xef\xbc\x9c"), S("%uff1c")},
    {"utf8toUnicode", S("\xf0\x9f\x98\x80"), S("%ud83d%ude00")},
    {"utf8toUnicode", S("\xc0\xaf"), S("%u002f")},
    {"utf8toUnicode", S("\xe0\x80\xaf"), S("%u002f")},
    {"utf8toUnicode", S("\xe4\xb8"), S("\xe4\xb8")},
    {"utf8toUnicode", S("a\xe4\xb8"), S("a\xe4\xb8")},
    {"utf8toUnicode",
     S("\x80"
       "abc\xff"),
     S("\x80"
       "abc\xff")},
    {"utf8toUnicode", S("\xf4\x90\x80\x80"), S("\xf4\x90\x80\x80")},
    {"utf8toUnicode", S("a\0\xc3\xa9"), S("a\0%u00e9")},
    /* base64Decode / base64DecodeExt */
    {"base64Decode", S(""), S("")},
    {"base64Decode", S("QUJD"), S("ABC")},
    {"base64Decode", S("QUI="), S("AB")},
    {"base64Decode", S("QQ=="), S("A")},
    {"base64Decode", S("QUJ"), S("AB")},
    {"base64Decode", S("Q"), S("")},
    {"base64Decode", S("QUJD.RA=="), S("ABC")},
    {"base64Decode", S("!!!"), S("")},
    {"base64Decode", S("XyQkTkRfRlVOQyQkXwo="), S("_$$ND_FUNC$$_\n")},
    {"base64Decode", S("AAA="), S("\0\0")},
    {"base64DecodeExt", S("QU JD\nRA=="), S("ABCD")},
    {"base64DecodeExt", S("Q.U.J.D"), S("ABC")},
    {"base64DecodeExt", S("..."), S("")},
    /* hexDecode / sqlHexDecode */
    {"hexDecode", S("414243"), S("ABC")},
    {"hexDecode", S("4a4B"), S("JK")},
    {"hexDecode", S("41zz42"), S("AzzB")},
    {"hexDecode", S("414"), S("A4")},
    {"hexDecode", S("zz"), S("zz")},
    {"hexDecode", S("00"), S("\0")},
    {"sqlHexDecode", S("0x414243"), S("ABC")},
    {"sqlHexDecode", S("SELECT 0x61646d696e"), S("SELECT admin")},
    {"sqlHexDecode", S("0X414"), S("A4")},
    {"sqlHexDecode", S("0x4"), S("0x4")},
    {"sqlHexDecode", S("0xzz"), S("0xzz")},
    {"sqlHexDecode", S("abc"), S("abc")},
    /* case */
    {"lowercase", S("ABC中文xYz"), S("abc中文xyz")},
    {"lowercase", S("abc"), S("abc")},
    {"lowercase",
     S("\xc3\x80"
       "B"),
     S("\xc3\x80"
       "b")},
    {"uppercase", S("abc中"), S("ABC中")},
    {"uppercase", S("ABC"), S("ABC")},
    /* NULs */
    {"removeNulls", S("a\0b\0"), S("ab")},
    {"removeNulls", S("\0"), S("")},
    {"removeNulls", S("abc"), S("abc")},
    {"replaceNulls", S("a\0b\0"), S("a b ")},
    {"replaceNulls", S("abc"), S("abc")},
    /* white space */
    {"removeWhitespace", S("a b\tc\nd\ve\ff\rg"), S("abcdefg")},
    {"removeWhitespace",
     S("a\xc2\xa0"
       "b"),
     S("ab")},
    {"removeWhitespace",
     S("a\xa0"
       "b"),
     S("ab")},
    {"removeWhitespace", S("\xe4\xb8\xa0\xe5\x80\xa0"), S("\xe4\xb8\xa0\xe5\x80\xa0")},
    {"removeWhitespace", S("中 文"), S("中文")},
    {"removeWhitespace", S("abc"), S("abc")},
    {"compressWhitespace", S("a  b"), S("a b")},
    {"compressWhitespace", S("a\t\nb"), S("a b")},
    {"compressWhitespace", S(" a "), S(" a ")},
    {"compressWhitespace", S("  a  "), S(" a ")},
    {"compressWhitespace", S("a \xc2\xa0 b"), S("a b")},
    {"compressWhitespace",
     S("a\xc2\xa0"
       "b"),
     S("a b")},
    {"compressWhitespace", S("\xe4\xb8\xa0 \xe4\xb8\xa0"), S("\xe4\xb8\xa0 \xe4\xb8\xa0")},
    {"trim", S("  a b  "), S("a b")},
    {"trim", S("\t\na\r\n"), S("a")},
    {"trim", S("   "), S("")},
    {"trim", S("a"), S("a")},
    {"trim",
     S("\xc2\xa0"
       "a"),
     S("\xc2\xa0"
       "a")},
    {"trimLeft", S("  a "), S("a ")},
    {"trimRight", S("  a "), S("  a")},
    {"trimRight", S("a"), S("a")},
    /* comments */
    {"replaceComments", S("a/*x*/b"), S("a b")},
    {"replaceComments", S("a/*x"), S("a ")},
    {"replaceComments", S("a*/b"), S("a*/b")},
    {"replaceComments", S("/**/"), S(" ")},
    {"replaceComments", S("/*/"), S(" ")},
    {"replaceComments", S("a/*b*/c/*d*/e"), S("a c e")},
    {"replaceComments", S("SELECT/**/1"), S("SELECT 1")},
    {"removeComments", S("a/*x*/b"), S("ab")},
    {"removeComments", S("a<!--x-->b"), S("ab")},
    {"removeComments", S("a<!--x"), S("a")},
    {"removeComments", S("1--x\nunion"), S("1\nunion")},
    {"removeComments", S("a#b\nc"), S("a\nc")},
    {"removeComments", S("a-b"), S("a-b")},
    {"removeCommentsChar", S("/*!50000select*/"), S("!50000select")},
    {"removeCommentsChar", S("a--b"), S("ab")},
    {"removeCommentsChar", S("<!--x-->"), S("x")},
    {"removeCommentsChar", S("#x"), S("x")},
    {"removeCommentsChar", S("a-/**/-b"), S("a--b")},
    {"removeCommentsChar", S("a-b/c"), S("a-b/c")},
    /* cmdLine */
    {"cmdLine", S("C^OMMAND /C DIR"), S("command/c dir")},
    {"cmdLine", S("'l's' -la"), S("ls -la")},
    {"cmdLine", S("a,;b"), S("a b")},
    {"cmdLine", S("a \"\" b"), S("a b")},
    {"cmdLine", S("ls  ("), S("ls(")},
    {"cmdLine", S(" ls"), S(" ls")},
    {"cmdLine", S("a\\b"), S("ab")},
    {"cmdLine", S("echo\t\t1"), S("echo 1")},
    {"cmdLine", S("cat /etc/passwd"), S("cat/etc/passwd")},
    {"cmdLine", S("ls -la"), S("ls -la")},
    {"cmdLine", S("a\v\fb"), S("a\v\fb")},
    {"cmdLine", S("中文"), S("中文")},
    /* paths */
    {"normalizePath", S("/a/b/../c"), S("/a/c")},
    {"normalizePath", S("/../etc/passwd"), S("/etc/passwd")},
    {"normalizePath", S("a/../../b"), S("../b")},
    {"normalizePath", S("../../etc/passwd"), S("../../etc/passwd")},
    {"normalizePath", S("//a//b"), S("/a/b")},
    {"normalizePath", S("/a/./b/"), S("/a/b/")},
    {"normalizePath", S("./a"), S("a")},
    {"normalizePath", S("a/.."), S("")},
    {"normalizePath", S("/.."), S("/")},
    {"normalizePath", S("/a/b/.."), S("/a")},
    {"normalizePath", S("/a/."), S("/a")},
    {"normalizePath", S("a/b/../"), S("a/")},
    {"normalizePath", S("/a/"), S("/a/")},
    {"normalizePath", S("..."), S("...")},
    {"normalizePath", S("/a/.../b"), S("/a/.../b")},
    {"normalizePath", S("/a\\..\\b"), S("/a\\..\\b")},
    {"normalizePath", S("/政务/../服务"), S("/服务")},
    {"normalizePath", S("/"), S("/")},
    {"normalizePathWin", S("..\\..\\windows\\win.ini"), S("../../windows/win.ini")},
    {"normalizePathWin", S("c:\\a\\..\\b"), S("c:/b")},
    {"normalizePathWin", S("\\a"), S("/a")},
    {"normalizePathWin", S("/a/b"), S("/a/b")},
    {"normalisePath", S("/a/../b"), S("/b")},
    /* parity */
    {"parityZero7bit",
     S("\xc1"
       "A"),
     S("AA")},
    {"parityZero7bit", S("A"), S("A")},
    {"parityEven7bit", S("A"), S("A")},
    {"parityEven7bit", S("C"), S("\xc3")},
    {"parityEven7bit", S("\xc1"), S("A")},
    {"parityOdd7bit", S("A"), S("\xc1")},
    {"parityOdd7bit", S("C"), S("C")},
    /* length, encoders */
    {"length", S(""), S("0")},
    {"length", S("abc"), S("3")},
    {"length", S("1"), S("1")},
    {"length", S("a\0b"), S("3")},
    {"length", S("中文"), S("6")},
    {"hexEncode", S("AB"), S("4142")},
    {"hexEncode", S("\0\xff"), S("00ff")},
    {"hexEncode", S(""), S("")},
    {"base64Encode", S("A"), S("QQ==")},
    {"base64Encode", S("AB"), S("QUI=")},
    {"base64Encode", S("ABC"), S("QUJD")},
    {"base64Encode", S("\0\xff\xfe\x01"), S("AP/+AQ==")},
    {"base64Encode", S(""), S("")},
    {"urlEncode", S("a b&c"), S("a+b%26c")},
    {"urlEncode", S("abc*XYZ09"), S("abc*XYZ09")},
    {"urlEncode", S("中"), S("%e4%b8%ad")},
    {"urlEncode", S("\0"), S("%00")},
    /* none */
    {"none", S("%41 &lt;"), S("%41 &lt;")},
};

/* Apply one transformation and check the contract; returns the output. */
static const char *apply_checked(rp_arena_t *a, int id, const char *in, size_t len, size_t *out_len)
{
    /* The input must be NUL-terminated (the contract's precondition). */
    char *copy = rp_arena_strndup(a, in, len);
    assert_non_null(copy);
    size_t before = rp_arena_used(a);
    const char *out = NULL;
    bool changed = rp_transform_apply(id, a, copy, len, &out, out_len);
    assert_non_null(out);
    assert_int_equal(out[*out_len], '\0');
    if (changed) {
        assert_true(out != copy);
        assert_false(*out_len == len && memcmp(out, copy, len) == 0);
    } else {
        assert_ptr_equal(out, copy);
        assert_int_equal(*out_len, len);
        assert_int_equal(rp_arena_used(a), before);
    }
    return out;
}

static void dump(const char *label, const char *s, size_t n)
{
    fprintf(stderr, "  %s (%zu): \"", label, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\')
            fputc(c, stderr);
        else
            fprintf(stderr, "\\x%02x", c);
    }
    fprintf(stderr, "\"\n");
}

static void test_rows(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    int failures = 0;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const row_t *r = &rows[i];
        int id = rp_transform_lookup(r->name, strlen(r->name));
        assert_true(id >= 0);
        size_t n;
        const char *out = apply_checked(a, id, r->in, r->in_len, &n);
        if (n != r->out_len || memcmp(out, r->out, n) != 0) {
            fprintf(stderr, "row %zu: t:%s\n", i, r->name);
            dump("in", r->in, r->in_len);
            dump("want", r->out, r->out_len);
            dump("got", out, n);
            failures++;
        }
    }
    rp_arena_free(a);
    assert_int_equal(failures, 0);
}

static void test_lookup(void **state)
{
    (void)state;
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("none")), 0);
    assert_string_equal(rp_transform_name(0), "none");
    int id = rp_transform_lookup(STR_AND_LEN("base64Decode"));
    assert_true(id > 0);
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("base64decode")), id);
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("BASE64DECODE")), id);
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("normalisePath")),
                     rp_transform_lookup(STR_AND_LEN("normalizePath")));
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("normalisepathwin")),
                     rp_transform_lookup(STR_AND_LEN("normalizePathWin")));
    assert_string_equal(rp_transform_name(rp_transform_lookup(STR_AND_LEN("NORMALISEPATH"))),
                        "normalizePath");
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("")), -1);
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("alert")), -1);
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("lowercas")), -1);
    assert_int_equal(rp_transform_lookup(STR_AND_LEN("lowercasee")), -1);
    assert_int_equal(rp_transform_lookup("lowercase\0", 10), -1);
    assert_int_equal(rp_transform_lookup("lowercase,t:none", 9),
                     rp_transform_lookup(STR_AND_LEN("lowercase")));
    assert_null(rp_transform_name(-1));
    assert_null(rp_transform_name(rp_transform_count()));
    /* Every id round-trips through its canonical name. */
    for (int i = 0; i < rp_transform_count(); i++) {
        const char *name = rp_transform_name(i);
        assert_non_null(name);
        assert_int_equal(rp_transform_lookup(name, strlen(name)), i);
    }
    /* Every transformation CRS v4 uses is known. */
    static const char *crs[] = {"urlDecodeUni",
                                "lowercase",
                                "jsDecode",
                                "htmlEntityDecode",
                                "utf8toUnicode",
                                "removeNulls",
                                "cssDecode",
                                "cmdLine",
                                "removeWhitespace",
                                "replaceComments",
                                "normalizePath",
                                "escapeSeqDecode",
                                "compressWhitespace",
                                "normalizePathWin",
                                "length",
                                "base64Decode",
                                "sha1",
                                "hexEncode",
                                "removeCommentsChar"};
    for (size_t i = 0; i < sizeof(crs) / sizeof(crs[0]); i++)
        assert_true(rp_transform_lookup(crs[i], strlen(crs[i])) > 0);
    /* An unknown id is the identity. */
    const char *out;
    size_t n;
    assert_false(rp_transform_apply(-1, NULL, "x", 1, &out, &n));
    assert_false(rp_transform_apply(rp_transform_count(), NULL, "x", 1, &out, &n));
    assert_false(rp_transform_apply(0, NULL, "x", 1, &out, &n));
}

typedef struct {
    const char *chain; /* comma-separated names */
    const char *in;
    size_t in_len;
    const char *out;
    size_t out_len;
} chain_t;

#define XSS_CHAIN "utf8toUnicode,urlDecodeUni,htmlEntityDecode,jsDecode,cssDecode,removeNulls"

static const chain_t chains[] = {
    /* 941xxx: full-width tags, Chinese untouched but for full-width ASCII */
    {XSS_CHAIN, S("＜script＞alert(1)＜/script＞"), S("<script>alert(1)</script>")},
    {XSS_CHAIN, S("中文测试，你好“引号”😀"), S("中文测试,你好“引号”😀")},
    {XSS_CHAIN, S("java&#0;script:"), S("javascript:")},
    {XSS_CHAIN, S("&#x5c;u0061lert(1)"), S("alert(1)")},
    /* jsDecode runs first: "\\6a" is octal 6 there, so CSS escapes reach
     * cssDecode only with a doubled backslash. */
    {XSS_CHAIN, S("\\6a\\61vascript:"),
     S("\x06"
       "a1vascript:")},
    {XSS_CHAIN, S("\\\\6a\\\\61vascript:"), S("javascript:")},
    {XSS_CHAIN, S("javascript:\\\\\\\\u0020"), S("javascript:\\u0020")},
    {XSS_CHAIN, S("%uff1cscript%u0020%uff1ealert%281%29"), S("<script >alert(1)")},
    {"urlDecodeUni,htmlEntityDecode,jsDecode,cssDecode,lowercase", S("%26lt%3BSCRIPT%26gt%3B"),
     S("<script>")},
    {"urlDecodeUni,htmlEntityDecode,jsDecode,cssDecode,lowercase",
     S("&lt;IMG SRC=\\\\6A avascript:"), S("<img src=javascript:")},
    /* 934100 (multiMatch chain, last stage) */
    {"urlDecodeUni,jsDecode,removeWhitespace,base64Decode", S("XyQkTkRfRlVOQyQkXwo="),
     S("_$$ND_FUNC$$_\n")},
    {"urlDecodeUni,jsDecode,removeWhitespace,base64Decode",
     S("\\u0058\\u0079QkTkRfRlVOQyQkX2Z1bmN0aW9uKCkK"), S("_$$ND_FUNC$$_function()\n")},
    /* 930120: overlong '/' and Windows separators */
    {"utf8toUnicode,urlDecodeUni,normalizePathWin",
     S("..\xc0\xaf..\xc0\xaf"
       "etc\xc0\xafpasswd"),
     S("../../etc/passwd")},
    {"utf8toUnicode,urlDecodeUni,normalizePathWin", S("..%uff0f..\\windows\\win.ini"),
     S("../../windows/win.ini")},
    /* 932160 */
    {"cmdLine,normalizePath", S("cat /etc/./pass''wd"), S("cat/etc/passwd")},
    {"utf8toUnicode,urlDecodeUni,removeNulls,cmdLine", S("c\0a\"t  /e'tc/pa\\sswd"),
     S("cat/etc/passwd")},
    /* 942xxx / 933210 */
    {"urlDecodeUni,removeCommentsChar", S("UNION/**/SEL/**/ECT"), S("UNIONSELECT")},
    {"urlDecodeUni,replaceComments,removeWhitespace", S("eval%28/*x*/%24_GET%5B0%5D%29;"),
     S("eval($_GET[0]);")},
    /* 932210 */
    {"escapeSeqDecode,compressWhitespace", S(";\\t\\t.shell"), S("; .shell")},
    /* 901320 */
    {"sha1,hexEncode", S("abc"), S("a9993e364706816aba3e25717850c26c9cd0d89d")},
    {"md5,hexEncode", S(""), S("d41d8cd98f00b204e9800998ecf8427e")},
    {"md5,hexEncode", S("abc"), S("900150983cd24fb0d6963f7d28e17f72")},
    {"lowercase,length", S("Accept"), S("6")},
    /* "none" resets nothing by itself when applied: it is the identity */
    {"none,lowercase", S("ABC"), S("abc")},
};

static void test_chains(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(0, 0);
    int failures = 0;
    for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
        const chain_t *c = &chains[i];
        const char *v = rp_arena_strndup(a, c->in, c->in_len);
        size_t n = c->in_len;
        for (const char *p = c->chain; *p;) {
            size_t k = strcspn(p, ",");
            int id = rp_transform_lookup(p, k);
            assert_true(id >= 0);
            v = apply_checked(a, id, v, n, &n);
            p += k + (p[k] == ',');
        }
        if (n != c->out_len || memcmp(v, c->out, n) != 0) {
            fprintf(stderr, "chain %zu: %s\n", i, c->chain);
            dump("in", c->in, c->in_len);
            dump("want", c->out, c->out_len);
            dump("got", v, n);
            failures++;
        }
    }
    rp_arena_free(a);
    assert_int_equal(failures, 0);
}

/* Clean values: every transformation that normalises rather than encodes
 * must hand them back as they are, without allocating. */
static void test_clean_values_unchanged(void **state)
{
    (void)state;
    static const char *clean[] = {
        "hello world",
        "中文测试 你好“引号”。《书名》",
        "政务服务网 上下 丠 倠 (u 4e20, u 5020: utf-8 with a0 bytes)",
        "user@example.com",
        "emoji 😀 and é",
        "/path/to/file.html",
        "",
    };
    static const char *normalisers[] = {
        "none",           "urlDecode",          "urlDecodeUni",    "htmlEntityDecode",
        "jsDecode",       "cssDecode",          "escapeSeqDecode", "sqlHexDecode",
        "lowercase",      "removeNulls",        "replaceNulls",    "compressWhitespace",
        "trim",           "trimLeft",           "trimRight",       "replaceComments",
        "removeComments", "removeCommentsChar", "normalizePath",   "normalizePathWin",
    };
    rp_arena_t *a = rp_arena_new(0, 0);
    for (size_t i = 0; i < sizeof(clean) / sizeof(clean[0]); i++) {
        for (size_t t = 0; t < sizeof(normalisers) / sizeof(normalisers[0]); t++) {
            int id = rp_transform_lookup(normalisers[t], strlen(normalisers[t]));
            assert_true(id >= 0);
            size_t before = rp_arena_used(a), n;
            const char *out;
            if (rp_transform_apply(id, a, clean[i], strlen(clean[i]), &out, &n)) {
                fprintf(stderr, "t:%s changed \"%s\"\n", normalisers[t], clean[i]);
                fail();
            }
            assert_ptr_equal(out, clean[i]);
            assert_int_equal(rp_arena_used(a), before);
        }
    }
    rp_arena_free(a);
}

/* utf8toUnicode then urlDecodeUni gives back any valid UTF-8 text without
 * full-width ASCII: Chinese, Latin-1 letters and astral characters. */
static void test_unicode_round_trip(void **state)
{
    (void)state;
    static const char *texts[] = {"中文测试“引号”", "café naïve", "😀👍🏽",
                                  "mixed ascii 和 中文", "\xe4\xb8\xa0\xc2\xa0"};
    int u8 = rp_transform_lookup(STR_AND_LEN("utf8toUnicode"));
    int uni = rp_transform_lookup(STR_AND_LEN("urlDecodeUni"));
    rp_arena_t *a = rp_arena_new(0, 0);
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        const char *mid, *out;
        size_t mid_len, n;
        assert_true(rp_transform_apply(u8, a, texts[i], strlen(texts[i]), &mid, &mid_len));
        assert_true(rp_transform_apply(uni, a, mid, mid_len, &out, &n));
        assert_int_equal(n, strlen(texts[i]));
        assert_memory_equal(out, texts[i], n);
    }
    rp_arena_free(a);
}

/* A full arena: every transformation returns the input unchanged. */
static void test_allocation_failure(void **state)
{
    (void)state;
    rp_arena_t *a = rp_arena_new(64, 64);
    assert_non_null(a);
    while (rp_arena_alloc(a, 16))
        ;
    static const char in[] = "A%41&lt;\\x41 \t/* c */\xc3\xa9/a/../b\0";
    for (int id = 0; id < rp_transform_count(); id++) {
        const char *out;
        size_t n;
        assert_false(rp_transform_apply(id, a, in, sizeof(in) - 1, &out, &n));
        assert_ptr_equal(out, in);
        assert_int_equal(n, sizeof(in) - 1);
    }
    rp_arena_free(a);
}

/* Outputs are never longer than the transformation needs: decoders and
 * normalisers never grow the value, encoders produce exactly their size. */
/* The prefilter's identity shortcut must be sound: when
 * rp_transform_may_change says no, the transformation leaves the value
 * alone. Random values over an alphabet of every class the flags know,
 * plus Chinese text and stray high bytes. */
static void test_identity_shortcut_sound(void **state)
{
    (void)state;
    static const char *const atoms[] = {
        "a", "Z", "0", "x", "0x", "%", "%41", "%u0041", "+", "&", "&lt;", "&#x41;", "\\", "\\x41",
        "\\u0041", "\\0", " ", "  ", "\t", "\n", "\r", "\v", "\f", "/", "/*", "*/", "*", "-", "--",
        "#", "<", "<!--", "\"", "'", "`", "^", ",", ";", "(", ".", "./", "../", "//", "\xc2\xa0",
        "\xa0", "\xe7\xa4\xbe", "\xef\xbc\x9c", "\xff", "\xc0\xaf", "=", "_"};
    const size_t natoms = sizeof(atoms) / sizeof(atoms[0]);
    unsigned long long seed = 88172645463325252ull;
    char buf[256];
    size_t checked = 0;
    for (int round = 0; round < 40000; round++) {
        size_t n = 0;
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        int parts = (int)(seed % 9);
        for (int k = 0; k < parts; k++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            const char *a = atoms[seed % natoms];
            size_t l = strlen(a);
            memcpy(buf + n, a, l);
            n += l;
        }
        if (round % 97 == 0 && n < sizeof(buf) - 1)
            buf[n++] = '\0'; /* a NUL inside */
        buf[n] = '\0';
        unsigned flags = rp_transform_value_flags(buf, n);
        for (int id = 1; id < rp_transform_count(); id++) {
            if (rp_transform_may_change(id, flags))
                continue;
            rp_arena_t *a = rp_arena_new(0, 0);
            const char *out;
            size_t out_len;
            bool changed = rp_transform_apply(id, a, buf, n, &out, &out_len);
            if (changed)
                fail_msg("t:%s changed a value the flags (0x%x) said it cannot change (len %zu)",
                         rp_transform_name(id), flags, n);
            rp_arena_free(a);
            checked++;
        }
    }
    assert_true(checked > 100000);
}

/* The byte classes as the first version computed them, one byte at a time
 * with its neighbour: the reference rp_transform_value_flags (one pass of
 * ORs, then the neighbour tests only when their bytes occur) must agree
 * with. */
static unsigned reference_value_flags(const char *v, size_t len)
{
    unsigned f = 0, prev = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = (unsigned char)v[i];
        unsigned c = b >= 'A' && b <= 'Z'   ? RP_TFV_UPPER
                     : b >= 'a' && b <= 'z' ? RP_TFV_LOWER
                     : b >= 0x80            ? RP_TFV_NONASCII
                     : b == '%'             ? RP_TFV_PERCENT
                     : b == '+'             ? RP_TFV_PLUS
                     : b == '&'             ? RP_TFV_AMP
                     : b == '\\'            ? RP_TFV_BACKSLASH
                     : b == 0               ? RP_TFV_NUL
                     : b == ' '             ? RP_TFV_SPACE
                     : b >= '\t' && b <= '\r' ? RP_TFV_WS_OTHER
                     : b == '/'             ? RP_TFV_SLASH
                     : b == '*'             ? RP_TFV_STAR
                     : b == '-'             ? RP_TFV_DASH
                     : b == '#'             ? RP_TFV_HASH
                     : b == '"' || b == '\'' || b == '`' ? RP_TFV_QUOTE
                     : b == '^'                         ? RP_TFV_CARET
                     : b == ',' || b == ';'             ? RP_TFV_SEP
                     : b == '('                         ? RP_TFV_PAREN
                     : b == '.'                         ? RP_TFV_DOT
                     : b == '<'                         ? RP_TFV_LT
                                                        : 0;
        unsigned ws = RP_TFV_SPACE | RP_TFV_WS_OTHER | RP_TFV_NONASCII;
        f |= c;
        if ((c & ws) && (prev & ws))
            f |= RP_TFV_WS_RUN;
        if ((b | 0x20) == 'x' && i > 0 && v[i - 1] == '0')
            f |= RP_TFV_0X;
        prev = c;
        if (len && (i == 0 || i == len - 1) && (c & ws))
            f |= RP_TFV_EDGE_WS;
    }
    return f;
}

static void test_value_flags_match_reference(void **state)
{
    (void)state;
    static const char *const fixed[] = {"",      "0",    "x",      "0x",   "0X", "00x", "x0",
                                        "a0b0x", "0 x",  " ",      "  ",   "a b", "a  b", "\t\n",
                                        "\xe4\xb8\xad", "0\xe4x", "abc0", "0x\xff", "AbC"};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        assert_int_equal(rp_transform_value_flags(fixed[i], strlen(fixed[i])),
                         reference_value_flags(fixed[i], strlen(fixed[i])));
    /* random strings over a small alphabet rich in the bytes that matter
     * (lengths 0-40: every unrolled-loop remainder), and over all bytes */
    static const char alphabet[] = "0xXa A\t\xa0\xe4%+&\\/*-#\"'`^,;(.<\n";
    uint32_t x = 88172645u;
    char buf[48];
    for (int round = 0; round < 200000; round++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        size_t n = x % 41;
        bool any = (x >> 8) & 1;
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            buf[k] = any ? (char)(x >> 11) : alphabet[(x >> 11) % (sizeof(alphabet) - 1)];
        }
        unsigned got = rp_transform_value_flags(buf, n), want = reference_value_flags(buf, n);
        if (got != want)
            fail_msg("value flags %#x, reference %#x (length %zu)", got, want, n);
    }
}

/* rp_transform_changes_on is rp_transform_may_change as a mask (the rule
 * engine ORs the masks of a chain's steps to test the whole chain at once):
 * the two must agree for every transformation on every set of byte
 * classes — each class alone, none, all, and pseudo-random unions. */
static void test_changes_on_matches_may_change(void **state)
{
    (void)state;
    unsigned sets[64 + 3];
    size_t nsets = 0;
    sets[nsets++] = 0;
    sets[nsets++] = ~0u;
    for (unsigned b = 0; b < 32; b++)
        sets[nsets++] = 1u << b;
    uint32_t x = 2463534242u; /* xorshift32 */
    while (nsets < sizeof(sets) / sizeof(sets[0])) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        sets[nsets++] = x & (x >> 7); /* sparse unions */
    }
    for (int id = -1; id <= rp_transform_count(); id++) {
        unsigned c = rp_transform_changes_on(id);
        for (size_t i = 0; i < nsets; i++) {
            bool by_mask = c == RP_TFV_ALWAYS || (c & sets[i]) != 0;
            if (by_mask != rp_transform_may_change(id, sets[i]))
                fail_msg("%s (id %d) on flags %#x: mask says %d, may_change says %d",
                         id >= 0 && id < rp_transform_count() ? rp_transform_name(id) : "?", id,
                         sets[i], by_mask, !by_mask);
        }
    }
}

static void test_output_bounds(void **state)
{
    (void)state;
    static const char in[] = "%uD83D%uDE00&#x1F600;\\u{1F600}\\ff1c \xf0\x9f\x98\x80 //./../a\0";
    rp_arena_t *a = rp_arena_new(0, 0);
    for (int id = 1; id < rp_transform_count(); id++) {
        const char *name = rp_transform_name(id), *out;
        size_t n, len = sizeof(in) - 1;
        rp_transform_apply(id, a, in, len, &out, &n);
        if (!strcmp(name, "utf8toUnicode"))
            assert_int_equal(n, len - 4 + 12);
        else if (!strcmp(name, "hexEncode"))
            assert_int_equal(n, 2 * len);
        else if (!strcmp(name, "base64Encode"))
            assert_int_equal(n, (len + 2) / 3 * 4);
        else if (!strcmp(name, "md5"))
            assert_int_equal(n, 16);
        else if (!strcmp(name, "sha1"))
            assert_int_equal(n, 20);
        else if (strcmp(name, "urlEncode") != 0)
            assert_true(n <= len);
    }
    rp_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_chains),
        cmocka_unit_test(test_clean_values_unchanged),
        cmocka_unit_test(test_unicode_round_trip),
        cmocka_unit_test(test_allocation_failure),
        cmocka_unit_test(test_output_bounds),
        cmocka_unit_test(test_identity_shortcut_sound),
        cmocka_unit_test(test_changes_on_matches_may_change),
        cmocka_unit_test(test_value_flags_match_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
