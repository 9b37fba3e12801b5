/* The kernel's wire layer: HMAC-SHA256 (RFC 4231 vectors), the replay set,
 * message parsing (framing, signature before JSON, binary ids), the
 * connection file. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernel_conn.h"
#include "kernel_hmac.h"
#include "kernel_replay.h"
#include "kernel_wire.h"

static void test_hmac_rfc4231_case2(void) {
    YcHmac h;
    YcErr err;
    CHECK(yc_hmac_init(&h, "Jefe", 4, &err) == 0);
    /* the data in three parts: signing covers their concatenation */
    const void *parts[3] = {"what do ya", " want ", "for nothing?"};
    size_t sizes[3] = {10, 6, 12};
    char hex[65];
    CHECK(yc_hmac_sign(&h, parts, sizes, 3, hex) == 0);
    CHECK_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(yc_hmac_verify(&h, parts, sizes, 3, hex, 64));
    CHECK(!yc_hmac_verify(&h, parts, sizes, 3, hex, 63));  /* length first */
    hex[10] ^= 1;
    CHECK(!yc_hmac_verify(&h, parts, sizes, 3, hex, 64));
    /* again with the same context (re-initialised per message) */
    hex[10] ^= 1;
    CHECK(yc_hmac_verify(&h, parts, sizes, 3, hex, 64));
    yc_hmac_free(&h);
}

static void test_hmac_empty_key_means_unsigned(void) {
    YcHmac h;
    YcErr err;
    CHECK(yc_hmac_init(&h, "", 0, &err) == 0);
    CHECK(!yc_hmac_enabled(&h));
    char hex[65] = "x";
    const void *parts[1] = {"{}"};
    size_t sizes[1] = {2};
    CHECK(yc_hmac_sign(&h, parts, sizes, 1, hex) == 0 && hex[0] == '\0');
    CHECK(yc_hmac_verify(&h, parts, sizes, 1, "", 0));
}

static void hex_of(int i, char out[65]) {
    for (int k = 0; k < 64; k++) out[k] = "0123456789abcdef"[(i * 7 + k * 13 + (i >> 4)) & 15];
    snprintf(out, 9, "%08x", (unsigned)i * 2654435761u); /* distinct first bytes */
    out[8] = 'a';
    out[64] = '\0';
}

static void test_replay_set_rejects_repeats_and_forgets_the_oldest(void) {
    YcReplaySet r;
    CHECK(yc_replay_init(&r, 4) == 0);
    char s[6][65];
    for (int i = 0; i < 6; i++) hex_of(i + 1, s[i]);
    CHECK(yc_replay_add(&r, s[0], 64));
    CHECK(!yc_replay_add(&r, s[0], 64));
    CHECK(yc_replay_add(&r, s[1], 64) && yc_replay_add(&r, s[2], 64) && yc_replay_add(&r, s[3], 64));
    CHECK(!yc_replay_add(&r, s[2], 64));
    CHECK(yc_replay_add(&r, s[4], 64)); /* full: s[0] is forgotten */
    CHECK(yc_replay_add(&r, s[0], 64)); /* ... and accepted again, s[1] forgotten */
    CHECK(!yc_replay_add(&r, s[3], 64) && !yc_replay_add(&r, s[4], 64));
    CHECK(yc_replay_add(&r, s[1], 64));
    CHECK(!yc_replay_add(&r, "zz", 2));  /* not a signature */
    char bad[65];
    memset(bad, 'g', 64);
    bad[64] = 0;
    CHECK(!yc_replay_add(&r, bad, 64));
    yc_replay_free(&r);
    /* a big set: every one of many signatures is remembered */
    CHECK(yc_replay_init(&r, 5000) == 0);
    int fresh = 0, again = 0;
    char h[65];
    for (int i = 0; i < 5000; i++) hex_of(1000 + i, h), fresh += yc_replay_add(&r, h, 64);
    for (int i = 0; i < 5000; i++) hex_of(1000 + i, h), again += yc_replay_add(&r, h, 64);
    CHECK(fresh == 5000 && again == 0);
    yc_replay_free(&r);
}

