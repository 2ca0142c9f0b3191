/* conf: the control: section (HTTP control endpoint: listen address, token, state file,
 * dashboard directory). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_int.h"

static const char *const control_keys[] = {"listen", "token", "token_file", "state_file",
                                           "dashboard", NULL};

/* True when s names a port: "A.B.C.D:P" or "[V6]:P". */
static bool has_port(const char *s)
{
    if (s[0] == '[') {
        return strstr(s, "]:") != NULL;
    }
    const char *colon = strchr(s, ':');
    return colon != NULL && strchr(colon + 1, ':') == NULL;
}

static bool is_loopback(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
}

static void listen_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_control_t *ctl = &cx->c->control;
    char *text = conf_val_str(cx, v, "control: listen", 1, 256);
    if (text == NULL) {
        return;
    }
    conf_listen_t l;
    const char *why = conf_listen_parse(text, &l);
    if (why != NULL) {
        conf_error(cx, v->pos, "control: listen '%s': %s", text, why);
        free(text);
        return;
    }
    if (!has_port(text)) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&l.sa;
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l.sa;
        if (l.sa.ss_family == AF_INET) {
            sin->sin_port = htons(CONF_DEFAULT_CONTROL_PORT);
        } else {
            sin6->sin6_port = htons(CONF_DEFAULT_CONTROL_PORT);
        }
    }
    memcpy(&ctl->sa, &l.sa, sizeof(ctl->sa));
    ctl->sa_len = l.sa_len;
    if (!is_loopback(&ctl->sa)) {
        conf_warning(cx, v->pos,
                     "control: listen '%s' is not a loopback address: whoever reaches it can "
                     "read metrics, status and explain",
                     text);
    }
    free(text);
}

/* The token in a file: its first line without surrounding white space. */
static void token_file_read(conf_cx_t *cx, const conf_val_t *v, const char *path)
{
    conf_control_t *ctl = &cx->c->control;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        char eb[128];
        int err = errno;
        conf_error(cx, v->pos, "control: token_file '%s': cannot read (%s)", path,
                   strerror_r(err, eb, sizeof(eb)));
        return;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        conf_warning(cx, v->pos,
                     "control: token_file '%s': readable by other users (mode %03o); "
                     "chmod 600 it",
                     path, (unsigned)(st.st_mode & 0777));
    }
    char buf[CONF_CONTROL_TOKEN_MAX + 2];
    char *line = fgets(buf, sizeof(buf), f);
    fclose(f);
    size_t len = line != NULL ? strlen(line) : 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
                       buf[len - 1] == '\t')) {
        buf[--len] = '\0';
    }
    size_t skip = line != NULL ? strspn(buf, " \t") : 0;
    len -= skip;
    if (len < CONF_CONTROL_TOKEN_MIN || len > CONF_CONTROL_TOKEN_MAX) {
        conf_error(cx, v->pos,
                   "control: token_file '%s': the token on its first line must be %d..%d bytes "
                   "(got %zu)",
                   path, CONF_CONTROL_TOKEN_MIN, CONF_CONTROL_TOKEN_MAX, len);
        return;
    }
    ctl->token = xstrndup(buf + skip, len);
}

void conf_control_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_control_t *ctl = &cx->c->control;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ctl->sa;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(CONF_DEFAULT_CONTROL_PORT);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ctl->sa_len = sizeof(*sin);
    ctl->pos.file = cx->c->path;
    if (v == NULL) {
        return;
    }
    ctl->is_enabled = true;
    ctl->pos = v->pos;
    if (conf_val_is_null(v) || !conf_val_is_map(cx, v, "control")) {
        return; /* "control:" alone: every default */
    }
    conf_keys_check(cx, v, control_keys, "control");
    conf_val_t lv, tv, fv, sv, dv;
    if (conf_get(cx, v, "listen", &lv) && !conf_val_is_null(&lv)) {
        listen_parse(cx, &lv);
    }
    bool has_token = conf_get(cx, v, "token", &tv) && !conf_val_is_null(&tv);
    bool has_file = conf_get(cx, v, "token_file", &fv) && !conf_val_is_null(&fv);
    if (has_token && has_file) {
        conf_error(cx, fv.pos, "control: give token or token_file, not both");
    } else if (has_token) {
        ctl->token = conf_val_str(cx, &tv, "control: token", CONF_CONTROL_TOKEN_MIN,
                                  CONF_CONTROL_TOKEN_MAX);
    } else if (has_file) {
        char *path = conf_val_str(cx, &fv, "control: token_file", 1, PATH_MAX);
        if (path != NULL) {
            ctl->token_file = conf_path_resolve(cx->c->dir, path);
            token_file_read(cx, &fv, ctl->token_file);
            free(path);
        }
    }
    if (conf_get(cx, v, "state_file", &sv) && !conf_val_is_null(&sv)) {
        char *path = conf_val_str(cx, &sv, "control: state_file", 1, PATH_MAX);
        if (path != NULL) {
            ctl->state_file = conf_path_resolve(cx->c->dir, path);
            free(path);
        }
    }
    if (conf_get(cx, v, "dashboard", &dv) && !conf_val_is_null(&dv)) {
        char *path = conf_val_str(cx, &dv, "control: dashboard", 1, PATH_MAX);
        if (path != NULL) {
            ctl->dashboard = conf_path_resolve(cx->c->dir, path);
            free(path);
        }
    }
}
