/* safetensors and file utilities: round trips compared bit for bit, a
 * fixture written by an independent Python writer, one test per kind of
 * corruption (each must be rejected with a message naming the problem),
 * truncation at every byte, and atomic writes that must leave the old file
 * intact when they fail. */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cad_file.h"
#include "cad_safetensors.h"
#include "cad_test.h"

static char tmpdir[] = "/tmp/cad_test_st_XXXXXX";

static int same_bits(float a, float b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static int tensor_equal(const cad_st_tensor *a, const cad_st_tensor *b)
{
    if (!a || !b || strcmp(a->name, b->name) != 0 || a->ndim != b->ndim ||
        a->numel != b->numel)
        return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k])
            return 0;
    for (int64_t i = 0; i < a->numel; i++)
        if (!same_bits(a->data[i], b->data[i]))
            return 0;
    return 1;
}

/* Does the directory hold any of our temp files ("*.tmp-<pid>-<n>")? */
static int temp_files_left(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;
    while (d && (de = readdir(d)) != NULL)
        n += strstr(de->d_name, ".tmp-") != NULL;
    if (d)
        closedir(d);
    return n;
}

/* ---- round trip ------------------------------------------------------- */

static void build_model(cad_st_file *f, int reverse)
{
    static float w[3 * 4], b[5], c[2 * 2 * 2], t4[1 * 2 * 3 * 2];
    uint32_t s = 12345;
    for (int i = 0; i < 12; i++) {
        s = s * 1664525u + 1013904223u;
        w[i] = (float)(int32_t)s / 2147483648.0f;
    }
    float special[5] = {-0.0f, 1e-40f /* subnormal */, FLT_MAX, -FLT_MIN,
                        0.1f};
    memcpy(b, special, sizeof b);
    for (int i = 0; i < 8; i++)
        c[i] = (float)i - 3.5f;
    for (int i = 0; i < 12; i++)
        t4[i] = ldexpf(1.0f, i - 6);
    const int64_t sw[] = {3, 4}, sb[] = {5}, sc[] = {2, 2, 2},
                  s4[] = {1, 2, 3, 2}, sz[] = {4, 0};
    float scalar = 7.0f;
    cad_error e = {{0}};
    /* Insertion order must not change the bytes: try it both ways. */
    for (int k = 0; k < 6; k++) {
        int i = reverse ? 5 - k : k, rc = 0;
        switch (i) {
        case 0: rc = cad_st_add(f, "lstm.w", 2, sw, w, &e); break;
        case 1: rc = cad_st_add(f, "bias", 1, sb, b, &e); break;
        case 2: rc = cad_st_add(f, "cube", 3, sc, c, &e); break;
        case 3: rc = cad_st_add(f, "t4", 4, s4, t4, &e); break;
        case 4: rc = cad_st_add(f, "scalar", 0, NULL, &scalar, &e); break;
        case 5: rc = cad_st_add(f, "void", 2, sz, NULL, &e); break;
        }
        CHECKF(rc == 0, "%s", e.msg);
    }
    CHECK(cad_st_set_meta(f, "arch", "lstm", &e) == 0);
    CHECK(cad_st_set_meta(f, reverse ? "notes" : "a\"b",
                          reverse ? "h\xc3\xa9llo \"q\"\n\t\\" : "x", &e) ==
          0);
    CHECK(cad_st_set_meta(f, reverse ? "a\"b" : "notes",
                          reverse ? "x" : "h\xc3\xa9llo \"q\"\n\t\\", &e) ==
          0);
}

static int file_is(const char *path, const void *want, size_t n);

