/* watch.c - reload a mapping on save.  See watch.h. */
#include "lua/watch.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/log.h"
#include "common/util.h"

struct mapping_watch {
    uv_loop_t *loop;
    struct mapping *m;
    mapping_watch_cb cb;
    void *arg;
    uv_fs_event_t dir_ev;
    uv_fs_event_t lib_ev;
    uv_timer_t timer;
    int lib_active;   /* lib_ev started */
    int handles_open; /* closed ones are counted down in on_close */
    int pending_main; /* the script itself was touched */
    int pending_lib;  /* a .lua file in lib/ was touched */
    int lib_inited;   /* lib_ev initialised (must be closed) */
    unsigned debounce_ms;
    char *dir, *base, *libdir;
};

static void on_close(uv_handle_t *h)
{
    struct mapping_watch *w = h->data;
    if (--w->handles_open == 0) {
        free(w->dir);
        free(w->base);
        free(w->libdir);
        free(w);
    }
}

static int ends_with_lua(const char *s)
{
    size_t n = strlen(s);
    return n > 4 && strcmp(s + n - 4, ".lua") == 0;
}

/* Is the script on disk different from what runs?  Unreadable counts as
 * different (the reload then reports why). */
static int script_changed(struct mapping_watch *w)
{
    size_t len = 0;
    char *src = read_file(mapping_path(w->m), &len);
    if (!src) return 1;
    unsigned char d[32];
    char hex[65];
    hub_sha256(src, len, d);
    hub_hex_encode(d, sizeof d, hex);
    free(src);
    struct mapping_status st;
    mapping_status(w->m, &st);
    return strcmp(hex, st.sha256) != 0;
}

static void on_timer(uv_timer_t *t)
{
    struct mapping_watch *w = t->data;
    int lib = w->pending_lib, main_changed = w->pending_main;
    w->pending_lib = w->pending_main = 0;
    if (!lib && !(main_changed && script_changed(w))) return;
    char err[1024] = "";
    int rc = mapping_reload(w->m, err, sizeof err);
    if (rc == 0)
        log_info("lua", "%s: reloaded on save", mapping_path(w->m));
    else
        log_error("lua", "%s: reload on save refused: %s", mapping_path(w->m), err);
    if (w->cb) w->cb(w->arg, w->m, rc == 0, rc == 0 ? NULL : err);
}

static void on_fs_event(uv_fs_event_t *h, const char *filename, int events, int status)
{
    struct mapping_watch *w = h->data;
    (void)events;
    if (status < 0) {
        log_warn("lua", "watching %s: %s", h == &w->lib_ev ? w->libdir : w->dir,
                 uv_strerror(status));
        return;
    }
    int is_lib_dir = h == &w->lib_ev || strcmp(w->dir, w->libdir) == 0;
    if (!filename) { /* the kernel dropped names (queue overflow): assume anything */
        w->pending_main = 1;
        w->pending_lib = 1;
    } else if (h == &w->dir_ev && strcmp(filename, w->base) == 0) {
        w->pending_main = 1;
    } else if (is_lib_dir && ends_with_lua(filename)) {
        w->pending_lib = 1;
    } else {
        return;
    }
    uv_timer_start(&w->timer, on_timer, w->debounce_ms, 0);
}

static char *real_or_copy(const char *p)
{
    char buf[PATH_MAX];
    return xstrdup(realpath(p, buf) ? buf : p);
}

struct mapping_watch *mapping_watch_start(uv_loop_t *loop, struct mapping *m,
                                          mapping_watch_cb on_result, void *arg)
{
    struct mapping_watch *w = xcalloc(1, sizeof *w);
    w->loop = loop;
    w->m = m;
    w->cb = on_result;
    w->arg = arg;
    w->debounce_ms = 100;
    char *p1 = xstrdup(mapping_path(m)), *p2 = xstrdup(mapping_path(m));
    char *d = real_or_copy(dirname(p1));
    w->dir = d;
    w->base = xstrdup(basename(p2));
    free(p1);
    free(p2);
    char *lib = xasprintf("%s/lib", mapping_scripts_dir(m));
    w->libdir = real_or_copy(lib);
    free(lib);

    uv_timer_init(loop, &w->timer);
    w->timer.data = w;
    w->handles_open++;
    uv_fs_event_init(loop, &w->dir_ev);
    w->dir_ev.data = w;
    w->handles_open++;
    int rc = uv_fs_event_start(&w->dir_ev, on_fs_event, w->dir, 0);
    if (rc != 0) {
        log_error("lua", "cannot watch %s: %s", w->dir, uv_strerror(rc));
        mapping_watch_stop(w);
        return NULL;
    }
    uv_fs_event_init(loop, &w->lib_ev);
    w->lib_ev.data = w;
    w->lib_inited = 1;
    w->handles_open++;
    if (strcmp(w->libdir, w->dir) != 0) {
        rc = uv_fs_event_start(&w->lib_ev, on_fs_event, w->libdir, 0);
        if (rc == 0)
            w->lib_active = 1;
        else
            log_warn("lua", "not watching %s: %s", w->libdir, uv_strerror(rc));
    }
    return w;
}

void mapping_watch_stop(struct mapping_watch *w)
{
    if (!w) return;
    uv_close((uv_handle_t *)&w->timer, on_close);
    uv_close((uv_handle_t *)&w->dir_ev, on_close);
    if (w->lib_inited) uv_close((uv_handle_t *)&w->lib_ev, on_close);
}

void mapping_watch_set_debounce(struct mapping_watch *w, unsigned ms)
{
    if (w) w->debounce_ms = ms;
}
