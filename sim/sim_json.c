/* sim_json.c - typed, path-aware access to cJSON trees for scenario and experiment loaders. */
#include <stdlib.h>
#include <limits.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "sim_json.h"

int sim_jerr(sim_jctx *c, const char *path, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path && *path)
        snprintf(c->err, sizeof c->err, "%s: %s: %s", c->file, path, msg);
    else
        snprintf(c->err, sizeof c->err, "%s: %s", c->file, msg);
    return -1;
}

const char *sim_jfound(const cJSON *v, char *buf, size_t n)
{
    if (!v)
        snprintf(buf, n, "nothing");
    else if (cJSON_IsNumber(v))
        snprintf(buf, n, "%.17g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(buf, n, "\"%.60s\"", v->valuestring);
    else if (cJSON_IsBool(v))
        snprintf(buf, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        snprintf(buf, n, "null");
    else if (cJSON_IsArray(v)) {
        int k = cJSON_GetArraySize(v);
        if (k == 0)
            snprintf(buf, n, "an empty array");
        else
            snprintf(buf, n, "an array of %d value%s", k, k == 1 ? "" : "s");
    } else {
        snprintf(buf, n, v->child ? "an object" : "an empty object");
    }
    return buf;
}

const char *sim_jpath_key(char *buf, size_t n, const char *parent, const char *key)
{
    if (parent && *parent)
        snprintf(buf, n, "%s.%s", parent, key);
    else
        snprintf(buf, n, "%s", key);
    return buf;
}

const char *sim_jpath_idx(char *buf, size_t n, const char *parent, int i)
{
    snprintf(buf, n, "%s[%d]", parent ? parent : "", i);
    return buf;
}

const cJSON *sim_jget(const cJSON *obj, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Levenshtein distance, or 99 for names too long to be typos of each other. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63 || (la > lb ? la - lb : lb - la) > 2)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

int sim_jnearest(const char *name, int n, const char *(*cand)(const void *ctx, int i), const void *ctx)
{
    int best = -1, bd = 3, len = (int)strlen(name);
    for (int i = 0; i < n; i++) {
        const char *s = cand(ctx, i);
        if (!s)
            continue;
        if (strcasecmp(s, name) == 0)
            return i;
        int d = edit_distance(name, s);
        if (d < bd && d < len) {
            bd = d;
            best = i;
        }
    }
    return best;
}

static const char *list_item(const void *ctx, int i)
{
    return ((const char *const *)ctx)[i];
}

int sim_jnearest_in(const char *name, const char *const list[])
{
    int n = 0;
    while (list[n])
        n++;
    return sim_jnearest(name, n, list_item, list);
}

int sim_jobject(sim_jctx *c, const cJSON *obj, const char *path, const char *what,
                const char *const allowed[])
{
    char f[96];
    if (!cJSON_IsObject(obj))
        return sim_jerr(c, path, "expected %s (a JSON object), found %s", what,
                        sim_jfound(obj, f, sizeof f));
    for (const cJSON *it = obj->child; it; it = it->next) {
        size_t i;
        for (i = 0; allowed[i]; i++)
            if (strcmp(allowed[i], it->string) == 0)
                break;
        char p[256];
        if (!allowed[i]) {
            char list[256] = "";
            size_t len = 0;
            for (size_t k = 0; allowed[k] && len < sizeof list - 1; k++)
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", k ? ", " : "",
                                        allowed[k]);
            int near = sim_jnearest_in(it->string, allowed);
            if (near >= 0)
                return sim_jerr(c, sim_jpath_key(p, sizeof p, path, it->string),
                                "unknown field; did you mean \"%s\"? (expected one of: %s)", allowed[near], list);
            return sim_jerr(c, sim_jpath_key(p, sizeof p, path, it->string),
                            "unknown field (expected one of: %s)", list);
        }
        for (const cJSON *o = obj->child; o != it; o = o->next)
            if (strcmp(o->string, it->string) == 0)
                return sim_jerr(c, sim_jpath_key(p, sizeof p, path, it->string),
                                "expected each field once, found it twice");
    }
    return 0;
}

