/* The connection file a Jupyter client writes for a kernel: transport, ip,
 * the five ports, the signature scheme and the key. */
#ifndef YC_KERNEL_CONN_H
#define YC_KERNEL_CONN_H

#include <stddef.h>

#include "error.h"

typedef struct YcConn {
    char transport[16];        /* tcp or ipc */
    char ip[256];
    int shell_port, iopub_port, stdin_port, control_port, hb_port;
    char signature_scheme[32];
    char *key;                 /* malloc'd; "" = messages are not signed */
    size_t key_len;
} YcConn;

/* Errors name the file and the field; they never contain the key. */
int yc_conn_load(const char *path, YcConn *c, YcErr *err);
/* The same from JSON text (for tests). */
int yc_conn_parse(const char *json, size_t len, YcConn *c, YcErr *err);
/* Wipes and frees the key. */
void yc_conn_free(YcConn *c);

/* tcp://IP:PORT, or ipc://IP-PORT for the ipc transport. */
void yc_conn_endpoint(const YcConn *c, int port, char *out, size_t cap);

#endif
