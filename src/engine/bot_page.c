/*
 * bot_page.c — the challenge page the gateway serves itself: plain HTML
 * with an inline script that does the proof of work (SHA-256 in the page,
 * so it also runs where crypto.subtle is missing: plain-HTTP origins),
 * then goes to the answer path, which sets the clearance and sends the
 * browser back. No third party, no CAPTCHA: nothing to see or hear, so
 * nothing that shuts out people using screen readers.
 *
 * What the page tells people is in a live region (WCAG 2.1 4.1.3 status
 * messages): that the check runs, that JavaScript is needed (noscript),
 * and when the browser blocks cookies, that cookies are needed — without
 * them the clearance cannot be kept and the page would come back forever.
 *
 * Only three values are inserted: the token ([a-z0-9.]), the difficulty (a
 * number) and the return path percent-encoded by the caller
 * ([A-Za-z0-9%._~-]); none can close the script's string.
 */
#include <stdio.h>
#include <string.h>

#include "bot_policy.h"

static const char page_head[] =
    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
    "<meta name=\"robots\" content=\"noindex\"><title>Checking your browser</title>"
    "<style>body{font:1.1em/1.5 system-ui,sans-serif;max-width:36em;margin:4em auto;"
    "padding:0 1em;color:#111;background:#fff}</style></head><body><main>\n"
    "<h1>Checking your browser</h1>\n"
    "<p id=\"rampart-status\" role=\"status\" aria-live=\"polite\">This site checks that a "
    "browser, not an automated program, is visiting. This takes a few seconds and needs "
    "JavaScript and cookies.</p>\n"
    "<noscript><p>JavaScript is turned off. Please turn it on for this site and reload the "
    "page.</p></noscript>\n</main>\n<script>\n(function(){\n";

/* SHA-256 (FIPS 180-4) of an ASCII string, first 32 bits only: the
 * difficulty is at most 24 bits. */
static const char page_script[] =
    "var s=document.getElementById('rampart-status');\n"
    "document.cookie='rampart_ck=1; path=/; SameSite=Lax';\n"
    "if(!navigator.cookieEnabled||document.cookie.indexOf('rampart_ck=1')<0){"
    "s.textContent='Your browser blocks cookies for this site. Please allow cookies for this "
    "site and reload the page.';return;}\n"
    "document.cookie='rampart_ck=; path=/; max-age=0';\n"
    "var K=[0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,"
    "0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,"
    "0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,"
    "0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,"
    "0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,"
    "0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,"
    "0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,"
    "0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,"
    "0xc67178f2];\n"
    "function h0(m){var l=m.length,n=((l+8)>>6)+1,M=[],W=[],i,j,a,b,c,d,e,f,g,h,x,y,t,u,"
    "H=[0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,"
    "0x5be0cd19];\n"
    "for(i=0;i<n*16;i++)M[i]=0;for(i=0;i<l;i++)M[i>>2]|=m.charCodeAt(i)<<(24-(i&3)*8);\n"
    "M[l>>2]|=0x80<<(24-(l&3)*8);M[n*16-1]=l*8;\n"
    "for(j=0;j<n*16;j+=16){a=H[0];b=H[1];c=H[2];d=H[3];e=H[4];f=H[5];g=H[6];h=H[7];\n"
    "for(i=0;i<64;i++){if(i<16)W[i]=M[j+i]|0;else{x=W[i-15];y=W[i-2];"
    "W[i]=((x>>>7|x<<25)^(x>>>18|x<<14)^(x>>>3))+W[i-16]+((y>>>17|y<<15)^(y>>>19|y<<13)^"
    "(y>>>10))+W[i-7]|0;}\n"
    "t=h+((e>>>6|e<<26)^(e>>>11|e<<21)^(e>>>25|e<<7))+((e&f)^(~e&g))+K[i]+W[i]|0;"
    "u=((a>>>2|a<<30)^(a>>>13|a<<19)^(a>>>22|a<<10))+((a&b)^(a&c)^(b&c))|0;\n"
    "h=g;g=f;f=e;e=d+t|0;d=c;c=b;b=a;a=t+u|0;}\n"
    "H[0]=H[0]+a|0;H[1]=H[1]+b|0;H[2]=H[2]+c|0;H[3]=H[3]+d|0;H[4]=H[4]+e|0;H[5]=H[5]+f|0;"
    "H[6]=H[6]+g|0;H[7]=H[7]+h|0;}\nreturn H[0]>>>0;}\n"
    "var w=0;function done(){location.replace('" BOT_ANSWER_PATH
    "?t='+T+'&n='+w+'&w='+(navigator.webdriver?1:0)+'&r='+R);}\n"
    "function step(){for(var end=w+20000;w<end;w++){if(D===0||(h0(T+'.'+w)>>>(32-D))===0)"
    "return done();}setTimeout(step,0);}\n"
    "step();\n})();\n</script></body></html>\n";

char *bot_page_render(void *(*alloc)(void *ctx, size_t n), void *ctx, const char *token,
                      unsigned difficulty, const char *return_to, size_t *len)
{
    char vars[RP_BOT_TOKEN_MAX + 64];
    int vl = snprintf(vars, sizeof(vars), "var T='%s',D=%u,R='", token, difficulty);
    if (vl < 0 || (size_t)vl >= sizeof(vars))
        return NULL;
    size_t rl = strlen(return_to);
    size_t n = sizeof(page_head) - 1 + (size_t)vl + rl + 3 + sizeof(page_script) - 1;
    char *out = alloc(ctx, n + 1);
    if (!out)
        return NULL;
    char *p = out;
    memcpy(p, page_head, sizeof(page_head) - 1);
    p += sizeof(page_head) - 1;
    memcpy(p, vars, (size_t)vl);
    p += vl;
    memcpy(p, return_to, rl);
    p += rl;
    memcpy(p, "';\n", 3);
    p += 3;
    memcpy(p, page_script, sizeof(page_script) - 1);
    p += sizeof(page_script) - 1;
    *p = '\0';
    *len = n;
    return out;
}