static void test_round_trip(void)
{
    cad_st_file f = {0}, g = {0}, h = {0};
    cad_error e = {{0}};
    build_model(&f, 0);
    build_model(&g, 1);
    uint8_t *b1 = NULL, *b2 = NULL, *b3 = NULL;
    size_t n1 = 0, n2 = 0, n3 = 0;
    CHECK(cad_st_serialize(&f, &b1, &n1, &e) == 0);
    CHECK(cad_st_serialize(&f, &b2, &n2, &e) == 0);
    CHECK(n1 == n2 && n1 > 0 && memcmp(b1, b2, n1) == 0);
    free(b2);
    CHECK(cad_st_serialize(&g, &b2, &n2, &e) == 0);
    CHECKF(n1 == n2 && memcmp(b1, b2, n1) == 0,
           "insertion order changed the bytes");
    /* The streaming writer writes the same bytes as the one in memory. */
    char spath[512];
    snprintf(spath, sizeof spath, "%s/stream.safetensors", tmpdir);
    CHECKF(cad_st_save(spath, &f, &e) == 0, "%s", e.msg);
    CHECK(file_is(spath, b1, n1));
    unlink(spath);

    /* Layout: length is a multiple of 8, __metadata__ first, keys sorted,
     * data area aligned. */
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | b1[i];
    CHECK(hl % 8 == 0 && 8 + hl <= n1);
    char *hdr = strndup((const char *)b1 + 8, (size_t)hl);
    CHECK(strncmp(hdr, "{\"__metadata__\":{\"a\\\"b\":\"x\",\"arch\":", 35)
          == 0);
    const char *order[] = {"\"bias\"", "\"cube\"", "\"lstm.w\"", "\"scalar\"",
                           "\"t4\"", "\"void\""};
    for (int i = 1; i < 6; i++)
        CHECKF(strstr(hdr, order[i - 1]) < strstr(hdr, order[i]),
               "key order %s", order[i]);
    free(hdr);

    CHECKF(cad_st_parse(b1, n1, &h, &e) == 0, "%s", e.msg);
    CHECK(h.n_tensors == 6 && h.n_meta == 3);
    for (int i = 0; i < f.n_tensors; i++)
        CHECKF(tensor_equal(&f.tensors[i],
                            cad_st_find(&h, f.tensors[i].name)),
               "tensor %s", f.tensors[i].name);
    CHECK(cad_st_find(&h, "scalar") && cad_st_find(&h, "scalar")->ndim == 0 &&
          cad_st_find(&h, "scalar")->data[0] == 7.0f);
    CHECK(cad_st_meta(&h, "notes") &&
          strcmp(cad_st_meta(&h, "notes"), "h\xc3\xa9llo \"q\"\n\t\\") == 0);
    CHECK(cad_st_meta(&h, "a\"b") && strcmp(cad_st_meta(&h, "a\"b"), "x") == 0);
    CHECK(cad_st_meta(&h, "nope") == NULL && cad_st_find(&h, "nope") == NULL);
    CHECK(cad_st_serialize(&h, &b3, &n3, &e) == 0);
    CHECK(n3 == n1 && memcmp(b1, b3, n1) == 0);

    /* Through the file system. */
    char path[512];
    snprintf(path, sizeof path, "%s/model.safetensors", tmpdir);
    cad_st_free(&h);
    CHECKF(cad_st_save(path, &f, &e) == 0, "%s", e.msg);
    CHECKF(cad_st_load(path, &h, &e) == 0, "%s", e.msg);
    for (int i = 0; i < f.n_tensors; i++)
        CHECK(tensor_equal(&f.tensors[i], cad_st_find(&h, f.tensors[i].name)));

    /* Known bytes for the smallest file. */
    cad_st_file one = {0};
    const int64_t s1[] = {1};
    const float v1[] = {1.0f};
    CHECK(cad_st_add(&one, "a", 1, s1, v1, &e) == 0);
    uint8_t *ob = NULL;
    size_t on = 0;
    CHECK(cad_st_serialize(&one, &ob, &on, &e) == 0);
    static const char want_hdr[] =
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  ";
    CHECK(on == 8 + 56 + 4);
    CHECK(sizeof want_hdr - 1 == 56);
    static const uint8_t want_len[8] = {56, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t want_data[4] = {0x00, 0x00, 0x80, 0x3f};
    CHECK(ob && memcmp(ob, want_len, 8) == 0 &&
          memcmp(ob + 8, want_hdr, 56) == 0 &&
          memcmp(ob + 64, want_data, 4) == 0);
    free(ob);

    /* The builder refuses what the loader would refuse. */
    CHECK(cad_st_add(&one, "a", 1, s1, v1, &e) == -1 &&
          strstr(e.msg, "duplicate"));
    CHECK(cad_st_add(&one, "__metadata__", 1, s1, v1, &e) == -1);
    CHECK(cad_st_add(&one, "b", 5, s1, v1, &e) == -1);
    CHECK(cad_st_add(&one, "\xff", 1, s1, v1, &e) == -1 &&
          strstr(e.msg, "UTF-8"));
    one.tensors[0].data[0] = NAN;
    CHECK(cad_st_serialize(&one, &ob, &on, &e) == -1 &&
          strstr(e.msg, "non-finite") && strstr(e.msg, "'a'") && ob == NULL);
    cad_st_free(&one);

    free(b1);
    free(b2);
    free(b3);
    cad_st_free(&f);
    cad_st_free(&g);
    cad_st_free(&h);
    CHECK(f.n_tensors == 0 && f.tensors == NULL);
}

/* ---- fixture from the independent writer ------------------------------- */

static void test_fixture(void)
{
    cad_st_file f;
    cad_error e = {{0}};
    const char *path = "tests/corpus/safetensors/fixture_mixed.safetensors";
    CHECKF(cad_st_load(path, &f, &e) == 0, "%s", e.msg);
    CHECK(f.n_tensors == 5 && f.n_meta == 2);

    const cad_st_tensor *t = cad_st_find(&f, "dense.weight");
    const float w[] = {0.0f, 1.0f, -2.5f, 3.25f, 0.1f, -1e-30f};
    CHECK(t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3 &&
          t->numel == 6);
    for (int i = 0; t && i < 6; i++)
        CHECKF(same_bits(t->data[i], w[i]), "F32[%d] = %g", i, t->data[i]);

    t = cad_st_find(&f, "\xc3\xa9mbed"); /* "émbed" */
    const float h[] = {1.0f, -0.5f, 65504.0f, ldexpf(1.0f, -24), -0.0f};
    CHECK(t && t->ndim == 1 && t->shape[0] == 5);
    for (int i = 0; t && i < 5; i++)
        CHECKF(same_bits(t->data[i], h[i]), "F16[%d] = %g", i, t->data[i]);

    t = cad_st_find(&f, "norm.scale");
    const float bf[] = {1.0f, -3.5f, ldexpf(1.0f, -130), ldexpf(1.0f, 127)};
    CHECK(t && t->ndim == 4 && t->shape[0] == 1 && t->shape[1] == 2 &&
          t->shape[2] == 1 && t->shape[3] == 2);
    for (int i = 0; t && i < 4; i++)
        CHECKF(same_bits(t->data[i], bf[i]), "BF16[%d] = %g", i, t->data[i]);

    t = cad_st_find(&f, "step");
    CHECK(t && t->ndim == 0 && t->numel == 1 && t->data[0] == 42.0f);
    t = cad_st_find(&f, "empty");
    CHECK(t && t->ndim == 2 && t->shape[1] == 3 && t->numel == 0);
    CHECK(cad_st_meta(&f, "format") &&
          strcmp(cad_st_meta(&f, "format"), "pt") == 0);
    CHECK(cad_st_meta(&f, "source") &&
          strcmp(cad_st_meta(&f, "source"), "make_safetensors.py") == 0);

    /* Truncated anywhere, the fixture must be refused (and ASan watches
     * for reads past the exact-size copy). */
    uint8_t *buf;
    size_t len;
    CHECK(cad_file_read_all(path, 1 << 20, &buf, &len, &e) == 0);
    int accepted = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, buf, n);
        cad_st_file g;
        e.msg[0] = '\0';
        if (cad_st_parse(cut, n, &g, &e) == 0) {
            accepted++;
            cad_st_free(&g);
        } else if (!e.msg[0]) {
            accepted++;
        }
        free(cut);
    }
    CHECKF(accepted == 0, "%d truncations accepted or silent", accepted);
    free(buf);
    cad_st_free(&f);
}

