/*
 * fake_v4l2.c — a fake V4L2 webcam for tests, loaded with LD_PRELOAD.
 *
 * Why: the machines pacnet is tested on have no camera and cannot load v4l2loopback, and nokhwa
 * (through the `v4l` crate) offers no seam of its own. So the seam is the C library: this file
 * answers the same calls a camera driver does (open, ioctl, mmap, munmap, poll, select, read,
 * close) for one device node, the way Chromium tests its capture code against FakeV4L2Impl.
 * Everything else is passed through to the real C library.
 *
 * Discovery without touching the machine's /dev: v4l's `enum_devices` lists /dev with
 * opendir/readdir64, so readdir on a "/dev" stream gets the fake node(s) appended after the real
 * entries, and real `video*` entries are hidden (tests are the same on a laptop with a camera).
 * The node's name comes from /sys/class/video4linux/videoN/name, which is answered from memory.
 * Nothing is created on disk and nothing needs root; the fake dies with the process.
 *
 * The device: a UVC-like camera at /dev/video$FAKE_V4L2_INDEX (default 0) offering each of
 * FAKE_V4L2_FORMATS (yuyv,mjpeg) at each of FAKE_V4L2_SIZES (640x480,1280x720,320x240) at each of
 * FAKE_V4L2_FPS (30,15), frames paced by CLOCK_MONOTONIC at the chosen rate. FAKE_V4L2_NAME sets
 * its name; FAKE_V4L2_META=1 adds the metadata-only node a real UVC camera has beside it.
 *
 * Frames: a generated pattern of 8x8-pixel blocks (so MJPEG needs only DC coefficients and the
 * encoder below stays small): the top block row is a green marker block, then the frame number
 * in 16 black/white blocks (most significant bit first), then grey; every other row is red on
 * the left half and blue on the right (so a mirrored picture is easy to tell). YUYV uses the
 * BT.601 limited-range matrix webcams use; MJPEG frames are baseline JPEGs as UVC cameras send
 * them (an AVI1 segment and no Huffman tables). With FAKE_V4L2_FRAMES=DIR and MJPEG, the .jpg
 * files of DIR are served as they are, in name order, round and round.
 *
 * Misbehaviour on request, FAKE_V4L2_FAULTS=fault[,fault...]:
 *   busy[:K]          the first K opens (all, without K) fail with EBUSY
 *   busy-stream[:K]   the first K buffer requests (REQBUFS) fail with EBUSY, as when another
 *                     app streams the camera
 *   denied[:K]        the first K opens fail with EACCES
 *   unplug:N[:K]      after N frames the camera is unplugged: DQBUF and every other call on open
 *                     handles fail with ENODEV, poll reports POLLERR|POLLHUP, the node leaves the
 *                     /dev listing and opens fail with ENOENT; after K failed opens it is back
 *                     (unplug:0 — not there from the start)
 *   stall:N:MS        after N frames the next frame comes MS milliseconds late
 *   wrong-size        frames do not match the format: YUYV buffers hold half the bytes, MJPEG
 *                     frames are JPEGs of half the width and height
 *   corrupt:N[:C]     frames N .. N+C-1 (C = 1) are garbage, not a JPEG (MJPEG only)
 *   unsupported       only formats pacnet cannot decode are offered (H264, YU12)
 * Frame counts are over the whole process, so a fault fires once.
 *
 * Build: cc -shared -fPIC -O2 -o libfake_v4l2.so fake_v4l2.c -ldl -lpthread
 * (scripts/with-fake-webcam.sh does this and sets the variables from its options).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST 8
#define MAX_FDS 64
#define MAX_BUFS 8
#define MAX_DIRS 16
#define MAX_FILES 256
#define FOURCC_H264 v4l2_fourcc('H', '2', '6', '4')
#define FOURCC_UVCH v4l2_fourcc('U', 'V', 'C', 'H')

/* ---- the real C library ---------------------------------------------------------------- */

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_close)(int);
static int (*real_ioctl)(int, unsigned long, ...);
static long (*real_syscall)(long, ...);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static void *(*real_mmap64)(void *, size_t, int, int, int, off64_t);
static int (*real_munmap)(void *, size_t);
static int (*real_poll)(struct pollfd *, nfds_t, int);
static int (*real_select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
static ssize_t (*real_read)(int, void *, size_t);
static int (*real_stat)(const char *, struct stat *);
static int (*real_stat64)(const char *, struct stat64 *);
static int (*real_lstat)(const char *, struct stat *);
static int (*real_lstat64)(const char *, struct stat64 *);
static int (*real_fstatat)(int, const char *, struct stat *, int);
static int (*real_fstatat64)(int, const char *, struct stat64 *, int);
static int (*real_statx)(int, const char *, int, unsigned, struct statx *);
static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);
static DIR *(*real_opendir)(const char *);
static struct dirent *(*real_readdir)(DIR *);
static struct dirent64 *(*real_readdir64)(DIR *);
static int (*real_closedir)(DIR *);

#define REAL(name) (real_##name ? real_##name : (*(void **)&real_##name = dlsym(RTLD_NEXT, #name), real_##name))

/* ---- configuration (read once, at load) -------------------------------------------------- */

static struct {
    int index;
    char node[32], meta_node[32], name[32];
    uint32_t fourccs[MAX_LIST];
    int nfourcc;
    uint32_t widths[MAX_LIST], heights[MAX_LIST];
    int nsizes;
    uint32_t fps[MAX_LIST];
    int nfps;
    int meta;
    long busy_opens, busy_streams, denied_opens; /* -1: always */
    long unplug_after, unplug_opens;             /* -1: never / never back */
    long stall_after, stall_ms;
    int wrong_size, unsupported;
    long corrupt_at, corrupt_count;
    unsigned char *files[MAX_FILES];
    size_t file_len[MAX_FILES];
    int nfiles;
    size_t max_file;
} cfg;

static void die(const char *what, const char *value) {
    fprintf(stderr, "fake-v4l2: %s: %s\n", what, value);
    exit(2);
}

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static void parse_formats(const char *s) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (cfg.nfourcc == MAX_LIST) die("too many formats", s);
        if (!strcasecmp(t, "yuyv")) cfg.fourccs[cfg.nfourcc++] = V4L2_PIX_FMT_YUYV;
        else if (!strcasecmp(t, "mjpeg") || !strcasecmp(t, "mjpg")) cfg.fourccs[cfg.nfourcc++] = V4L2_PIX_FMT_MJPEG;
        else die("FAKE_V4L2_FORMATS: expected yuyv or mjpeg, got", t);
    }
}

static void parse_sizes(const char *s) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned w, h;
        if (sscanf(t, "%ux%u", &w, &h) != 2 || w < 16 || h < 16 || w > 4096 || h > 4096 || w % 2)
            die("FAKE_V4L2_SIZES: expected WxH (even width, 16 to 4096), got", t);
        if (cfg.nsizes == MAX_LIST) die("too many sizes", s);
        cfg.widths[cfg.nsizes] = w;
        cfg.heights[cfg.nsizes++] = h;
    }
}

