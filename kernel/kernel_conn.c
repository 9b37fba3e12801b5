#include "kernel_conn.h"

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

static int get_port(const cJSON *o, const char *key, int *out, YcErr *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 1 || v->valuedouble > 65535 || v->valuedouble != (int)v->valuedouble)
        return yc_err(err, "%s: expected a port number 1..65535", key);
    *out = (int)v->valuedouble;
    return 0;
}

static int get_string(const cJSON *o, const char *key, const char *def, char *out, size_t cap, YcErr *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v) {
        if (!def) return yc_err(err, "%s: missing", key);
        snprintf(out, cap, "%s", def);
        return 0;
    }
    if (!cJSON_IsString(v)) return yc_err(err, "%s: expected a string", key);
    if (strlen(v->valuestring) >= cap) return yc_err(err, "%s: too long", key);
    snprintf(out, cap, "%s", v->valuestring);
    return 0;
}

int yc_conn_parse(const char *json, size_t len, YcConn *c, YcErr *err) {
    memset(c, 0, sizeof *c);
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return yc_err(err, "not a JSON object");
    }
    int rc = -1;
    if (get_string(o, "transport", "tcp", c->transport, sizeof c->transport, err)) goto done;
    if (strcmp(c->transport, "tcp") != 0 && strcmp(c->transport, "ipc") != 0) {
        yc_err(err, "transport: expected tcp or ipc, got '%s'", c->transport);
        goto done;
    }
    if (get_string(o, "ip", "127.0.0.1", c->ip, sizeof c->ip, err)) goto done;
    if (!c->ip[0] || strpbrk(c->ip, " \t\n")) {
        yc_err(err, "ip: expected an address, got '%s'", c->ip);
        goto done;
    }
    if (get_port(o, "shell_port", &c->shell_port, err) || get_port(o, "iopub_port", &c->iopub_port, err) ||
        get_port(o, "stdin_port", &c->stdin_port, err) || get_port(o, "control_port", &c->control_port, err) ||
        get_port(o, "hb_port", &c->hb_port, err))
        goto done;
    if (get_string(o, "signature_scheme", "hmac-sha256", c->signature_scheme, sizeof c->signature_scheme, err))
        goto done;
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(o, "key");
    if (key && !cJSON_IsString(key)) {
        yc_err(err, "key: expected a string");
        goto done;
    }
    const char *k = key ? key->valuestring : "";
    if (*k && strcmp(c->signature_scheme, "hmac-sha256") != 0) {
        yc_err(err, "signature_scheme: only hmac-sha256 is supported, got '%s'", c->signature_scheme);
        goto done;
    }
    c->key_len = strlen(k);
    c->key = malloc(c->key_len + 1);
    if (!c->key) {
        yc_err(err, "out of memory");
        goto done;
    }
    memcpy(c->key, k, c->key_len + 1);
    rc = 0;
done:
    /* The parsed tree holds a copy of the key: wipe it before freeing. */
    {
        cJSON *kv = cJSON_GetObjectItemCaseSensitive(o, "key");
        if (cJSON_IsString(kv) && kv->valuestring) OPENSSL_cleanse(kv->valuestring, strlen(kv->valuestring));
    }
    cJSON_Delete(o);
    if (rc) yc_conn_free(c);
    return rc;
}

int yc_conn_load(const char *path, YcConn *c, YcErr *err) {
    char *text = NULL;
    size_t size = 0;
    memset(c, 0, sizeof *c);
    if (yc_read_file(path, &text, &size, err)) return -1;
    int rc = yc_conn_parse(text, size, c, err);
    OPENSSL_cleanse(text, size);
    free(text);
    if (rc) return yc_err_prefix(err, "connection file %s", path);
    return 0;
}

void yc_conn_free(YcConn *c) {
    if (c->key) {
        OPENSSL_cleanse(c->key, c->key_len);
        free(c->key);
    }
    c->key = NULL;
    c->key_len = 0;
}

void yc_conn_endpoint(const YcConn *c, int port, char *out, size_t cap) {
    if (strcmp(c->transport, "ipc") == 0) snprintf(out, cap, "ipc://%s-%d", c->ip, port);
    else if (strchr(c->ip, ':')) snprintf(out, cap, "tcp://[%s]:%d", c->ip, port); /* IPv6 */
    else snprintf(out, cap, "tcp://%s:%d", c->ip, port);
}