/* Frames of a message signed with key. */
typedef struct Msg {
    YcFrame f[12];
    int n;
    char sig[65];
} Msg;

static void build(Msg *m, YcHmac *h, const char *header, const char *content) {
    static const unsigned char id[] = {0, 'k', 0xff, 0};
    const char *json[4] = {header, "{}", "{}", content};
    size_t sizes[4];
    for (int i = 0; i < 4; i++) sizes[i] = strlen(json[i]);
    yc_hmac_sign(h, (const void *const *)json, sizes, 4, m->sig);
    m->n = 0;
    m->f[m->n++] = (YcFrame){id, sizeof id};
    m->f[m->n++] = (YcFrame){"<IDS|MSG>", 9};
    m->f[m->n++] = (YcFrame){m->sig, strlen(m->sig)};
    for (int i = 0; i < 4; i++) m->f[m->n++] = (YcFrame){json[i], sizes[i]};
}

static const char *HEADER = "{\"msg_id\":\"m1\",\"msg_type\":\"execute_request\",\"session\":\"s\",\"username\":\"u\","
                            "\"date\":\"2024-01-01T00:00:00Z\",\"version\":\"5.3\"}";

static void test_parse_a_signed_message(void) {
    YcHmac h;
    YcErr err;
    yc_hmac_init(&h, "secret", 6, &err);
    YcReplaySet r;
    yc_replay_init(&r, 16);
    Msg m;
    build(&m, &h, HEADER, "{\"code\":\"help\"}");
    m.f[m.n++] = (YcFrame){"\x01\x02", 2}; /* a buffer */
    YcWireMsg w;
    CHECK(yc_wire_parse(m.f, m.n, &h, &r, &w, &err) == YC_WIRE_OK);
    CHECK(w.n_ids == 1 && w.ids[0].size == 4 && w.ids[0].data[0] == 0 && w.ids[0].data[2] == 0xff);
    CHECK_STR(w.msg_type, "execute_request");
    CHECK_STR(w.msg_id, "m1");
    CHECK_STR(yc_msg_str(w.content, "code", ""), "help");
    CHECK(w.n_buffers == 1 && w.buffers[0].size == 2);
    CHECK_STR(w.header_text, HEADER);
    yc_wire_free(&w);
    /* the same frames again: a replay */
    CHECK(yc_wire_parse(m.f, m.n, &h, &r, &w, &err) == YC_WIRE_REPLAYED);
    yc_replay_free(&r);
    yc_hmac_free(&h);
}

static void test_signature_is_checked_before_json(void) {
    YcHmac h, other;
    YcErr err;
    yc_hmac_init(&h, "secret", 6, &err);
    yc_hmac_init(&other, "another", 7, &err);
    Msg m;
    build(&m, &other, HEADER, "{}");
    YcWireMsg w;
    CHECK(yc_wire_parse(m.f, m.n, &h, NULL, &w, &err) == YC_WIRE_BAD_SIGNATURE);
    CHECK(strstr(err.msg, "secret") == NULL);
    /* JSON that is not even JSON, badly signed: rejected for the signature */
    build(&m, &other, "{not json", "{}");
    CHECK(yc_wire_parse(m.f, m.n, &h, NULL, &w, &err) == YC_WIRE_BAD_SIGNATURE);
    /* well signed but not an object: a JSON error */
    build(&m, &h, "[1,2]", "{}");
    CHECK(yc_wire_parse(m.f, m.n, &h, NULL, &w, &err) == YC_WIRE_BAD_JSON);
    build(&m, &h, "{\"msg_type\":1,\"msg_id\":\"x\"}", "{}");
    CHECK(yc_wire_parse(m.f, m.n, &h, NULL, &w, &err) == YC_WIRE_BAD_JSON);
    yc_hmac_free(&h);
    yc_hmac_free(&other);
}