static void parse_fps(const char *s) {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned f;
        if (sscanf(t, "%u", &f) != 1 || f < 1 || f > 240) die("FAKE_V4L2_FPS: expected 1 to 240, got", t);
        if (cfg.nfps == MAX_LIST) die("too many rates", s);
        cfg.fps[cfg.nfps++] = f;
    }
}

/* "name" or "name:A" or "name:A:B" -> how many numbers were given. */
static int fault_args(const char *t, const char *name, long *a, long *b) {
    size_t n = strlen(name);
    if (strncmp(t, name, n) || (t[n] && t[n] != ':')) return -1;
    if (!t[n]) return 0;
    char *end;
    *a = strtol(t + n + 1, &end, 10);
    if (end == t + n + 1 || *a < 0) die("FAKE_V4L2_FAULTS: bad number in", t);
    if (!*end) return 1;
    if (*end != ':') die("FAKE_V4L2_FAULTS: bad fault", t);
    const char *second = end + 1;
    *b = strtol(second, &end, 10);
    if (end == second || *end || *b < 0) die("FAKE_V4L2_FAULTS: bad number in", t);
    return 2;
}

static void parse_faults(const char *s) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        long a = -1, b = -1;
        int n;
        if ((n = fault_args(t, "busy-stream", &a, &b)) >= 0 && n < 2) cfg.busy_streams = n ? a : -1;
        else if ((n = fault_args(t, "busy", &a, &b)) >= 0 && n < 2) cfg.busy_opens = n ? a : -1;
        else if ((n = fault_args(t, "denied", &a, &b)) >= 0 && n < 2) cfg.denied_opens = n ? a : -1;
        else if ((n = fault_args(t, "unplug", &a, &b)) >= 1) cfg.unplug_after = a, cfg.unplug_opens = b;
        else if ((n = fault_args(t, "stall", &a, &b)) == 2) cfg.stall_after = a, cfg.stall_ms = b;
        else if ((n = fault_args(t, "corrupt", &a, &b)) >= 1) cfg.corrupt_at = a, cfg.corrupt_count = n == 2 ? b : 1;
        else if (!strcmp(t, "wrong-size")) cfg.wrong_size = 1;
        else if (!strcmp(t, "unsupported")) cfg.unsupported = 1;
        else
            die("FAKE_V4L2_FAULTS: unknown fault (expected busy[:K], busy-stream[:K], denied[:K], unplug:N[:K], "
                "stall:N:MS, wrong-size, corrupt:N[:C] or unsupported)", t);
    }
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_jpeg_name(const struct dirent *d) {
    const char *dot = strrchr(d->d_name, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

static void load_frames(const char *dir) {
    struct dirent **names;
    int n = scandir(dir, &names, is_jpeg_name, by_name);
    if (n < 0) die("FAKE_V4L2_FRAMES: cannot list", dir);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        free(names[i]);
        if (cfg.nfiles == MAX_FILES) continue;
        FILE *f = fopen(path, "rb");
        if (!f) die("FAKE_V4L2_FRAMES: cannot read", path);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        unsigned char *data = malloc(len > 0 ? (size_t)len : 1);
        if (len <= 0 || !data || fread(data, 1, (size_t)len, f) != (size_t)len) die("FAKE_V4L2_FRAMES: cannot read", path);
        fclose(f);
        cfg.files[cfg.nfiles] = data;
        cfg.file_len[cfg.nfiles++] = (size_t)len;
        if ((size_t)len > cfg.max_file) cfg.max_file = (size_t)len;
    }
    free(names);
    if (!cfg.nfiles) die("FAKE_V4L2_FRAMES: no .jpg files in", dir);
}

__attribute__((constructor)) static void configure(void) {
    cfg.index = atoi(env_or("FAKE_V4L2_INDEX", "0"));
    if (cfg.index < 0 || cfg.index > 60) die("FAKE_V4L2_INDEX: expected 0 to 60, got", getenv("FAKE_V4L2_INDEX"));
    snprintf(cfg.node, sizeof cfg.node, "/dev/video%d", cfg.index);
    snprintf(cfg.meta_node, sizeof cfg.meta_node, "/dev/video%d", cfg.index + 1);
    snprintf(cfg.name, sizeof cfg.name, "%s", env_or("FAKE_V4L2_NAME", "pacnet fake camera"));
    parse_formats(env_or("FAKE_V4L2_FORMATS", "yuyv,mjpeg"));
    parse_sizes(env_or("FAKE_V4L2_SIZES", "640x480,1280x720,320x240"));
    parse_fps(env_or("FAKE_V4L2_FPS", "30,15"));
    cfg.meta = atoi(env_or("FAKE_V4L2_META", "0"));
    cfg.unplug_after = cfg.stall_after = cfg.corrupt_at = -1;
    parse_faults(env_or("FAKE_V4L2_FAULTS", ""));
    if (cfg.unsupported) {
        cfg.fourccs[0] = FOURCC_H264;
        cfg.fourccs[1] = V4L2_PIX_FMT_YUV420;
        cfg.nfourcc = 2;
    }
    const char *frames = getenv("FAKE_V4L2_FRAMES");
    if (frames && *frames) load_frames(frames);
}

/* ---- the device --------------------------------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

struct buffer {
    unsigned char *mem;
    size_t length;
    int queued;
    uint64_t queue_order;
    struct v4l2_buffer done; /* what the last DQBUF of this buffer reported */
};

static struct {
    uint32_t fourcc, width, height, fps;
    struct buffer bufs[MAX_BUFS];
    unsigned nbufs;
    int owner;         /* the fd that requested the buffers, or -1 */
    int streaming;
    uint64_t t0, shift; /* ns, CLOCK_MONOTONIC: frame k is due at t0 + shift + k * period */
    uint64_t next_k, queue_counter;
    unsigned generation; /* bumped by an unplug: older handles are dead */
    int unplugged;
    long failed_opens, frames_served;
    int initialised;
} dev = {.owner = -1};

