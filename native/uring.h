// A minimal io_uring over raw syscalls (<linux/io_uring.h> only, no liburing:
// a fresh machine must build without installs). One instance per worker
// thread; it is created on that thread because SINGLE_ISSUER|DEFER_TASKRUN bind
// the ring to its creating task.
#pragma once

#include <linux/io_uring.h>

#include <atomic>
#include <cstdint>
#include <string>

namespace gameport {

class Uring {
public:
    Uring() = default;
    Uring(const Uring&) = delete;
    Uring& operator=(const Uring&) = delete;
    ~Uring();

    // Tries SINGLE_ISSUER|DEFER_TASKRUN, then COOP_TASKRUN, then no flags (the
    // measured order of preference). Returns 0, or -errno with *err set.
    // start_disabled (IORING_SETUP_R_DISABLED): nothing can be submitted until
    // enable(), and SINGLE_ISSUER binds the ring to the thread that calls enable()
    // instead of the creating one (io_uring_register(2), IORING_REGISTER_ENABLE_RINGS).
    int init(unsigned sq_entries, unsigned cq_entries, bool start_disabled, std::string* err);
    int enable();
    // Unmaps and closes the ring now (the destructor's work): the kernel cancels
    // whatever is still in flight.
    void release();
    // Completions posted and not reaped yet.
    unsigned ready() const;
    unsigned cq_entries() const { return cq_entries_; }
    unsigned features() const { return features_; }
    int fd() const { return fd_; }
    const char* mode() const { return mode_; }
    bool defer_taskrun() const { return (setup_flags_ & IORING_SETUP_DEFER_TASKRUN) != 0; }

    // A zeroed SQE, or nullptr when the SQ is full (call enter(0, ...) and retry).
    io_uring_sqe* get_sqe();

    // Submits everything queued and, if min_complete > 0, waits for that many
    // completions or until timeout_ns (< 0: no timeout). Always passes
    // GETEVENTS: under DEFER_TASKRUN completions are only posted then.
    // Returns >= 0 or -errno (-ETIME: timed out; -EINTR, -EBUSY: retry after
    // reaping; the caller treats them as ordinary).
    int enter(unsigned min_complete, int64_t timeout_ns);

    unsigned pending_submissions() const;

    // Calls f(const io_uring_cqe&) for every posted completion (at most max) and releases them.
    // Each CQE is copied and released before f runs: f may submit, a full SQ
    // may then reap again (UringWorker::flush_submissions), and that inner reap
    // must start after the entries this one already took, or they would be
    // handled twice and the head could move backwards.
    template <typename F>
    unsigned reap(F&& f, unsigned max = ~0u) {
        std::atomic_ref<unsigned> head_ref(*cq_head_);
        unsigned n = 0;
        while (n < max) {
            // We are the only writer of head; tail is written by the kernel, and the
            // acquire load makes the CQEs it published before that store visible
            // (Documentation: io_uring(7), "the application must use a read barrier").
            const unsigned head = head_ref.load(std::memory_order_relaxed);
            if (head == std::atomic_ref<unsigned>(*cq_tail_).load(std::memory_order_acquire)) return n;
            const io_uring_cqe cqe = cqes_[head & cq_mask_];
            // Release: we are done reading this CQE before the kernel may reuse it.
            head_ref.store(head + 1, std::memory_order_release);
            ++n;
            f(cqe);
        }
        return n;
    }

    // Probe only: can this process create a ring at all?
    static int probe(std::string* err);

private:
    int fd_ = -1;
    unsigned setup_flags_ = 0;
    unsigned features_ = 0;
    const char* mode_ = "none";

    void* sq_ptr_ = nullptr;
    size_t sq_len_ = 0;
    void* cq_ptr_ = nullptr;
    size_t cq_len_ = 0;
    io_uring_sqe* sqes_ = nullptr;
    size_t sqes_len_ = 0;

    unsigned* sq_head_ = nullptr;
    unsigned* sq_tail_ = nullptr;
    unsigned sq_mask_ = 0;
    unsigned sq_entries_ = 0;
    unsigned sqe_tail_ = 0;  // our private tail; published to *sq_tail_ on enter

    unsigned cq_entries_ = 0;
    unsigned* cq_head_ = nullptr;
    unsigned* cq_tail_ = nullptr;
    unsigned cq_mask_ = 0;
    io_uring_cqe* cqes_ = nullptr;
};

}  // namespace gameport
