/* health: client TLS for https probes: shared SSL_CTXs per verify setting, SNI and host checks. */
#include "health_int.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool ca_equal(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void ctx_build(health_tls_ctx_t *t)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        snprintf(t->error, sizeof(t->error), "tls: cannot create a context");
        return;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
    /* Many servers close after "Connection: close" without close_notify;
     * a cut-short body still fails the body check, so this is safe here. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    if (!t->verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        t->ctx = ctx;
        return;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = t->ca_file != NULL ? SSL_CTX_load_verify_locations(ctx, t->ca_file, NULL)
                                : SSL_CTX_set_default_verify_paths(ctx);
    if (ok != 1) {
        /* OpenSSL's own reason for a missing file is "system lib"; the
         * errno text says more. */
        const char *why = NULL;
        if (t->ca_file != NULL && access(t->ca_file, R_OK) < 0) {
            why = strerror(errno);
        } else {
            why = ERR_reason_error_string(ERR_peek_last_error());
        }
        snprintf(t->error, sizeof(t->error), "tls: cannot load CA file '%.48s' (%s)",
                 t->ca_file != NULL ? t->ca_file : "default", why != NULL ? why : "unknown");
        ERR_clear_error();
        log_err("health: %s", t->error);
        SSL_CTX_free(ctx);
        return;
    }
    t->ctx = ctx;
}

health_tls_ctx_t *health_tls_ctx_get(health_t *h, bool verify, const char *ca_file)
{
    if (!verify) {
        ca_file = NULL;
    }
    for (health_tls_ctx_t *t = h->tls_ctxs; t != NULL; t = t->next) {
        if (t->verify == verify && ca_equal(t->ca_file, ca_file)) {
            t->refs++;
            return t;
        }
    }
    health_tls_ctx_t *t = xcalloc(1, sizeof(*t));
    t->refs = 1;
    t->verify = verify;
    t->ca_file = ca_file != NULL ? xstrdup(ca_file) : NULL;
    ctx_build(t);
    t->next = h->tls_ctxs;
    h->tls_ctxs = t;
    return t;
}

static void ctx_free(health_tls_ctx_t *t)
{
    SSL_CTX_free(t->ctx);
    free(t->ca_file);
    free(t);
}

void health_tls_ctx_put(health_t *h, health_tls_ctx_t *t)
{
    if (t == NULL || --t->refs > 0) {
        return;
    }
    for (health_tls_ctx_t **pp = &h->tls_ctxs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    ctx_free(t);
}

void health_tls_ctxs_free(health_t *h)
{
    health_tls_ctx_t *t = h->tls_ctxs;
    while (t != NULL) {
        health_tls_ctx_t *next = t->next;
        ctx_free(t);
        t = next;
    }
    h->tls_ctxs = NULL;
}

void *health_tls_ssl_new(const health_tls_ctx_t *t, const char *host, char *err, size_t len)
{
    if (t->ctx == NULL) {
        snprintf(err, len, "%s", t->error);
        return NULL;
    }
    SSL *ssl = SSL_new(t->ctx);
    if (ssl == NULL) {
        snprintf(err, len, "tls: cannot create a session");
        return NULL;
    }
    gslb_addr_t literal;
    bool is_literal = gslb_addr_parse(host, &literal) == 0;
    /* RFC 6066 3: SNI carries host names only, never address literals. */
    if (!is_literal && host[0] != '\0') {
        SSL_set_tlsext_host_name(ssl, host);
    }
    if (t->verify) {
        int ok = is_literal ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host)
                            : SSL_set1_host(ssl, host);
        if (ok != 1) {
            snprintf(err, len, "tls: cannot check the name '%.64s'", host);
            ERR_clear_error();
            SSL_free(ssl);
            return NULL;
        }
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    return ssl;
}

void health_tls_error_text(void *ssl, unsigned long err, char *buf, size_t len)
{
    long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
    const char *why = ERR_reason_error_string(err);
    if (why == NULL) {
        why = "handshake failed";
    }
    if (vr != X509_V_OK && ERR_GET_REASON(err) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        snprintf(buf, len, "tls: %s: %s", why, X509_verify_cert_error_string(vr));
    } else {
        snprintf(buf, len, "tls: %s", why);
    }
}