struct handle {
    int fd, in_use, meta, nonblock;
    unsigned generation;
};
static struct handle handles[MAX_FDS];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns) {
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

static struct handle *find(int fd) {
    if (fd < 0) return NULL;
    for (int i = 0; i < MAX_FDS; i++)
        if (handles[i].in_use && handles[i].fd == fd) return &handles[i];
    return NULL;
}

static int is_fake(int fd) {
    pthread_mutex_lock(&lock);
    int yes = find(fd) != NULL;
    pthread_mutex_unlock(&lock);
    return yes;
}

static int offered_format(uint32_t fourcc) {
    for (int i = 0; i < cfg.nfourcc; i++)
        if (cfg.fourccs[i] == fourcc) return 1;
    return 0;
}

static int offered_size(uint32_t w, uint32_t h) {
    for (int i = 0; i < cfg.nsizes; i++)
        if (cfg.widths[i] == w && cfg.heights[i] == h) return 1;
    return 0;
}

static void init_device(void) {
    if (dev.initialised) return;
    dev.initialised = 1;
    dev.fourcc = cfg.fourccs[0];
    dev.width = cfg.widths[0];
    dev.height = cfg.heights[0];
    dev.fps = cfg.fps[0];
    dev.unplugged = cfg.unplug_after == 0; /* unplug:0 — not there from the start */
}

static uint32_t bytes_per_line(void) { return dev.fourcc == V4L2_PIX_FMT_YUYV ? dev.width * 2 : 0; }

static uint32_t size_image(void) {
    uint32_t full = dev.width * dev.height * 2;
    if (dev.fourcc == V4L2_PIX_FMT_YUYV) return cfg.wrong_size ? full / 2 : full;
    if (dev.fourcc == V4L2_PIX_FMT_YUV420) return dev.width * dev.height * 3 / 2;
    return full > cfg.max_file + 4096 ? full : (uint32_t)cfg.max_file + 4096;
}

static const char *format_name(uint32_t fourcc) {
    switch (fourcc) {
    case V4L2_PIX_FMT_YUYV: return "YUYV 4:2:2";
    case V4L2_PIX_FMT_MJPEG: return "Motion-JPEG";
    case FOURCC_H264: return "H.264";
    case V4L2_PIX_FMT_YUV420: return "Planar YUV 4:2:0";
    default: return "?";
    }
}

/* ---- frames ------------------------------------------------------------------------------- */

/* The pattern's colour of 8x8 block (bx, by) of a picture `blocks_x` blocks wide, in frame k. */
static void pattern(unsigned bx, unsigned by, unsigned blocks_x, uint64_t k, int rgb[3]) {
    static const int green[3] = {30, 200, 30}, white[3] = {240, 240, 240}, black[3] = {16, 16, 16},
                     grey[3] = {128, 128, 128}, red[3] = {200, 30, 30}, blue[3] = {30, 30, 200};
    const int *c;
    if (by == 0) {
        if (bx == 0) c = green;
        else if (bx <= 16) c = (k >> (16 - bx)) & 1 ? white : black;
        else c = grey;
    } else {
        c = bx < blocks_x / 2 ? red : blue;
    }
    memcpy(rgb, c, sizeof(int) * 3);
}

static int clamp255(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

/* BT.601 limited range, as webcams send YUYV. */
static void yuv_limited(const int c[3], int *y, int *u, int *v) {
    *y = clamp255(16 + ((66 * c[0] + 129 * c[1] + 25 * c[2] + 128) >> 8));
    *u = clamp255(128 + ((-38 * c[0] - 74 * c[1] + 112 * c[2] + 128) >> 8));
    *v = clamp255(128 + ((112 * c[0] - 94 * c[1] - 18 * c[2] + 128) >> 8));
}

/* JFIF full range, as JPEG stores colour. */
static void ycbcr_full(const int c[3], int out[3]) {
    out[0] = clamp255((77 * c[0] + 150 * c[1] + 29 * c[2] + 128) >> 8);
    out[1] = clamp255((-43 * c[0] - 85 * c[1] + 128 * c[2] + 32768 + 128) >> 8);
    out[2] = clamp255((128 * c[0] - 107 * c[1] - 21 * c[2] + 32768 + 128) >> 8);
}

static size_t fill_yuyv(unsigned char *out, size_t cap, uint32_t w, uint32_t h, uint64_t k) {
    unsigned blocks_x = (w + 7) / 8;
    size_t n = 0;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x += 2) {
            if (n + 4 > cap) return n;
            int rgb[3], Y, U, V;
            pattern(x / 8, y / 8, blocks_x, k, rgb);
            yuv_limited(rgb, &Y, &U, &V);
            out[n++] = (unsigned char)Y;
            out[n++] = (unsigned char)U;
            out[n++] = (unsigned char)Y;
            out[n++] = (unsigned char)V;
        }
    return n;
}

/* A baseline JPEG of the pattern, the way UVC webcams send MJPEG: an "AVI1" APP0 segment and no
 * Huffman tables (decoders use the standard ones, JPEG Annex K). Every 8x8 block is one flat
 * colour, so each block is just a DC coefficient (8 * (value - 128) with an all-ones
 * quantisation table) and an end-of-block: of the AC tables only the EOB codes are needed. */
struct bits {
    unsigned char *p;
    size_t n, cap;
    uint32_t acc;
    int count;
};

static void put_byte(struct bits *b, unsigned v) {
    if (b->n < b->cap) b->p[b->n] = (unsigned char)v;
    b->n++;
}

static void put_bits(struct bits *b, uint32_t code, int len) {
    for (int i = len - 1; i >= 0; i--) {
        b->acc = (b->acc << 1) | ((code >> i) & 1);
        if (++b->count == 8) {
            put_byte(b, b->acc & 0xff);
            if ((b->acc & 0xff) == 0xff) put_byte(b, 0); /* byte stuffing */
            b->acc = 0;
            b->count = 0;
        }
    }
}

static void put_bytes(struct bits *b, const unsigned char *s, size_t n) {
    for (size_t i = 0; i < n; i++) put_byte(b, s[i]);
}

static size_t encode_jpeg(unsigned char *out, size_t cap, uint32_t w, uint32_t h, uint64_t k) {
    /* Standard DC tables (code lengths per length 1..16) for luma and chroma; symbols 0..11. */
    static const unsigned char dc_bits[2][16] = {{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
                                                 {0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}};
    static const uint32_t eob_code[2] = {0xA, 0x0}; /* standard AC tables: luma 1010, chroma 00 */
    static const int eob_len[2] = {4, 2};
    uint32_t dc_code[2][12];
    int dc_len[2][12];
    for (int t = 0; t < 2; t++)
        for (int len = 1, code = 0, sym = 0; len <= 16; len++, code <<= 1)
            for (int i = 0; i < dc_bits[t][len - 1]; i++, code++, sym++) dc_code[t][sym] = (uint32_t)code, dc_len[t][sym] = len;

    struct bits b = {out, 0, cap, 0, 0};
    static const unsigned char soi_app0[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'A', 'V', 'I', '1', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    put_bytes(&b, soi_app0, sizeof soi_app0);
    static const unsigned char dqt[] = {0xFF, 0xDB, 0, 67, 0};
    put_bytes(&b, dqt, sizeof dqt);
    for (int i = 0; i < 64; i++) put_byte(&b, 1);
    unsigned char sof[] = {0xFF, 0xC0, 0, 17, 8, (unsigned char)(h >> 8), (unsigned char)h, (unsigned char)(w >> 8),
                           (unsigned char)w, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0};
    put_bytes(&b, sof, sizeof sof);
    static const unsigned char sos[] = {0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0};
    put_bytes(&b, sos, sizeof sos);

    unsigned blocks_x = (w + 7) / 8, blocks_y = (h + 7) / 8;
    int previous[3] = {0, 0, 0};
    for (unsigned by = 0; by < blocks_y; by++)
        for (unsigned bx = 0; bx < blocks_x; bx++) {
            int rgb[3], ycc[3];
            pattern(bx, by, blocks_x, k, rgb);
            ycbcr_full(rgb, ycc);
            for (int c = 0; c < 3; c++) {
                int t = c > 0, dc = 8 * (ycc[c] - 128), diff = dc - previous[c], magnitude = diff < 0 ? -diff : diff;
                int cat = 0;
                previous[c] = dc;
                while (magnitude >> cat) cat++;
                put_bits(&b, dc_code[t][cat], dc_len[t][cat]);
                if (cat) put_bits(&b, (uint32_t)(diff < 0 ? diff - 1 : diff) & ((1u << cat) - 1), cat);
                put_bits(&b, eob_code[t], eob_len[t]);
            }
        }
    while (b.count) put_bits(&b, 1, 1); /* pad the last byte with ones */
    put_byte(&b, 0xFF);
    put_byte(&b, 0xD9);
    return b.n <= cap ? b.n : 0;
}

/* Writes frame k into buffer `buf` in the current format; returns the bytes used. */
static size_t render(struct buffer *buf, uint64_t k, long served) {
    if (dev.fourcc == V4L2_PIX_FMT_YUYV) return fill_yuyv(buf->mem, buf->length, dev.width, dev.height, k);
    if (dev.fourcc != V4L2_PIX_FMT_MJPEG) {
        memset(buf->mem, 0x80, buf->length); /* formats nobody here decodes */
        return buf->length;
    }
    if (cfg.corrupt_at >= 0 && served >= cfg.corrupt_at && served < cfg.corrupt_at + cfg.corrupt_count) {
        size_t n = buf->length < 4096 ? buf->length : 4096;
        memset(buf->mem, 0x5A, n);
        return n;
    }
    if (cfg.nfiles) {
        size_t i = (size_t)(k % (uint64_t)cfg.nfiles), n = cfg.file_len[i] < buf->length ? cfg.file_len[i] : buf->length;
        memcpy(buf->mem, cfg.files[i], n);
        return n;
    }
    uint32_t w = cfg.wrong_size ? dev.width / 2 : dev.width, h = cfg.wrong_size ? dev.height / 2 : dev.height;
    return encode_jpeg(buf->mem, buf->length, w, h, k);
}

/* ---- ioctls ------------------------------------------------------------------------------- */

/* glibc declares path arguments nonnull, so GCC would drop our NULL checks; but callers do pass
 * NULL (Rust's std probes statx with one), and the real function must be the one to answer. */
static const char *launder(const char *p) {
    __asm__("" : "+r"(p));
    return p;
}

static int fail(int e) {
    errno = e;
    return -1;
}

static void fill_pix(struct v4l2_format *f) {
    memset(&f->fmt.pix, 0, sizeof f->fmt.pix);
    f->fmt.pix.width = dev.width;
    f->fmt.pix.height = dev.height;
    f->fmt.pix.pixelformat = dev.fourcc;
    f->fmt.pix.field = V4L2_FIELD_NONE;
    f->fmt.pix.bytesperline = bytes_per_line();
    f->fmt.pix.sizeimage = size_image();
    f->fmt.pix.colorspace = dev.fourcc == V4L2_PIX_FMT_MJPEG ? V4L2_COLORSPACE_JPEG : V4L2_COLORSPACE_SRGB;
}

static uint32_t nearest_fps(uint32_t want) {
    uint32_t best = cfg.fps[0];
    for (int i = 1; i < cfg.nfps; i++)
        if ((cfg.fps[i] > want ? cfg.fps[i] - want : want - cfg.fps[i]) < (best > want ? best - want : want - best))
            best = cfg.fps[i];
    return best;
}

static int set_format(struct handle *h, struct v4l2_format *f, int apply) {
    if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) return fail(EINVAL);
    uint32_t fourcc = offered_format(f->fmt.pix.pixelformat) ? f->fmt.pix.pixelformat : cfg.fourccs[0];
    int best = 0;
    long best_distance = -1;
    for (int i = 0; i < cfg.nsizes; i++) {
        long d = labs((long)cfg.widths[i] - (long)f->fmt.pix.width) + labs((long)cfg.heights[i] - (long)f->fmt.pix.height);
        if (best_distance < 0 || d < best_distance) best = i, best_distance = d;
    }
    if (apply && dev.nbufs && dev.owner != h->fd) return fail(EBUSY);
    if (apply && dev.streaming) return fail(EBUSY);
    uint32_t keep_fourcc = dev.fourcc, keep_w = dev.width, keep_h = dev.height;
    dev.fourcc = fourcc;
    dev.width = cfg.widths[best];
    dev.height = cfg.heights[best];
    fill_pix(f);
    if (!apply) dev.fourcc = keep_fourcc, dev.width = keep_w, dev.height = keep_h;
    return 0;
}

static int request_buffers(struct handle *h, struct v4l2_requestbuffers *r) {
    if (r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || r->memory != V4L2_MEMORY_MMAP) return fail(EINVAL);
    if (dev.owner >= 0 && dev.owner != h->fd) return fail(EBUSY);
    if (dev.streaming) return fail(EBUSY);
    if (r->count && cfg.busy_streams) {
        if (cfg.busy_streams > 0) cfg.busy_streams--;
        return fail(EBUSY);
    }
    for (unsigned i = 0; i < dev.nbufs; i++) dev.bufs[i].mem = NULL; /* the mappings stay the caller's */
    dev.nbufs = 0;
    dev.owner = -1;
    if (r->count == 0) return 0;
    unsigned count = r->count < 2 ? 2 : r->count > MAX_BUFS ? MAX_BUFS : r->count;
    for (unsigned i = 0; i < count; i++) {
        memset(&dev.bufs[i], 0, sizeof dev.bufs[i]);
        dev.bufs[i].length = size_image();
    }
    dev.nbufs = count;
    dev.owner = h->fd;
    r->count = count;
    r->capabilities = V4L2_BUF_CAP_SUPPORTS_MMAP;
    return 0;
}

static void describe_buffer(unsigned i, struct v4l2_buffer *b) {
    struct buffer *buf = &dev.bufs[i];
    *b = buf->done;
    b->index = i;
    b->type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b->memory = V4L2_MEMORY_MMAP;
    b->m.offset = i << 24;
    b->length = (uint32_t)buf->length;
    b->flags = (buf->done.flags & ~V4L2_BUF_FLAG_QUEUED) | (buf->mem ? V4L2_BUF_FLAG_MAPPED : 0) |
               (buf->queued ? V4L2_BUF_FLAG_QUEUED : 0) | V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC;
}

/* The queued buffer to fill next (queued longest ago), or -1. */
static int oldest_queued(void) {
    int pick = -1;
    for (unsigned i = 0; i < dev.nbufs; i++)
        if (dev.bufs[i].queued && (pick < 0 || dev.bufs[i].queue_order < dev.bufs[pick].queue_order)) pick = (int)i;
    return pick;
}

static uint64_t period_ns(void) { return 1000000000u / dev.fps; }

/* 0: a frame can be dequeued now; > 0: wait this long; < 0: never (an error is pending). */
static int64_t wait_for_frame(struct handle *h) {
    if (h->generation != dev.generation || h->meta) return -1;
    if (!dev.streaming || dev.owner != h->fd || oldest_queued() < 0) return -1;
    uint64_t due = dev.t0 + dev.shift + dev.next_k * period_ns(), now = now_ns();
    return now >= due ? 0 : (int64_t)(due - now);
}

static void unplug(void) {
    dev.unplugged = 1;
    dev.failed_opens = 0;
    dev.generation++;
    dev.streaming = 0;
    for (unsigned i = 0; i < dev.nbufs; i++) dev.bufs[i].mem = NULL;
    dev.nbufs = 0;
    dev.owner = -1;
}

static int dequeue(struct handle *h, struct v4l2_buffer *b) {
    if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP) return fail(EINVAL);
    for (;;) {
        if (h->generation != dev.generation) return fail(ENODEV);
        if (!dev.streaming || dev.owner != h->fd) return fail(EINVAL);
        int64_t wait = wait_for_frame(h);
        if (wait < 0) return fail(EINVAL); /* nothing queued: it would block for ever */
        if (wait == 0) break;
        if (h->nonblock) return fail(EAGAIN);
        pthread_mutex_unlock(&lock);
        sleep_ns((uint64_t)wait < 20000000u ? (uint64_t)wait : 20000000u);
        pthread_mutex_lock(&lock);
    }
    int i = oldest_queued();
    struct buffer *buf = &dev.bufs[i];
    /* A consumer that fell behind gets the newest frame: the ones in between were dropped, as a
     * driver drops frames when no buffer is free. */
    uint64_t now = now_ns(), k = dev.next_k, elapsed = now - dev.t0 - dev.shift;
    if (now > dev.t0 + dev.shift && elapsed / period_ns() > k) k = elapsed / period_ns();
    size_t used = buf->mem ? render(buf, k, dev.frames_served) : 0;
    dev.next_k = k + 1;
    dev.frames_served++;
    buf->queued = 0;
    memset(&buf->done, 0, sizeof buf->done);
    buf->done.bytesused = (uint32_t)used;
    buf->done.flags = V4L2_BUF_FLAG_DONE;
    buf->done.field = V4L2_FIELD_NONE;
    buf->done.sequence = (uint32_t)k;
    buf->done.timestamp.tv_sec = (time_t)(now / 1000000000u);
    buf->done.timestamp.tv_usec = (suseconds_t)(now % 1000000000u / 1000u);
    describe_buffer((unsigned)i, b);
    if (cfg.stall_after >= 0 && dev.frames_served == cfg.stall_after) dev.shift += (uint64_t)cfg.stall_ms * 1000000u;
    if (cfg.unplug_after >= 0 && dev.frames_served == cfg.unplug_after) unplug();
    return 0;
}

/* QUERYCAP of a node that can do `node_caps`, on a device that can also do `device_caps`. */
static int query_cap(struct v4l2_capability *c, uint32_t node_caps, uint32_t device_caps) {
    memset(c, 0, sizeof *c);
    snprintf((char *)c->driver, sizeof c->driver, "uvcvideo");
    snprintf((char *)c->card, sizeof c->card, "%s", cfg.name);
    snprintf((char *)c->bus_info, sizeof c->bus_info, "usb-pacnet-fake");
    c->version = (6u << 16) | (1u << 8);
    c->device_caps = node_caps | V4L2_CAP_STREAMING;
    c->capabilities = c->device_caps | device_caps | V4L2_CAP_DEVICE_CAPS;
    return 0;
}

static int meta_ioctl(unsigned long request, void *arg) {
    switch (request) {
    case VIDIOC_QUERYCAP: return query_cap(arg, V4L2_CAP_META_CAPTURE, V4L2_CAP_VIDEO_CAPTURE);
    case VIDIOC_ENUM_FMT: {
        struct v4l2_fmtdesc *d = arg;
        if (d->type != V4L2_BUF_TYPE_META_CAPTURE || d->index > 0) return fail(EINVAL);
        d->pixelformat = FOURCC_UVCH;
        snprintf((char *)d->description, sizeof d->description, "UVC Payload Header Metadata");
        return 0;
    }
    default: return fail(request == VIDIOC_G_FMT || request == VIDIOC_S_FMT ? EINVAL : ENOTTY);
    }
}

static int fake_ioctl(int fd, unsigned long request, void *arg) {
    pthread_mutex_lock(&lock);
    struct handle *h = find(fd);
    int r;
    if (!h) r = fail(EBADF);
    else if (h->generation != dev.generation) r = fail(ENODEV);
    else if (h->meta) r = meta_ioctl(request, arg);
    else switch (request) {
        case VIDIOC_QUERYCAP: r = query_cap(arg, V4L2_CAP_VIDEO_CAPTURE, cfg.meta ? V4L2_CAP_META_CAPTURE : 0); break;
        case VIDIOC_ENUM_FMT: {
            struct v4l2_fmtdesc *d = arg;
            if (d->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || d->index >= (uint32_t)cfg.nfourcc) {
                r = fail(EINVAL);
                break;
            }
            uint32_t index = d->index, type = d->type;
            memset(d, 0, sizeof *d);
            d->index = index;
            d->type = type;
            d->pixelformat = cfg.fourccs[index];
            d->flags = d->pixelformat == V4L2_PIX_FMT_YUYV || d->pixelformat == V4L2_PIX_FMT_YUV420 ? 0 : V4L2_FMT_FLAG_COMPRESSED;
            snprintf((char *)d->description, sizeof d->description, "%s", format_name(d->pixelformat));
            r = 0;
            break;
        }
        case VIDIOC_ENUM_FRAMESIZES: {
            struct v4l2_frmsizeenum *s = arg;
            if (!offered_format(s->pixel_format) || s->index >= (uint32_t)cfg.nsizes) {
                r = fail(EINVAL);
                break;
            }
            s->type = V4L2_FRMSIZE_TYPE_DISCRETE;
            s->discrete.width = cfg.widths[s->index];
            s->discrete.height = cfg.heights[s->index];
            r = 0;
            break;
        }
        case VIDIOC_ENUM_FRAMEINTERVALS: {
            struct v4l2_frmivalenum *v = arg;
            if (!offered_format(v->pixel_format) || !offered_size(v->width, v->height) || v->index >= (uint32_t)cfg.nfps) {
                r = fail(EINVAL);
                break;
            }
            v->type = V4L2_FRMIVAL_TYPE_DISCRETE;
            v->discrete.numerator = 1;
            v->discrete.denominator = cfg.fps[v->index];
            r = 0;
            break;
        }
        case VIDIOC_G_FMT: {
            struct v4l2_format *f = arg;
            if (f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) r = fail(EINVAL);
            else fill_pix(f), r = 0;
            break;
        }
        case VIDIOC_S_FMT: r = set_format(h, arg, 1); break;
        case VIDIOC_TRY_FMT: r = set_format(h, arg, 0); break;
        case VIDIOC_G_PARM:
        case VIDIOC_S_PARM: {
            struct v4l2_streamparm *p = arg;
            if (p->type != V4L2_BUF_TYPE_VIDEO_CAPTURE) {
                r = fail(EINVAL);
                break;
            }
            if (request == VIDIOC_S_PARM && p->parm.capture.timeperframe.numerator && p->parm.capture.timeperframe.denominator) {
                if (dev.streaming) {
                    r = fail(EBUSY);
                    break;
                }
                struct v4l2_fract t = p->parm.capture.timeperframe;
                dev.fps = nearest_fps((t.denominator + t.numerator / 2) / t.numerator);
            }
            memset(&p->parm, 0, sizeof p->parm);
            p->parm.capture.capability = V4L2_CAP_TIMEPERFRAME;
            p->parm.capture.timeperframe.numerator = 1;
            p->parm.capture.timeperframe.denominator = dev.fps;
            r = 0;
            break;
        }
        case VIDIOC_REQBUFS: r = request_buffers(h, arg); break;
        case VIDIOC_QUERYBUF: {
            struct v4l2_buffer *b = arg;
            if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->index >= dev.nbufs) r = fail(EINVAL);
            else describe_buffer(b->index, b), r = 0;
            break;
        }
        case VIDIOC_QBUF: {
            struct v4l2_buffer *b = arg;
            if (dev.owner != fd) r = fail(EBUSY);
            else if (b->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || b->memory != V4L2_MEMORY_MMAP || b->index >= dev.nbufs ||
                     dev.bufs[b->index].queued)
                r = fail(EINVAL);
            else {
                dev.bufs[b->index].queued = 1;
                dev.bufs[b->index].queue_order = dev.queue_counter++;
                describe_buffer(b->index, b);
                r = 0;
            }
            break;
        }
        case VIDIOC_DQBUF: r = dequeue(h, arg); break;
        case VIDIOC_STREAMON:
        case VIDIOC_STREAMOFF: {
            if (*(int *)arg != V4L2_BUF_TYPE_VIDEO_CAPTURE) r = fail(EINVAL);
            else if (dev.owner != fd) r = request == VIDIOC_STREAMOFF && !dev.nbufs ? 0 : fail(EBUSY);
            else if (request == VIDIOC_STREAMON) {
                if (!dev.streaming) dev.streaming = 1, dev.t0 = now_ns(), dev.shift = 0, dev.next_k = 0;
                r = 0;
            } else {
                dev.streaming = 0;
                for (unsigned i = 0; i < dev.nbufs; i++) dev.bufs[i].queued = 0;
                r = 0;
            }
            break;
        }
        case VIDIOC_ENUMINPUT: {
            struct v4l2_input *in = arg;
            if (in->index > 0) r = fail(EINVAL);
            else {
                memset(in, 0, sizeof *in);
                snprintf((char *)in->name, sizeof in->name, "Camera 1");
                in->type = V4L2_INPUT_TYPE_CAMERA;
                r = 0;
            }
            break;
        }
        case VIDIOC_G_INPUT: *(int *)arg = 0, r = 0; break;
        case VIDIOC_S_INPUT: r = *(int *)arg == 0 ? 0 : fail(EINVAL); break;
        case VIDIOC_QUERYCTRL:
        case VIDIOC_QUERY_EXT_CTRL:
        case VIDIOC_G_CTRL:
        case VIDIOC_S_CTRL:
        case VIDIOC_G_EXT_CTRLS:
        case VIDIOC_S_EXT_CTRLS:
        case VIDIOC_TRY_EXT_CTRLS: r = fail(EINVAL); break; /* a camera without controls */
        default: r = fail(ENOTTY);
        }
    pthread_mutex_unlock(&lock);
    return r;
}