/* ---- corruption, one kind at a time ------------------------------------ */

/* An 8-byte length, the header, then data. */
static uint8_t *make_file(const char *hdr, const void *data, size_t dlen,
                          size_t *len)
{
    size_t hl = strlen(hdr);
    *len = 8 + hl + dlen;
    uint8_t *b = malloc(*len);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, hdr, hl);
    if (dlen)
        memcpy(b + 8 + hl, data, dlen);
    return b;
}

static void expect_reject(const uint8_t *buf, size_t len, const char *what,
                          const char *want1, const char *want2)
{
    cad_st_file f;
    cad_error e = {{0}};
    int rc = cad_st_parse(buf, len, &f, &e);
    CHECKF(rc == -1, "%s: accepted", what);
    CHECKF(e.msg[0] != '\0', "%s: empty message", what);
    CHECKF(strstr(e.msg, want1) != NULL, "%s: '%s' lacks '%s'", what, e.msg,
           want1);
    if (want2)
        CHECKF(strstr(e.msg, want2) != NULL, "%s: '%s' lacks '%s'", what,
               e.msg, want2);
    CHECKF(f.n_tensors == 0 && f.tensors == NULL && f.n_meta == 0,
           "%s: output not cleared", what);
    if (rc == 0)
        cad_st_free(&f);
}

