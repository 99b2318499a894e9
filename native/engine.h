/* The engine's C API: what jni_bridge.cpp and the native tests call. Both OS
 * backends (io_uring on Linux, IOCP on Windows) implement exactly this, through
 * the shared engine_api.cpp / engine_core.h; nothing in it names an OS object, and no C++
 * exception ever leaves it. The two rings' memory belongs to the caller (Java
 * direct buffers, laid out as RingDescriptor.java says) and must stay valid and
 * unmoved until gp_engine_destroy returns. */
#ifndef GAMEPORT_ENGINE_H
#define GAMEPORT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gp_engine gp_engine;

typedef struct gp_engine_config {
    int32_t workers;           /* I/O worker threads, 0..64; 0 = none: the caller's thread does the
                                  I/O inside gp_engine_poll (no I/O ever wakes a thread) */
    int32_t max_pending_bytes; /* per session; beyond it the session closes SLOW_CONSUMER */
    int32_t max_sessions;      /* slots in the session table, 1..2^24 */
    int32_t batch_us;          /* batch window, 0..100000: under load an I/O wait returns no earlier
                                  than this after the previous one returned (0 = no window) */
} gp_engine_config;

/* Returns NULL with a message in err on failure. Capacities exclude the
 * 512-byte trailer: each memory block is capacity + 512 bytes, zeroed. */
gp_engine* gp_engine_create(const gp_engine_config* config, void* events_memory, int32_t events_capacity,
                            void* requests_memory, int32_t requests_capacity, char* err, size_t err_len);

/* Binds host:port (port 0 picks one), starts the workers. Returns the bound
 * port, or -1 with a message in err. Call at most once. */
int32_t gp_engine_start(gp_engine* engine, const char* host, int32_t port, char* err, size_t err_len);

/* workers == 0 only; the driving thread (the game thread), once per round: takes the requests
 * ring's records, submits the sends, waits for I/O for up to timeout_nanos (0: takes only
 * what is ready; a wait after a round that had I/O lasts at least the batch window, unless a
 * CQ-full of completions comes first) and turns what completed into events-ring records.
 * The first call makes the calling thread the engine's driver: every later call, and
 * gp_engine_stop, must come from that thread (io_uring's SINGLE_ISSUER; a stop from another
 * thread resets the connections instead of closing them gracefully).
 * Returns 0, or -1 with a message in err (the engine cannot go on). */
int32_t gp_engine_poll(gp_engine* engine, int64_t timeout_nanos, char* err, size_t err_len);

/* workers >= 1, game thread: call only after requests.consumerNeedsWake() returned true. */
void gp_engine_wake_requests(gp_engine* engine);

/* workers >= 1, game thread: blocks until a worker wakes it (after events.prepareToSleep()
 * returned true) or the timeout passes. */
void gp_engine_await_events(gp_engine* engine, int64_t timeout_nanos);

/* Any thread, any time between create and destroy: ends the game thread's current wait, or its
 * next one if it is not waiting now (gp_engine_poll with workers == 0, gp_engine_await_events
 * with workers >= 1). Meant for a thread of the caller's own that wrote a record into the events
 * ring (EVENT_POSTED: Engine.post), which, unlike an I/O worker, has no way of its own to end
 * that wait. A wake that finds nobody waiting costs the next wait its sleep and nothing else;
 * several of them fold into one (an eventfd, an auto-reset event), except inline on IOCP, where
 * each is a queued completion packet that can end one wait. A system call each time: call it
 * when the game thread announced a wait (events.consumer_needs_wake() with workers; NativeEngine
 * keeps a flag of its own for inline I/O), not once per record. Never blocks, never fails. */
void gp_engine_wake_game(gp_engine* engine);

/* Stops accepting (a connection that still comes in is refused: SC_LOGIN_FAIL, then closed),
 * takes the requests already in the ring, then gives every session a graceful close (reason
 * SERVER_SHUTDOWN unless the game closed it already): queued bytes delivered, FIN, input dropped
 * until the peer's EOF. CLOSED events are published while the event ring has room. All of it
 * within 3 s (kShutdownLingerMs); what is left then is torn down, and operations the OS has not
 * ended 1 s later are abandoned. Joins the workers. Idempotent.
 * workers == 0: call it on the driving thread (see gp_engine_poll). */
void gp_engine_stop(gp_engine* engine);

/* Stops if needed and frees everything. */
void gp_engine_destroy(gp_engine* engine);

/* 0 if this machine can run the engine, else -1 with the reason in err. */
int32_t gp_engine_probe(char* err, size_t err_len);

/* Request -> send-completed latency, microseconds, in the log-linear buckets of
 * native/latency.h (= java/gameport/engine/LatencyBuckets.java; change them
 * together). Sample: a SEND request's bytes were merged into a send that the
 * socket has now taken in full; every request in that send counts once, with
 * the age of the oldest request in it (exact for the oldest, an upper bound
 * for the rest). Bytes dropped by a close are never counted. */
#define GP_SEND_LATENCY_BUCKETS 896

/* Any thread, any time between create and destroy: writes the cumulative
 * counts per bucket since create, summed over the workers, into
 * out[0, min(n, GP_SEND_LATENCY_BUCKETS)) and returns GP_SEND_LATENCY_BUCKETS
 * (the caller's check that both sides use one scheme). Lock-free; a count
 * recorded concurrently may or may not be included yet, but a later call never
 * returns less than an earlier one (per bucket). */
int32_t gp_engine_send_latency_counts(gp_engine* engine, int64_t* out, int32_t n);

/* Any thread, any time between create and destroy: 1 if the engine failed (an I/O worker hit an
 * unrecoverable error, e.g. out of memory or a hard io_uring_enter error, and dropped its
 * connections), with the reason in err; else 0. A failed engine still needs gp_engine_stop and
 * gp_engine_destroy; gp_engine_poll returns -1 with the reason. */
int32_t gp_engine_failed(gp_engine* engine, char* err, size_t err_len);

/* Optional, before gp_engine_start: when the engine fails, it stores 1 into *flag (4-byte
 * aligned) with a release store, after the reason is recorded, so the caller can check for a
 * failure with one acquire load per round instead of a call. The memory must stay valid until
 * gp_engine_destroy returns. */
void gp_engine_set_failure_flag(gp_engine* engine, int32_t* flag);

/* Tests only: worker `worker` (0 with workers == 0) fails at its next round; kind 1 throws
 * std::bad_alloc in its state machine, kind 2 makes its next OS wait fail as with a hard error.
 * The worker is woken for it. Returns 0, or -1 if there is no such worker or kind. */
int32_t gp_engine_inject_failure(gp_engine* engine, int32_t worker, int32_t kind);

/* "io_uring (SINGLE_ISSUER|DEFER_TASKRUN), 1 worker(s)" or
 * "IOCP (GetQueuedCompletionStatusEx, AcceptEx), 1 worker(s)"; valid after start. */
const char* gp_engine_describe(gp_engine* engine);

#ifdef __cplusplus
}
#endif

#endif