/* ---- open and close ----------------------------------------------------------------------- */

static int memory_file(const char *text) {
    int fd = memfd_create("fake-v4l2-sysfs", MFD_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n || lseek(fd, 0, SEEK_SET) < 0) {
        REAL(close)(fd);
        return -1;
    }
    return fd;
}

/* sysfs files of the fake nodes: the name v4l lists, and the uevent v4l2-ctl reads to tell what
 * a node is. Returns a descriptor of an in-memory copy, or -2 when `path` is not one of them. */
static int fake_sysfs(const char *path) {
    if (!launder(path)) return -2;
    for (int node = 0; node < 1 + cfg.meta; node++) {
        char name_path[64], uevent_path[64], text[128];
        snprintf(name_path, sizeof name_path, "/sys/class/video4linux/video%d/name", cfg.index + node);
        snprintf(uevent_path, sizeof uevent_path, "/sys/dev/char/81:%d/uevent", cfg.index + node);
        if (!strcmp(path, name_path)) snprintf(text, sizeof text, "%s\n", cfg.name);
        else if (!strcmp(path, uevent_path))
            snprintf(text, sizeof text, "MAJOR=81\nMINOR=%d\nDEVNAME=video%d\n", cfg.index + node, cfg.index + node);
        else continue;
        return memory_file(text);
    }
    return -2;
}