#define ENT(dt, shape, offs)                                               \
    "{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":" offs "}"

static void test_corruptions(void)
{
    static const uint8_t f32_12[12] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40,
                                       0, 0, 0x40, 0x40}; /* 1, 2, 3 */
    static const struct {
        const char *what, *hdr;
        const uint8_t data[8];
        size_t dlen;
        const char *want1, *want2;
    } cases[] = {
        {"not json", "{\"a\": ", {0}, 0, "not valid JSON", NULL},
        {"empty header", "", {0}, 0, "not valid JSON", NULL},
        {"not object", "[1, 2]", {0}, 0, "not a JSON object", NULL},
        {"trailing", "{} x", {0}, 0, "trailing", NULL},
        {"entry not object", "{\"a\": 5}", {0}, 0, "'a'", "JSON object"},
        {"missing dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}",
         {0}, 4, "missing \"dtype\"", "'a'"},
        {"missing shape", "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}",
         {0}, 4, "missing \"shape\"", NULL},
        {"missing offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", {0},
         4, "missing \"data_offsets\"", NULL},
        {"dtype type", "{\"a\":" ENT("F32", "[1]", "[0,4]") ",\"b\":"
         "{\"dtype\":4,\"shape\":[1],\"data_offsets\":[4,8]}}", {0}, 8,
         "\"dtype\" must be a string", "'b'"},
        {"shape type", "{\"a\":" ENT("F32", "\"1\"", "[0,4]") "}", {0}, 4,
         "\"shape\" must be an array", NULL},
        {"offsets len", "{\"a\":" ENT("F32", "[1]", "[0]") "}", {0}, 4,
         "data_offsets", NULL},
        {"offsets type", "{\"a\":" ENT("F32", "[1]", "{}") "}", {0}, 4,
         "data_offsets", NULL},
        {"offset string", "{\"a\":" ENT("F32", "[1]", "[0,\"4\"]") "}", {0},
         4, "must be numbers", NULL},
        {"dtype F64", "{\"a\":" ENT("F64", "[1]", "[0,8]") "}", {0}, 8,
         "unsupported dtype 'F64'", "'a'"},
        {"dtype I32", "{\"w.x\":" ENT("I32", "[1]", "[0,4]") "}", {0}, 4,
         "unsupported dtype 'I32'", "'w.x'"},
        {"dtype lower", "{\"a\":" ENT("f32", "[1]", "[0,4]") "}", {0}, 4,
         "unsupported dtype", NULL},
        {"5 dims", "{\"a\":" ENT("F32", "[1,1,1,1,1]", "[0,4]") "}", {0}, 4,
         "5 dimensions", NULL},
        {"negative dim", "{\"a\":" ENT("F32", "[-1]", "[0,4]") "}", {0}, 4,
         "negative", NULL},
        {"fractional dim", "{\"a\":" ENT("F32", "[1.5]", "[0,4]") "}", {0}, 4,
         "not an integer", NULL},
        {"bool dim", "{\"a\":" ENT("F32", "[true]", "[0,4]") "}", {0}, 4,
         "must be numbers", NULL},
        {"huge dim", "{\"a\":" ENT("F32", "[1e300]", "[0,4]") "}", {0}, 4,
         "too large", NULL},
        {"product overflow",
         "{\"a\":" ENT("F32", "[4294967296,4294967296]", "[0,4]") "}", {0}, 4,
         "overflow", NULL},
        {"negative offset", "{\"a\":" ENT("F32", "[1]", "[-4,0]") "}", {0}, 4,
         "negative", NULL},
        {"offsets outside", "{\"a\":" ENT("F32", "[2]", "[0,8]") "}", {0}, 4,
         "outside the data area", NULL},
        {"end before start", "{\"a\":" ENT("F32", "[1]", "[4,0]") "}", {0}, 4,
         "before start", NULL},
        {"byte count", "{\"a\":" ENT("F32", "[2]", "[0,4]") "}", {0}, 8,
         "bytes", NULL},
        {"byte count f16", "{\"a\":" ENT("F16", "[3]", "[0,8]") "}", {0}, 8,
         "bytes", NULL},
        {"overlap", "{\"a\":" ENT("F32", "[2]", "[0,8]") ",\"b\":"
         ENT("F32", "[1]", "[4,8]") "}", {0}, 8, "overlap", "'b'"},
        {"nan f32", "{\"a\":" ENT("F32", "[1]", "[0,4]") "}",
         {0, 0, 0xc0, 0x7f}, 4, "non-finite", "'a'"},
        {"inf f32", "{\"b\":" ENT("F32", "[2]", "[0,8]") "}",
         {0, 0, 0, 0, 0, 0, 0x80, 0xff}, 8, "non-finite", "'b'"},
        {"inf f16", "{\"h\":" ENT("F16", "[2]", "[0,4]") "}",
         {0, 0x3c, 0, 0x7c}, 4, "non-finite", "'h'"},
        {"nan f16", "{\"h\":" ENT("F16", "[1]", "[0,2]") "}", {0x01, 0x7e},
         2, "non-finite", NULL},
        {"inf bf16", "{\"g\":" ENT("BF16", "[1]", "[0,2]") "}", {0x80, 0x7f},
         2, "non-finite", "'g'"},
        {"nan bf16", "{\"g\":" ENT("BF16", "[1]", "[0,2]") "}", {0xc0, 0xff},
         2, "non-finite", NULL},
        {"meta array", "{\"__metadata__\":[1]}", {0}, 0, "__metadata__",
         NULL},
        {"meta number", "{\"__metadata__\":{\"k\":1}}", {0}, 0,
         "__metadata__", "'k'"},
        {"meta null", "{\"__metadata__\":null}", {0}, 0, "__metadata__",
         NULL},
        {"meta twice", "{\"__metadata__\":{},\"__metadata__\":{}}", {0}, 0,
         "__metadata__", NULL},
        {"meta dup key", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", {0},
         0, "duplicate", "'k'"},
        {"meta bad utf8", "{\"__metadata__\":{\"k\":\"\xc3\"}}", {0}, 0,
         "UTF-8", NULL},
        {"dup tensor", "{\"a\":" ENT("F32", "[1]", "[0,4]") ",\"a\":"
         ENT("F32", "[1]", "[4,8]") "}", {0}, 8, "duplicate", "'a'"},
        {"name 0xff", "{\"\xff\":" ENT("F32", "[1]", "[0,4]") "}", {0}, 4,
         "UTF-8", NULL},
        {"name overlong", "{\"\xc0\xaf\":" ENT("F32", "[1]", "[0,4]") "}",
         {0}, 4, "UTF-8", NULL},
        {"name surrogate", "{\"\xed\xa0\x80\":" ENT("F32", "[1]", "[0,4]")
         "}", {0}, 4, "UTF-8", NULL},
        {"name empty", "{\"\":" ENT("F32", "[1]", "[0,4]") "}", {0}, 4,
         "empty", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len;
        const void *data = cases[i].data;
        if (strcmp(cases[i].what, "overlap") == 0 ||
            strcmp(cases[i].what, "byte count") == 0)
            data = f32_12;
        uint8_t *b = make_file(cases[i].hdr, data, cases[i].dlen, &len);
        expect_reject(b, len, cases[i].what, cases[i].want1, cases[i].want2);
        free(b);
    }

    /* Length-field problems cannot be written as a header string. */
    uint8_t b[16] = {0};
    expect_reject(b, 3, "3 bytes", "too short", NULL);
    expect_reject(b, 0, "0 bytes", "too short", NULL);
    b[5] = 1; /* 2^40 */
    expect_reject(b, 16, "absurd", "absurd", NULL);
    memset(b, 0, 8);
    b[0] = 100;
    memcpy(b + 8, "{}      ", 8);
    expect_reject(b, 16, "past end", "larger than", NULL);

    /* Hostile header shapes are refused before cJSON builds a tree of
     * them (issue 10, item 5): too deep, too many values, too long. */
    {
        char deep[64] = "{\"a\":";
        for (int i = 0; i < 5; i++)
            strcat(deep, "[");
        for (int i = 0; i < 5; i++)
            strcat(deep, "]");
        strcat(deep, "}");
        size_t dl;
        uint8_t *db = make_file(deep, NULL, 0, &dl);
        expect_reject(db, dl, "deep header", "nested too deeply", NULL);
        free(db);
        size_t n = 200000;
        char *arr = malloc(n + 1);
        arr[0] = '[';
        for (size_t i = 1; i + 1 < n; i += 2)
            arr[i] = '0', arr[i + 1] = ',';
        arr[n - 2] = '0';
        arr[n - 1] = ']';
        arr[n] = '\0';
        uint8_t *ab = make_file(arr, NULL, 0, &dl);
        expect_reject(ab, dl, "array header", "too many values", NULL);
        free(ab);
        free(arr);
        memset(b, 0, sizeof b);
        b[2] = 0x20; /* 2 MiB */
        expect_reject(b, 16, "2 MiB header", "absurd", NULL);
    }

    /* A name longer than the limit. */
    char hdr[2200];
    memset(hdr, 'x', sizeof hdr);
    hdr[0] = '{';
    hdr[1] = '"';
    snprintf(hdr + 2002, sizeof hdr - 2002, "\":%s}",
             ENT("F32", "[1]", "[0,4]"));
    size_t len;
    uint8_t *lb = make_file(hdr, f32_12, 4, &len);
    expect_reject(lb, len, "long name", "too long", NULL);
    free(lb);

    /* Valid neighbours of the cases above are accepted: empty tensors may
     * share offsets, tensors may leave gaps, padding may be any JSON
     * whitespace, and UTF-8 names work. */
    const char *ok_hdr = "{\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb9\":"
                         ENT("F32", "[1]", "[8,12]") ",\"z\":"
                         ENT("F16", "[0,7]", "[4,4]") ",\"y\":"
                         ENT("BF16", "[0]", "[4,4]") "} \n\t";
    lb = make_file(ok_hdr, f32_12, 12, &len);
    cad_st_file f;
    cad_error e = {{0}};
    CHECKF(cad_st_parse(lb, len, &f, &e) == 0, "valid neighbours: %s", e.msg);
    CHECK(f.n_tensors == 3 && f.tensors[0].data[0] == 3.0f);
    cad_st_free(&f);
    free(lb);
}

