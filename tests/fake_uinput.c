/*
 * fake_uinput.c — a fake /dev/uinput for tests, loaded with LD_PRELOAD.
 *
 * Why: the machines pacnet is tested on cannot load kernel modules, so /dev/uinput does not
 * exist, and the `evdev` crate offers no seam of its own. So the seam is the C library, as for
 * the camera (tests/fake_v4l2.c): this file answers the calls a virtual keyboard or gamepad
 * makes — open, the UI_* ioctls (UI_SET_ABSBIT and UI_ABS_SETUP for a gamepad's axes), write
 * of struct input_event, close — for /dev/uinput, each open a device of its own (a process may
 * make several), and passes everything else through to the real C library. Nothing is created
 * on disk and nothing needs root.
 *
 * What it checks, as the kernel does: events are refused (EINVAL) before UI_DEV_CREATE; a key
 * event for a code that was not announced with UI_SET_KEYBIT is dropped, and so is an axis event
 * for an axis never set up or with the value the axis already has (logged as such: the kernel
 * drops them silently, a game would never see them).
 *
 * FAKE_UINPUT_LOG=FILE: one line per call, appended:
 *   open                       /dev/uinput opened
 *   setup NAME                 UI_DEV_SETUP with the device's name
 *   absinfo CODE MIN MAX       UI_ABS_SETUP of an axis
 *   create KEYS [abs AXES]     UI_DEV_CREATE; KEYS is the number of key codes announced, AXES
 *                              that of the absolute axes (left out when there are none)
 *   key CODE VALUE             an EV_KEY event (VALUE 1 down, 0 up)
 *   dropped CODE VALUE         an EV_KEY event for a key that was not announced
 *   abs CODE VALUE             an EV_ABS event
 *   dropped abs CODE VALUE     an EV_ABS event for an axis not set up, or repeating its value
 *   syn                        EV_SYN / SYN_REPORT
 *   event TYPE CODE VALUE      any other event
 *   close                      the device closed (the kernel destroys it)
 * FAKE_UINPUT_FAULT=missing    open fails with ENOENT (no uinput module)
 *                  =denied     open fails with EACCES (no udev rule, not in the group)
 *                  =unplug:N   after N key or axis events, writes fail with ENODEV
 *
 * Build: cc -shared -fPIC -O2 -o libfake_uinput.so fake_uinput.c -ldl
 * (scripts/with-fake-uinput.sh does this and sets the variables from its options).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FDS 16

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_access)(const char *, int);
static int (*real_faccessat)(int, const char *, int, int);

#define REAL(name) (real_##name ? real_##name : (*(void **)&real_##name = dlsym(RTLD_NEXT, #name), real_##name))

struct dev {
    int fd;
    int created;
    unsigned char keys[KEY_CNT / 8 + 1];
    unsigned char abs[ABS_CNT / 8 + 1];
    int abs_value[ABS_CNT];
};
static struct dev devs[MAX_FDS];
static int key_events;

static struct dev *find(int fd) {
    if (fd < 0) return NULL;
    for (int i = 0; i < MAX_FDS; i++)
        if (devs[i].fd == fd + 1) return &devs[i];
    return NULL;
}

static void logf_(const char *fmt, ...) {
    const char *path = getenv("FAKE_UINPUT_LOG");
    if (!path || !*path) return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = sizeof line - 2;
    line[n++] = '\n';
    int fd = REAL(open)(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return;
    (void)!REAL(write)(fd, line, n);
    REAL(close)(fd);
}

static const char *fault(void) {
    const char *f = getenv("FAKE_UINPUT_FAULT");
    return f ? f : "";
}

static int is_uinput(const char *path) {
    return path && (!strcmp(path, "/dev/uinput") || !strcmp(path, "/dev/input/uinput"));
}

/* -2: not ours. */
static int fake_open(const char *path, int flags) {
    if (!is_uinput(path)) return -2;
    if (!strcmp(fault(), "missing")) {
        errno = ENOENT;
        return -1;
    }
    if (!strcmp(fault(), "denied")) {
        errno = EACCES;
        return -1;
    }
    int slot = -1;
    for (int i = 0; i < MAX_FDS; i++)
        if (!devs[i].fd) {
            slot = i;
            break;
        }
    if (slot < 0) {
        errno = EMFILE;
        return -1;
    }
    int fd = REAL(open)("/dev/null", O_RDWR | (flags & O_CLOEXEC));
    if (fd < 0) return -1;
    memset(&devs[slot], 0, sizeof devs[slot]);
    devs[slot].fd = fd + 1;
    logf_("open");
    return fd;
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    mode_t mode = va_arg(ap, mode_t);
    va_end(ap);
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(openat64)(dirfd, path, flags, mode);
}

static int fake_access(const char *path) {
    if (!is_uinput(path)) return -2;
    if (!strcmp(fault(), "missing")) {
        errno = ENOENT;
        return -1;
    }
    if (!strcmp(fault(), "denied")) {
        errno = EACCES;
        return -1;
    }
    return 0;
}