int sim_jnum(sim_jctx *c, const cJSON *obj, const char *path, const char *key, double lo,
             int lo_open, double hi, const double *dflt, double *out)
{
    char p[256], f[96];
    const cJSON *v = sim_jget(obj, key);
    sim_jpath_key(p, sizeof p, path, key);
    if (!v) {
        if (dflt) {
            *out = *dflt;
            return 0;
        }
        return sim_jerr(c, p, "expected a number, found nothing (the field is required)");
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return sim_jerr(c, p, "expected a number, found %s", sim_jfound(v, f, sizeof f));
    double x = v->valuedouble;
    if (lo_open ? x <= lo : x < lo)
        return sim_jerr(c, p, "expected a number %s %.17g, found %s", lo_open ? ">" : ">=", lo,
                        sim_jfound(v, f, sizeof f));
    if (x > hi)
        return sim_jerr(c, p, "expected a number <= %.17g, found %s", hi, sim_jfound(v, f, sizeof f));
    *out = x;
    return 0;
}

int sim_jint(sim_jctx *c, const cJSON *obj, const char *path, const char *key, long long lo,
             long long hi, const long long *dflt, long long *out)
{
    char p[256], f[96];
    const cJSON *v = sim_jget(obj, key);
    sim_jpath_key(p, sizeof p, path, key);
    if (!v) {
        if (dflt) {
            *out = *dflt;
            return 0;
        }
        return sim_jerr(c, p, "expected an integer, found nothing (the field is required)");
    }
    double x = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    if (!cJSON_IsNumber(v) || x != floor(x) || x < (double)lo || x > (double)hi) {
        if (hi >= (1LL << 40)) /* no bound a person would mean */
            return sim_jerr(c, p, "expected an integer >= %lld, found %s", lo, sim_jfound(v, f, sizeof f));
        return sim_jerr(c, p, "expected an integer in [%lld, %lld], found %s", lo, hi,
                        sim_jfound(v, f, sizeof f));
    }
    *out = (long long)x;
    return 0;
}

int sim_jstr(sim_jctx *c, const cJSON *obj, const char *path, const char *key,
             const char *dflt, const char **out)
{
    char p[256], f[96];
    const cJSON *v = sim_jget(obj, key);
    if (!v && dflt) {
        *out = dflt;
        return 0;
    }
    if (!cJSON_IsString(v))
        return sim_jerr(c, sim_jpath_key(p, sizeof p, path, key), "expected a string, found %s",
                        sim_jfound(v, f, sizeof f));
    *out = v->valuestring;
    return 0;
}

cJSON *sim_jparse(sim_jctx *c, const char *text)
{
    if (text[strspn(text, " \t\r\n")] == 0) {
        snprintf(c->err, sizeof c->err, "%s: expected a JSON object, found an empty file", c->file);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (root)
        return root;
    /* cJSON points at where parsing stopped; turn that into line:column. */
    const char *at = end ? end : text;
    int line = 1, col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    /* Show the text just before the stop point too: cJSON often stops one
     * character past the culprit (at a line end, say). */
    const char *from = at;
    for (int k = 0; k < 16 && from > text && from[-1] != '\n'; k++)
        from--;
    char near[48] = "";
    size_t k = 0;
    for (const char *p = from; *p && *p != '\n' && k < sizeof near - 1; p++)
        near[k++] = *p;
    near[k] = 0;
    snprintf(c->err, sizeof c->err, "%s:%d:%d: malformed JSON near '%s'", c->file, line, col,
             near);
    return NULL;
}

/* ---- printing as cJSON_Print does ---------------------------------------- */

/* A number as cJSON 1.7.15 prints it: %1.15g when that reads back within
 * a relative DBL_EPSILON, else %1.17g (a test holds it to the library's
 * own output).  Reading back with strtod gives what cJSON's sscanf("%lg")
 * gives, faster. */
static void jprint_number(FILE *f, double d)
{
    char buf[32];
    if (isnan(d) || isinf(d)) {
        fputs("null", f);
        return;
    }
    if (d == floor(d) && fabs(d) < 1e15) { /* a whole number: %1.15g's digits, without printf */
        char *p = buf + sizeof buf;
        *--p = 0;
        unsigned long long u = (unsigned long long)fabs(d);
        do
            *--p = (char)('0' + u % 10);
        while ((u /= 10) != 0);
        if (signbit(d))
            *--p = '-';
        fputs(p, f);
        return;
    }
    snprintf(buf, sizeof buf, "%1.15g", d);
    double back = strtod(buf, NULL), big = fabs(back) > fabs(d) ? fabs(back) : fabs(d);
    if (!(fabs(back - d) <= big * DBL_EPSILON))
        snprintf(buf, sizeof buf, "%1.17g", d);
    fputs(buf, f);
}

static void jprint_string(FILE *f, const char *s)
{
    s = s ? s : "";
    size_t plain = 0; /* the common case, nothing to escape: one write */
    while (s[plain] && s[plain] != '"' && s[plain] != '\\' && (unsigned char)s[plain] >= 32)
        plain++;
    if (!s[plain]) {
        fputc('"', f);
        fwrite(s, 1, plain, f);
        fputc('"', f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 32)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void tabs(FILE *f, int n)
{
    static const char t[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    for (; n > 16; n -= 16)
        fwrite(t, 1, 16, f);
    fwrite(t, 1, (size_t)n, f);
}

int sim_jprint(FILE *f, const cJSON *item, int depth)
{
    switch (item->type & 0xFF) {
    case cJSON_NULL: fputs("null", f); break;
    case cJSON_False: fputs("false", f); break;
    case cJSON_True: fputs("true", f); break;
    case cJSON_Number: jprint_number(f, item->valuedouble); break;
    case cJSON_String: jprint_string(f, item->valuestring); break;
    case cJSON_Raw: fputs(item->valuestring ? item->valuestring : "", f); break;
    case cJSON_Array:
        fputc('[', f);
        for (const cJSON *it = item->child; it; it = it->next) {
            sim_jprint(f, it, depth + 1);
            if (it->next)
                fputs(", ", f);
        }
        fputc(']', f);
        break;
    case cJSON_Object:
        fputs("{\n", f);
        for (const cJSON *it = item->child; it; it = it->next) {
            tabs(f, depth + 1);
            jprint_string(f, it->string);
            fputs(":\t", f);
            sim_jprint(f, it, depth + 1);
            fputs(it->next ? ",\n" : "\n", f);
        }
        tabs(f, depth);
        fputc('}', f);
        break;
    default:
        return -1;
    }
    return ferror(f) ? -1 : 0;
}