/* Single-byte changes to a valid file: none may crash (ASan/UBSan are the
 * real judges here); whatever parses must serialise again. */
static void test_mutations(void)
{
    cad_st_file f = {0}, g;
    cad_error e = {{0}};
    build_model(&f, 0);
    uint8_t *buf, *out;
    size_t len, olen;
    CHECK(cad_st_serialize(&f, &buf, &len, &e) == 0);
    static const uint8_t vals[] = {0x00, 0xff, '"', '9', '-', '{', 0x80};
    int parsed = 0, bad = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            uint8_t *m = malloc(len);
            memcpy(m, buf, len);
            m[i] = vals[v];
            e.msg[0] = '\0';
            if (cad_st_parse(m, len, &g, &e) == 0) {
                parsed++;
                if (cad_st_serialize(&g, &out, &olen, &e) != 0)
                    bad++;
                else
                    free(out);
                cad_st_free(&g);
            } else if (!e.msg[0]) {
                bad++;
            }
            free(m);
        }
    }
    CHECKF(bad == 0, "%d mutations gave no message or did not re-save", bad);
    CHECK(parsed > 0); /* flipping data bytes keeps most files valid */

    /* Truncation of a file we wrote ourselves. */
    int accepted = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, buf, n);
        if (cad_st_parse(cut, n, &g, &e) == 0) {
            accepted++;
            cad_st_free(&g);
        }
        free(cut);
    }
    CHECKF(accepted == 0, "%d truncations accepted", accepted);
    free(buf);
    cad_st_free(&f);
}

