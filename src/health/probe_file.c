/* health: file probes: "KEY up|down" lines written by other systems, reread on change. */
#include "health_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* What the last read of the file said about our key. */
typedef enum file_verdict {
    FILE_UNREAD = 0,
    FILE_MISSING,     /* cannot stat or open */
    FILE_NO_KEY,
    FILE_UP,
    FILE_DOWN,
    FILE_BAD_VALUE,
} file_verdict_t;

typedef struct file_keep {
    bool has_stat;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    file_verdict_t verdict;
    char text[HEALTH_ERROR_MAX];
} file_keep_t;

/* Parse the file for key. The last line naming the key wins, so a writer
 * may append updates. Blank lines and lines starting with '#' are skipped. */
static void file_parse(file_keep_t *k, FILE *f, const char *key)
{
    char line[1024];
    k->verdict = FILE_NO_KEY;
    snprintf(k->text, sizeof(k->text), "file: key '%s' not found", key);
    while (fgets(line, sizeof(line), f) != NULL) {
        char *save = NULL;
        char *name = strtok_r(line, " \t\r\n", &save);
        if (name == NULL || name[0] == '#' || strcmp(name, key) != 0) {
            continue;
        }
        char *value = strtok_r(NULL, " \t\r\n", &save);
        if (value != NULL && strcasecmp(value, "up") == 0) {
            k->verdict = FILE_UP;
        } else if (value != NULL && strcasecmp(value, "down") == 0) {
            k->verdict = FILE_DOWN;
            snprintf(k->text, sizeof(k->text), "file: down");
        } else {
            k->verdict = FILE_BAD_VALUE;
            snprintf(k->text, sizeof(k->text), "file: key '%s' is '%.32s' (expected up or down)",
                     key, value != NULL ? value : "");
        }
    }
}

static void file_start(health_probe_t *p)
{
    const health_probe_def_t *d = &p->def;
    file_keep_t *k = p->keep;
    if (k == NULL) {
        k = xcalloc(1, sizeof(*k));
        p->keep = k;
    }
    struct stat st;
    if (stat(d->file_path, &st) < 0) {
        int err = errno;
        k->has_stat = false;
        k->verdict = FILE_MISSING;
        snprintf(k->text, sizeof(k->text), "file: cannot read (%s)", strerror(err));
        health_probe_finish(p, HEALTH_REASON_FILE, 0, k->text);
        return;
    }
    /* Reread only on a change: identity (a rename over the old file) or size
     * or modification time (a rewrite in place). */
    bool is_changed = !k->has_stat || k->dev != st.st_dev || k->ino != st.st_ino ||
                      k->size != st.st_size || k->mtime.tv_sec != st.st_mtim.tv_sec ||
                      k->mtime.tv_nsec != st.st_mtim.tv_nsec;
    if (is_changed) {
        FILE *f = fopen(d->file_path, "re");
        if (f == NULL) {
            int err = errno;
            k->has_stat = false;
            k->verdict = FILE_MISSING;
            snprintf(k->text, sizeof(k->text), "file: cannot read (%s)", strerror(err));
            health_probe_finish(p, HEALTH_REASON_FILE, 0, k->text);
            return;
        }
        file_parse(k, f, p->file_key);
        fclose(f);
        k->has_stat = true;
        k->dev = st.st_dev;
        k->ino = st.st_ino;
        k->size = st.st_size;
        k->mtime = st.st_mtim;
    }
    if (k->verdict == FILE_UP) {
        health_probe_finish(p, HEALTH_REASON_OK, 0, NULL);
    } else {
        health_probe_finish(p, HEALTH_REASON_FILE, 0, k->text);
    }
}

static void file_stop(health_probe_t *p)
{
    /* A run never outlives file_start. */
    (void)p;
}

static void file_release(health_probe_t *p)
{
    free(p->keep);
    p->keep = NULL;
}

const health_probe_ops_t health_probe_file_ops = {
    .start = file_start,
    .stop = file_stop,
    .release = file_release,
};