static void test_framing_errors(void) {
    YcErr err;
    YcWireMsg w;
    YcFrame none[1] = {{"abc", 3}};
    CHECK(yc_wire_parse(none, 1, NULL, NULL, &w, &err) == YC_WIRE_MALFORMED);
    YcFrame short_msg[4] = {{"<IDS|MSG>", 9}, {"", 0}, {"{}", 2}, {"{}", 2}};
    CHECK(yc_wire_parse(short_msg, 4, NULL, NULL, &w, &err) == YC_WIRE_MALFORMED);
    YcFrame many_ids[30];
    for (int i = 0; i < 30; i++) many_ids[i] = (YcFrame){"id", 2};
    many_ids[24] = (YcFrame){"<IDS|MSG>", 9};
    CHECK(yc_wire_parse(many_ids, 30, NULL, NULL, &w, &err) == YC_WIRE_MALFORMED);
    /* no key: the signature frame is not checked */
    YcFrame unsigned_msg[6] = {{"<IDS|MSG>", 9}, {"", 0}, {"{\"msg_type\":\"a\",\"msg_id\":\"b\"}", 29}, {"{}", 2}, {"{}", 2}, {"{}", 2}};
    CHECK(yc_wire_parse(unsigned_msg, 6, NULL, NULL, &w, &err) == YC_WIRE_OK);
    CHECK(w.n_ids == 0);
    yc_wire_free(&w);
}

static void test_connection_file(void) {
    YcConn c;
    YcErr err;
    const char *good = "{\"transport\":\"tcp\",\"ip\":\"127.0.0.1\",\"shell_port\":5001,\"iopub_port\":5002,"
                       "\"stdin_port\":5003,\"control_port\":5004,\"hb_port\":5005,"
                       "\"signature_scheme\":\"hmac-sha256\",\"key\":\"abc-def\"}";
    CHECK(yc_conn_parse(good, strlen(good), &c, &err) == 0);
    CHECK(c.shell_port == 5001 && c.hb_port == 5005 && c.key_len == 7);
    char ep[128];
    yc_conn_endpoint(&c, c.shell_port, ep, sizeof ep);
    CHECK_STR(ep, "tcp://127.0.0.1:5001");
    yc_conn_free(&c);
    const char *bad_port = "{\"ip\":\"127.0.0.1\",\"shell_port\":70000,\"key\":\"topsecret\"}";
    CHECK(yc_conn_parse(bad_port, strlen(bad_port), &c, &err) == -1);
    CHECK(strstr(err.msg, "shell_port") != NULL && strstr(err.msg, "topsecret") == NULL);
    const char *bad_scheme = "{\"shell_port\":1,\"iopub_port\":2,\"stdin_port\":3,\"control_port\":4,\"hb_port\":5,"
                             "\"signature_scheme\":\"hmac-md5\",\"key\":\"k\"}";
    CHECK(yc_conn_parse(bad_scheme, strlen(bad_scheme), &c, &err) == -1);
    CHECK(strstr(err.msg, "hmac-md5") != NULL);
    CHECK(yc_conn_load("/nonexistent/conn.json", &c, &err) == -1);
    CHECK(strstr(err.msg, "/nonexistent/conn.json") != NULL);
}

int main(void) {
    static const CheckCase cases[] = {
        {"hmac_rfc4231_case2", test_hmac_rfc4231_case2},
        {"hmac_empty_key_means_unsigned", test_hmac_empty_key_means_unsigned},
        {"replay_set_rejects_repeats_and_forgets_the_oldest", test_replay_set_rejects_repeats_and_forgets_the_oldest},
        {"parse_a_signed_message", test_parse_a_signed_message},
        {"signature_is_checked_before_json", test_signature_is_checked_before_json},
        {"framing_errors", test_framing_errors},
        {"connection_file", test_connection_file},
    };
    return check_run(cases, (int)(sizeof cases / sizeof cases[0]));
}