/* ---- files -------------------------------------------------------------- */

static void test_missing(void)
{
    cad_st_file f;
    cad_error e = {{0}};
    const char *p = "/nonexistent-cad-dir/model.safetensors";
    CHECK(cad_st_load(p, &f, &e) == -1);
    CHECKF(strstr(e.msg, p) && strstr(e.msg, strerror(ENOENT)), "%s", e.msg);
    CHECK(cad_st_load(tmpdir, &f, &e) == -1 && strstr(e.msg, "directory") &&
          strstr(e.msg, tmpdir));

    /* A corrupt file on disk: the message names the file and the problem. */
    char path[512];
    snprintf(path, sizeof path, "%s/short.safetensors", tmpdir);
    CHECK(cad_file_write_atomic(path, "abc", 3, &e) == 0);
    CHECK(cad_st_load(path, &f, &e) == -1);
    CHECKF(strncmp(e.msg, path, strlen(path)) == 0 &&
           strstr(e.msg, "too short"), "%s", e.msg);
}

static int file_is(const char *path, const void *want, size_t n)
{
    uint8_t *d;
    size_t len;
    cad_error e;
    if (cad_file_read_all(path, 1 << 20, &d, &len, &e) != 0)
        return 0;
    int ok = len == n && memcmp(d, want, n) == 0;
    free(d);
    return ok;
}