int access(const char *path, int mode) {
    int r = fake_access(path);
    return r != -2 ? r : REAL(access)(path, mode);
}

int faccessat(int dirfd, const char *path, int mode, int flags) {
    int r = fake_access(path);
    return r != -2 ? r : REAL(faccessat)(dirfd, path, mode, flags);
}

int close(int fd) {
    struct dev *d = find(fd);
    if (d) {
        logf_("close");
        d->fd = 0;
    }
    return REAL(close)(fd);
}

int ioctl(int fd, unsigned long request, ...) {
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    struct dev *d = find(fd);
    if (!d) return REAL(ioctl)(fd, request, arg);
    unsigned long value = (unsigned long)arg;
    if (request == UI_SET_EVBIT || request == UI_SET_RELBIT || request == UI_SET_MSCBIT) return 0;
    if (request == UI_SET_ABSBIT) {
        if (d->created || value >= ABS_CNT) {
            errno = EINVAL;
            return -1;
        }
        return 0;
    }
    if (request == UI_ABS_SETUP) {
        /* The kernel's checks: before creation, a known axis, a range that is one. */
        const struct uinput_abs_setup *a = arg;
        if (d->created || a->code >= ABS_CNT || a->absinfo.minimum > a->absinfo.maximum) {
            errno = d->created || a->code < ABS_CNT ? EINVAL : ERANGE;
            return -1;
        }
        d->abs[a->code / 8] |= 1 << (a->code % 8);
        d->abs_value[a->code] = a->absinfo.value;
        logf_("absinfo %u %d %d", a->code, a->absinfo.minimum, a->absinfo.maximum);
        return 0;
    }
    if (request == UI_SET_KEYBIT) {
        if (d->created || value >= KEY_CNT) {
            errno = EINVAL;
            return -1;
        }
        d->keys[value / 8] |= 1 << (value % 8);
        return 0;
    }
    if (request == UI_DEV_SETUP) {
        const struct uinput_setup *s = arg;
        logf_("setup %.*s", UINPUT_MAX_NAME_SIZE, s->name);
        return 0;
    }
    if (request == UI_DEV_CREATE) {
        int n = 0, axes = 0;
        for (int i = 0; i < KEY_CNT; i++) n += (d->keys[i / 8] >> (i % 8)) & 1;
        for (int i = 0; i < ABS_CNT; i++) axes += (d->abs[i / 8] >> (i % 8)) & 1;
        d->created = 1;
        if (axes)
            logf_("create %d abs %d", n, axes);
        else
            logf_("create %d", n);
        return 0;
    }
    if (request == UI_DEV_DESTROY) {
        d->created = 0;
        logf_("destroy");
        return 0;
    }
    if (_IOC_TYPE(request) == UINPUT_IOCTL_BASE && _IOC_NR(request) == 44) {
        /* UI_GET_SYSNAME(len) */
        size_t len = _IOC_SIZE(request);
        const char *name = "input99";
        if (len < strlen(name) + 1) {
            errno = EINVAL;
            return -1;
        }
        memcpy(arg, name, strlen(name) + 1);
        return (int)strlen(name) + 1;
    }
    errno = EINVAL;
    return -1;
}

ssize_t write(int fd, const void *buf, size_t n) {
    struct dev *d = find(fd);
    if (!d) return REAL(write)(fd, buf, n);
    if (!d->created || n % sizeof(struct input_event)) {
        errno = EINVAL;
        return -1;
    }
    int unplug_after = -1;
    if (!strncmp(fault(), "unplug:", 7)) unplug_after = atoi(fault() + 7);
    const struct input_event *ev = buf;
    for (size_t i = 0; i < n / sizeof *ev; i++) {
        if (ev[i].type == EV_KEY || ev[i].type == EV_ABS) {
            if (unplug_after >= 0 && key_events >= unplug_after) {
                errno = ENODEV;
                return i ? (ssize_t)(i * sizeof *ev) : -1;
            }
            key_events++;
        }
        if (ev[i].type == EV_KEY) {
            int known = ev[i].code < KEY_CNT && ((d->keys[ev[i].code / 8] >> (ev[i].code % 8)) & 1);
            logf_("%s %u %d", known ? "key" : "dropped", ev[i].code, ev[i].value);
        } else if (ev[i].type == EV_ABS) {
            unsigned c = ev[i].code;
            int known = c < ABS_CNT && ((d->abs[c / 8] >> (c % 8)) & 1);
            int fresh = known && d->abs_value[c] != ev[i].value;
            if (fresh) d->abs_value[c] = ev[i].value;
            logf_("%s %u %d", fresh ? "abs" : "dropped abs", c, ev[i].value);
        } else if (ev[i].type == EV_SYN && ev[i].code == SYN_REPORT) {
            logf_("syn");
        } else {
            logf_("event %u %u %d", ev[i].type, ev[i].code, ev[i].value);
        }
    }
    return (ssize_t)n;
}
