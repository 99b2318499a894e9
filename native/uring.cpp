#include "uring.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace gameport {

namespace {
int sys_setup(unsigned entries, io_uring_params* p) {
    return static_cast<int>(syscall(__NR_io_uring_setup, entries, p));
}
int sys_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags, void* arg, size_t argsz) {
    return static_cast<int>(syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz));
}
}  // namespace

Uring::~Uring() { release(); }

void Uring::release() {
    if (sqes_) munmap(sqes_, sqes_len_);
    if (cq_ptr_ && cq_ptr_ != sq_ptr_) munmap(cq_ptr_, cq_len_);
    if (sq_ptr_) munmap(sq_ptr_, sq_len_);
    if (fd_ >= 0) close(fd_);
    sqes_ = nullptr;
    cq_ptr_ = sq_ptr_ = nullptr;
    fd_ = -1;
}

int Uring::enable() {
    if (syscall(__NR_io_uring_register, fd_, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0) return -errno;
    return 0;
}

unsigned Uring::ready() const {
    // Acquire as in reap(): the count may only include CQEs whose contents are visible.
    return std::atomic_ref<unsigned>(*cq_tail_).load(std::memory_order_acquire) -
           std::atomic_ref<unsigned>(*cq_head_).load(std::memory_order_relaxed);
}

int Uring::init(unsigned sq_entries, unsigned cq_entries, bool start_disabled, std::string* err) {
    struct Mode {
        unsigned flags;
        const char* name;
    };
    static const Mode modes[] = {
        {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
         "SINGLE_ISSUER|DEFER_TASKRUN"},
        {IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL, "COOP_TASKRUN"},
        {0, "no flags"},
    };
    int rc = -EINVAL;
    io_uring_params p;
    for (const Mode& m : modes) {
        std::memset(&p, 0, sizeof p);
        p.flags = m.flags | IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | (start_disabled ? IORING_SETUP_R_DISABLED : 0u);
        p.cq_entries = cq_entries;
        rc = sys_setup(sq_entries, &p);
        if (rc >= 0) {
            mode_ = m.name;
            break;
        }
        rc = -errno;
        // Only "unknown flag" is worth another try; EPERM/ENOSYS/ENOMEM will not change.
        if (rc != -EINVAL) break;
    }
    if (rc < 0) {
        *err = std::string("io_uring_setup failed: ") + strerror(-rc);
        return rc;
    }
    fd_ = rc;
    setup_flags_ = p.flags;
    features_ = p.features;
    cq_entries_ = p.cq_entries;

    sq_len_ = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    cq_len_ = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
    const bool single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) sq_len_ = cq_len_ = sq_len_ > cq_len_ ? sq_len_ : cq_len_;
    void* sq = mmap(nullptr, sq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING);
    if (sq == MAP_FAILED) {
        *err = std::string("io_uring mmap failed: ") + strerror(errno);
        return -errno;
    }
    sq_ptr_ = sq;
    if (single) {
        cq_ptr_ = sq_ptr_;
    } else {
        void* cq = mmap(nullptr, cq_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_CQ_RING);
        if (cq == MAP_FAILED) {
            *err = std::string("io_uring mmap failed: ") + strerror(errno);
            return -errno;
        }
        cq_ptr_ = cq;
    }
    sqes_len_ = p.sq_entries * sizeof(io_uring_sqe);
    void* sqes = mmap(nullptr, sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) {
        *err = std::string("io_uring mmap failed: ") + strerror(errno);
        return -errno;
    }
    sqes_ = static_cast<io_uring_sqe*>(sqes);

    auto* sqb = static_cast<uint8_t*>(sq_ptr_);
    sq_head_ = reinterpret_cast<unsigned*>(sqb + p.sq_off.head);
    sq_tail_ = reinterpret_cast<unsigned*>(sqb + p.sq_off.tail);
    sq_mask_ = *reinterpret_cast<unsigned*>(sqb + p.sq_off.ring_mask);
    sq_entries_ = *reinterpret_cast<unsigned*>(sqb + p.sq_off.ring_entries);
    // Identity index array, filled once (as liburing does): slot i holds SQE i.
    auto* array = reinterpret_cast<unsigned*>(sqb + p.sq_off.array);
    for (unsigned i = 0; i < sq_entries_; i++) array[i] = i;
    sqe_tail_ = *sq_tail_;

    auto* cqb = static_cast<uint8_t*>(cq_ptr_);
    cq_head_ = reinterpret_cast<unsigned*>(cqb + p.cq_off.head);
    cq_tail_ = reinterpret_cast<unsigned*>(cqb + p.cq_off.tail);
    cq_mask_ = *reinterpret_cast<unsigned*>(cqb + p.cq_off.ring_mask);
    cqes_ = reinterpret_cast<io_uring_cqe*>(cqb + p.cq_off.cqes);
    if (!(features_ & IORING_FEAT_EXT_ARG)) {
        *err = "io_uring lacks IORING_FEAT_EXT_ARG (kernel < 5.11)";
        return -ENOSYS;
    }
    return 0;
}

unsigned Uring::pending_submissions() const {
    // Acquire: the kernel's head store tells which SQEs it has consumed.
    return sqe_tail_ - std::atomic_ref<unsigned>(*sq_head_).load(std::memory_order_acquire);
}

io_uring_sqe* Uring::get_sqe() {
    if (pending_submissions() >= sq_entries_) return nullptr;
    io_uring_sqe* sqe = &sqes_[sqe_tail_ & sq_mask_];
    sqe_tail_++;
    std::memset(sqe, 0, sizeof *sqe);
    return sqe;
}

int Uring::enter(unsigned min_complete, int64_t timeout_ns) {
    // Release: the SQE contents are written before the kernel can see the new tail.
    std::atomic_ref<unsigned>(*sq_tail_).store(sqe_tail_, std::memory_order_release);
    const unsigned to_submit = pending_submissions();
    unsigned flags = IORING_ENTER_GETEVENTS;
    io_uring_getevents_arg arg;
    __kernel_timespec ts;
    void* argp = nullptr;
    size_t argsz = 0;
    if (min_complete > 0 && timeout_ns >= 0) {
        std::memset(&arg, 0, sizeof arg);
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        arg.ts = reinterpret_cast<uint64_t>(&ts);
        flags |= IORING_ENTER_EXT_ARG;
        argp = &arg;
        argsz = sizeof arg;
    }
    const int rc = sys_enter(fd_, to_submit, min_complete, flags, argp, argsz);
    return rc < 0 ? -errno : rc;
}

int Uring::probe(std::string* err) {
    io_uring_params p;
    std::memset(&p, 0, sizeof p);
    const int fd = sys_setup(4, &p);
    if (fd < 0) {
        *err = std::string("io_uring_setup failed: ") + strerror(errno);
        return -errno;
    }
    close(fd);
    if (!(p.features & IORING_FEAT_EXT_ARG)) {
        *err = "io_uring lacks IORING_FEAT_EXT_ARG (kernel < 5.11)";
        return -ENOSYS;
    }
    return 0;
}

}  // namespace gameport