static void test_files(void)
{
    cad_error e = {{0}};
    char path[512], sub[512];
    snprintf(path, sizeof path, "%s/data.bin", tmpdir);
    snprintf(sub, sizeof sub, "%s/sub", tmpdir);
    static uint8_t big[65536];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);

    CHECK(cad_file_write_atomic(path, big, 1000, &e) == 0);
    CHECK(file_is(path, big, 1000));
    uint8_t *d = NULL;
    size_t len = 0;
    CHECK(cad_file_read_all(path, 999, &d, &len, &e) == -1 &&
          strstr(e.msg, "too big") && strstr(e.msg, path) && d == NULL);
    CHECK(cad_file_read_all(path, 1000, &d, &len, &e) == 0 && len == 1000);
    free(d);
    CHECK(cad_file_write_atomic(path, "", 0, &e) == 0);
    CHECK(cad_file_read_all(path, 10, &d, &len, &e) == 0 && len == 0 && d);
    free(d);
    CHECK(cad_file_write_atomic(path, "old", 3, &e) == 0);

    /* Devices and FIFOs are refused before a byte is read: /dev/zero was
     * read for 2 GiB before "too big" (issue 10, item 5). */
    CHECK(cad_file_read_all("/dev/zero", SIZE_MAX, &d, &len, &e) == -1 &&
          strstr(e.msg, "not a regular file") && d == NULL);
    cad_st_file zf;
    CHECK(cad_st_load("/dev/urandom", &zf, &e) == -1 &&
          strstr(e.msg, "not a regular file"));

    /* Target is a directory: refused, directory untouched, no temp left. */
    CHECK(mkdir(sub, 0755) == 0);
    CHECK(cad_file_write_atomic(sub, "x", 1, &e) == -1 && strstr(e.msg, sub));
    struct stat st;
    CHECK(stat(sub, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(temp_files_left(tmpdir) == 0);

    /* Directory missing. */
    char nodir[600];
    snprintf(nodir, sizeof nodir, "%s/none/x.bin", tmpdir);
    CHECK(cad_file_write_atomic(nodir, "x", 1, &e) == -1 &&
          strstr(e.msg, nodir));

    /* A write that fails half way (file size limit, as on a full disk):
     * the old file must survive and the temp must be gone. */
    struct rlimit old_lim, lim;
    CHECK(getrlimit(RLIMIT_FSIZE, &old_lim) == 0);
    lim = old_lim;
    lim.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = cad_file_write_atomic(path, big, sizeof big, &e);
    CHECK(setrlimit(RLIMIT_FSIZE, &old_lim) == 0);
    CHECKF(rc == -1 && strstr(e.msg, path) && strstr(e.msg, strerror(EFBIG)),
           "%s", e.msg);
    CHECK(file_is(path, "old", 3));
    CHECK(temp_files_left(tmpdir) == 0);

    /* Read-only directory (meaningless as root, who may write anyway). */
    if (geteuid() != 0) {
        char ro[512], rofile[600];
        snprintf(ro, sizeof ro, "%s/ro", tmpdir);
        snprintf(rofile, sizeof rofile, "%s/f", ro);
        CHECK(mkdir(ro, 0755) == 0);
        CHECK(cad_file_write_atomic(rofile, "old", 3, &e) == 0);
        CHECK(chmod(ro, 0555) == 0);
        CHECK(cad_file_write_atomic(rofile, "new", 3, &e) == -1);
        CHECK(file_is(rofile, "old", 3));
        chmod(ro, 0755);
        unlink(rofile);
        rmdir(ro);
    }

    /* temp path + commit, as libsndfile users do. */
    char *t1 = cad_file_temp_path(path), *t2 = cad_file_temp_path(path);
    CHECK(t1 && t2 && strcmp(t1, t2) != 0);
    CHECK(t1 && strncmp(t1, tmpdir, strlen(tmpdir)) == 0 &&
          !strchr(t1 + strlen(tmpdir) + 1, '/'));
    FILE *fp = fopen(t1, "wb");
    CHECK(fp && fwrite("new!", 1, 4, fp) == 4 && fclose(fp) == 0);
    CHECK(cad_file_commit(t1, path, &e) == 0 && file_is(path, "new!", 4));
    CHECK(access(t1, F_OK) != 0);
    fp = fopen(t2, "wb");
    CHECK(fp && fclose(fp) == 0);
    CHECK(cad_file_commit(t2, sub, &e) == -1 && strstr(e.msg, sub));
    CHECK(access(t2, F_OK) != 0); /* removed on failure */
    free(t1);
    free(t2);
    char *rel = cad_file_temp_path("plain.bin");
    CHECK(rel && strncmp(rel, ".plain.bin.tmp-", 15) == 0);
    free(rel);

    /* cad_st_save refusing to write leaves the old model in place. */
    cad_st_file f = {0};
    const int64_t s1[] = {1};
    const float v1[] = {1.0f};
    CHECK(cad_st_add(&f, "a", 1, s1, v1, &e) == 0);
    f.tensors[0].data[0] = INFINITY;
    CHECK(cad_st_save(path, &f, &e) == -1 && strstr(e.msg, path) &&
          strstr(e.msg, "non-finite"));
    CHECK(file_is(path, "new!", 4));
    cad_st_free(&f);

    unlink(path);
    rmdir(sub);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_round_trip();
    test_fixture();
    test_corruptions();
    test_mutations();
    test_missing();
    test_files();
    char p[600];
    snprintf(p, sizeof p, "%s/model.safetensors", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/short.safetensors", tmpdir);
    unlink(p);
    CHECK(rmdir(tmpdir) == 0); /* nothing else may be left behind */
    TEST_MAIN_END();
}