/* -2: not ours, pass it on; otherwise the result of opening a fake node. */
static int fake_open(const char *path, int flags) {
    if (!launder(path)) return -2;
    int sysfs = fake_sysfs(path);
    if (sysfs != -2) return sysfs;
    int meta = cfg.meta && !strcmp(path, cfg.meta_node);
    if (!meta && strcmp(path, cfg.node)) return -2;
    pthread_mutex_lock(&lock);
    init_device();
    int r;
    if (dev.unplugged && (cfg.unplug_opens < 0 || dev.failed_opens < cfg.unplug_opens)) {
        dev.failed_opens++;
        r = fail(ENOENT);
    } else if (cfg.busy_opens) {
        if (cfg.busy_opens > 0) cfg.busy_opens--;
        r = fail(EBUSY);
    } else if (cfg.denied_opens) {
        if (cfg.denied_opens > 0) cfg.denied_opens--;
        r = fail(EACCES);
    } else {
        dev.unplugged = 0;
        /* A real descriptor (of /dev/null, a character device) keeps fstat, fcntl and close sane. */
        r = REAL(open)("/dev/null", O_RDWR | (flags & O_CLOEXEC));
        struct handle *free_slot = NULL;
        for (int i = 0; i < MAX_FDS && r >= 0; i++)
            if (!handles[i].in_use) {
                free_slot = &handles[i];
                break;
            }
        if (r >= 0 && !free_slot) {
            REAL(close)(r);
            r = fail(EMFILE);
        } else if (r >= 0) {
            *free_slot = (struct handle){r, 1, meta, (flags & O_NONBLOCK) != 0, dev.generation};
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}

static int open_mode_needed(int flags) { return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE; }

#define MODE_ARG(flags)                                                                                                \
    mode_t mode = 0;                                                                                                   \
    if (open_mode_needed(flags)) {                                                                                     \
        va_list ap;                                                                                                    \
        va_start(ap, flags);                                                                                           \
        mode = va_arg(ap, mode_t);                                                                                     \
        va_end(ap);                                                                                                    \
    }

int open(const char *path, int flags, ...) {
    MODE_ARG(flags)
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(open)(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    MODE_ARG(flags)
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(open64)(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(flags)
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(openat)(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    MODE_ARG(flags)
    int r = fake_open(path, flags);
    return r != -2 ? r : REAL(openat64)(dirfd, path, flags, mode);
}

static FILE *fake_fopen(const char *path, const char *mode, FILE *(*real)(const char *, const char *)) {
    int fd = fake_sysfs(path);
    return fd == -2 ? real(path, mode) : fd < 0 ? NULL : fdopen(fd, "r");
}
FILE *fopen(const char *path, const char *mode) { return fake_fopen(path, mode, REAL(fopen)); }
FILE *fopen64(const char *path, const char *mode) { return fake_fopen(path, mode, REAL(fopen64)); }

int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags) { return open64(path, flags); }

int close(int fd) {
    pthread_mutex_lock(&lock);
    struct handle *h = find(fd);
    if (h) {
        /* Closing the owner releases the queue, as the kernel does. */
        if (dev.owner == fd && h->generation == dev.generation) {
            dev.streaming = 0;
            for (unsigned i = 0; i < dev.nbufs; i++) dev.bufs[i].mem = NULL;
            dev.nbufs = 0;
            dev.owner = -1;
        }
        h->in_use = 0;
    }
    pthread_mutex_unlock(&lock);
    return REAL(close)(fd);
}

/* ---- stat: tools such as v4l2-ctl check that the node is a character device ----------------- */

/* 1: `path` is a present fake node (and *st describes it); 0: not ours; -1: ours, but unplugged. */
static int fake_stat(const char *path, struct stat64 *st) {
    if (!launder(path)) return 0;
    int meta = cfg.meta && !strcmp(path, cfg.meta_node);
    if (!meta && strcmp(path, cfg.node)) return 0;
    pthread_mutex_lock(&lock);
    init_device();
    int gone = dev.unplugged;
    pthread_mutex_unlock(&lock);
    if (gone) return -1;
    memset(st, 0, sizeof *st);
    st->st_mode = S_IFCHR | 0660;
    st->st_rdev = makedev(81, (unsigned)(cfg.index + meta));
    st->st_nlink = 1;
    st->st_blksize = 4096;
    return 1;
}

#define STAT_WRAPPER(name, type, call)                                                                               \
    int name(const char *path, struct type *st) {                                                                    \
        struct stat64 s;                                                                                             \
        int r = fake_stat(path, &s);                                                                                 \
        if (r < 0) return fail(ENOENT);                                                                              \
        if (r == 0) return call;                                                                                     \
        memcpy(st, &s, sizeof *st);                                                                                  \
        return 0;                                                                                                    \
    }
STAT_WRAPPER(stat, stat, REAL(stat)(path, st))
STAT_WRAPPER(stat64, stat64, REAL(stat64)(path, st))
STAT_WRAPPER(lstat, stat, REAL(lstat)(path, st))
STAT_WRAPPER(lstat64, stat64, REAL(lstat64)(path, st))

int fstatat(int dirfd, const char *path, struct stat *st, int flags) {
    struct stat64 s;
    int r = fake_stat(path, &s);
    if (r < 0) return fail(ENOENT);
    if (r == 0) return REAL(fstatat)(dirfd, path, st, flags);
    memcpy(st, &s, sizeof *st);
    return 0;
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags) {
    struct stat64 s;
    int r = fake_stat(path, &s);
    if (r < 0) return fail(ENOENT);
    if (r == 0) return REAL(fstatat64)(dirfd, path, st, flags);
    *st = s;
    return 0;
}

int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *stx) {
    struct stat64 s;
    int r = fake_stat(path, &s);
    if (r < 0) return fail(ENOENT);
    if (r == 0) return REAL(statx)(dirfd, path, flags, mask, stx);
    memset(stx, 0, sizeof *stx);
    stx->stx_mask = STATX_TYPE | STATX_MODE | STATX_NLINK;
    stx->stx_mode = (uint16_t)s.st_mode;
    stx->stx_nlink = 1;
    stx->stx_blksize = 4096;
    stx->stx_rdev_major = major(s.st_rdev);
    stx->stx_rdev_minor = minor(s.st_rdev);
    return 0;
}

/* ---- ioctl, mmap, poll, select, read ------------------------------------------------------ */

int ioctl(int fd, unsigned long request, ...) {
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    return is_fake(fd) ? fake_ioctl(fd, request, arg) : REAL(ioctl)(fd, request, arg);
}

/* The `v4l` crate calls ioctl through syscall(SYS_ioctl, ...). Other calls are passed on with
 * six arguments, which is what glibc's syscall() itself reads. */
long syscall(long number, ...) {
    va_list ap;
    va_start(ap, number);
    long a[6];
    for (int i = 0; i < 6; i++) a[i] = va_arg(ap, long);
    va_end(ap);
    if (number == SYS_ioctl && is_fake((int)a[0])) return fake_ioctl((int)a[0], (unsigned long)a[1], (void *)a[2]);
    return REAL(syscall)(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void *fake_mmap(size_t length, int fd, off_t offset) {
    pthread_mutex_lock(&lock);
    struct handle *h = find(fd);
    void *r = MAP_FAILED;
    unsigned i = (unsigned)(offset >> 24);
    if (!h) errno = EBADF;
    else if (h->generation != dev.generation) errno = ENODEV;
    else if ((offset & 0xffffff) || i >= dev.nbufs || length > dev.bufs[i].length) errno = EINVAL;
    else {
        r = REAL(mmap)(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (r != MAP_FAILED) dev.bufs[i].mem = r;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset) {
    return is_fake(fd) ? fake_mmap(length, fd, offset) : REAL(mmap)(addr, length, prot, flags, fd, offset);
}

void *mmap64(void *addr, size_t length, int prot, int flags, int fd, off64_t offset) {
    return is_fake(fd) ? fake_mmap(length, fd, (off_t)offset) : REAL(mmap64)(addr, length, prot, flags, fd, offset);
}

int munmap(void *addr, size_t length) {
    pthread_mutex_lock(&lock);
    for (unsigned i = 0; i < dev.nbufs; i++)
        if (dev.bufs[i].mem == addr) dev.bufs[i].mem = NULL;
    pthread_mutex_unlock(&lock);
    return REAL(munmap)(addr, length);
}

/* Readiness of a fake handle: POLLIN when a frame is due, POLLERR when none can come (not
 * streaming, nothing queued, unplugged: what videobuf2 reports); else how long to wait. */
static short fake_ready(int fd, int64_t *wait) {
    pthread_mutex_lock(&lock);
    struct handle *h = find(fd);
    short events = 0;
    *wait = 0;
    if (!h) events = POLLNVAL;
    else if (h->generation != dev.generation) events = POLLERR | POLLHUP;
    else {
        int64_t w = wait_for_frame(h);
        if (w < 0) events = POLLERR;
        else if (w == 0) events = POLLIN | POLLRDNORM;
        else *wait = w;
    }
    pthread_mutex_unlock(&lock);
    return events;
}

/* Waits for a fake handle like poll(2) with `timeout_ms` (< 0: for ever); returns its events, 0
 * on timeout. Sleeps in short steps so an unplug or a stream stop is noticed. */
static short fake_wait(int fd, int timeout_ms) {
    uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : now_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        int64_t wait;
        short events = fake_ready(fd, &wait);
        if (events) return events;
        uint64_t now = now_ns();
        if (now >= deadline) return 0;
        uint64_t step = (uint64_t)wait;
        if (step > 20000000u) step = 20000000u;
        if (step > deadline - now) step = deadline - now;
        sleep_ns(step);
    }
}

/* glibc declares poll's array write-only, which makes GCC warn about reading fds[0].fd. */
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
int poll(struct pollfd *fds, nfds_t n, int timeout) {
    if (n != 1 || !fds || !is_fake(fds[0].fd)) return REAL(poll)(fds, n, timeout);
    short events = fake_wait(fds[0].fd, timeout);
    fds[0].revents = (short)(events & (fds[0].events | POLLERR | POLLHUP | POLLNVAL));
    return fds[0].revents ? 1 : 0;
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen) {
    (void)fdslen;
    return poll(fds, n, timeout);
}

/* select() as v4l2-ctl uses it: one fake descriptor in the read and exception sets. */
int select(int nfds, fd_set *rd, fd_set *wr, fd_set *ex, struct timeval *tv) {
    int fake = -1, others = 0;
    for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
        if ((rd && FD_ISSET(fd, rd)) || (wr && FD_ISSET(fd, wr)) || (ex && FD_ISSET(fd, ex))) {
            if (is_fake(fd) && fake < 0) fake = fd;
            else others++;
        }
    if (fake < 0 || others) return REAL(select)(nfds, rd, wr, ex, tv);
    int timeout_ms = tv ? (int)(tv->tv_sec * 1000 + tv->tv_usec / 1000) : -1;
    short events = fake_wait(fake, timeout_ms);
    int want_read = rd && FD_ISSET(fake, rd), want_ex = ex && FD_ISSET(fake, ex);
    if (rd) FD_ZERO(rd);
    if (wr) FD_ZERO(wr);
    if (ex) FD_ZERO(ex);
    int count = 0;
    if (want_read && (events & (POLLIN | POLLERR | POLLHUP))) FD_SET(fake, rd), count++;
    if (want_ex && (events & POLLERR)) FD_SET(fake, ex), count++;
    return count;
}

ssize_t read(int fd, void *buf, size_t n) {
    if (is_fake(fd)) return fail(EINVAL); /* streaming I/O only, no read() */
    return REAL(read)(fd, buf, n);
}

/* ---- the /dev listing --------------------------------------------------------------------- */

static struct {
    DIR *dir;
    int served;
    struct dirent64 entry;
} dev_dirs[MAX_DIRS];

DIR *opendir(const char *path) {
    DIR *d = REAL(opendir)(path);
    if (d && launder(path) && (!strcmp(path, "/dev") || !strcmp(path, "/dev/"))) {
        pthread_mutex_lock(&lock);
        for (int i = 0; i < MAX_DIRS; i++)
            if (!dev_dirs[i].dir) {
                dev_dirs[i].dir = d;
                dev_dirs[i].served = 0;
                break;
            }
        pthread_mutex_unlock(&lock);
    }
    return d;
}

int closedir(DIR *d) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_DIRS; i++)
        if (dev_dirs[i].dir == d) dev_dirs[i].dir = NULL;
    pthread_mutex_unlock(&lock);
    return REAL(closedir)(d);
}

/* The next fake entry of a /dev listing, or NULL when they are all out (or `d` is not /dev). */
static struct dirent64 *fake_entry(DIR *d) {
    struct dirent64 *r = NULL;
    pthread_mutex_lock(&lock);
    init_device();
    for (int i = 0; i < MAX_DIRS && !r; i++) {
        if (dev_dirs[i].dir != d) continue;
        int total = dev.unplugged ? 0 : cfg.meta ? 2 : 1;
        if (dev_dirs[i].served < total) {
            struct dirent64 *e = &dev_dirs[i].entry;
            memset(e, 0, sizeof *e);
            e->d_ino = 0x7ac0 + (ino64_t)dev_dirs[i].served;
            e->d_type = DT_CHR;
            e->d_reclen = sizeof *e;
            snprintf(e->d_name, sizeof e->d_name, "video%d", cfg.index + dev_dirs[i].served);
            dev_dirs[i].served++;
            r = e;
        }
    }
    pthread_mutex_unlock(&lock);
    return r;
}

static int is_tracked(DIR *d) {
    int yes = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < MAX_DIRS; i++) yes |= dev_dirs[i].dir == d;
    pthread_mutex_unlock(&lock);
    return yes;
}

struct dirent64 *readdir64(DIR *d) {
    if (!is_tracked(d)) return REAL(readdir64)(d);
    struct dirent64 *e;
    while ((e = REAL(readdir64)(d)) && !strncmp(e->d_name, "video", 5)) {
        /* hide real cameras: only the fake one exists in this process */
    }
    return e ? e : fake_entry(d);
}

/* On 64-bit glibc, struct dirent and struct dirent64 are the same. */
struct dirent *readdir(DIR *d) {
    if (!is_tracked(d)) return REAL(readdir)(d);
    return (struct dirent *)readdir64(d);
}
