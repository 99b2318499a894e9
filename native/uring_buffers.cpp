#include "uring_buffers.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace gameport {

namespace {
constexpr size_t kRingBytes = ProvidedBuffers::kCount * sizeof(io_uring_buf);
constexpr size_t kPoolBytes = static_cast<size_t>(ProvidedBuffers::kCount) * ProvidedBuffers::kSize;
// Newer than Debian 12's <linux/io_uring.h> (kernel 6.4+; the ring probe asks for 6.3's REG_REG_RING
// feature, and registration fails cleanly, falling back to a receive per session, where it is missing).
constexpr uint16_t kPbufRingMmap = 1;                   // IOU_PBUF_RING_MMAP
constexpr uint64_t kOffPbufRing = 0x80000000ULL;        // IORING_OFF_PBUF_RING
constexpr unsigned kOffPbufShift = 16;                  // IORING_OFF_PBUF_SHIFT
static_assert(sizeof(io_uring_buf) == 16 && offsetof(io_uring_buf, resv) == 14, "the kernel's entry layout");
static_assert((ProvidedBuffers::kCount & (ProvidedBuffers::kCount - 1)) == 0, "a power of two");
}  // namespace

ProvidedBuffers::~ProvidedBuffers() {
    if (ring_) munmap(ring_, kRingBytes);
    if (base_) munmap(base_, kPoolBytes);
}

void ProvidedBuffers::release_ring() {
    if (ring_) munmap(ring_, kRingBytes);
    ring_ = nullptr;
}

int ProvidedBuffers::init(int ring_fd, std::string* err) {
    void* pool = mmap(nullptr, kPoolBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pool == MAP_FAILED) {
        *err = std::string("mmap for provided buffers: ") + strerror(errno);
        return -errno;
    }
    // The kernel allocates the ring itself (IOU_PBUF_RING_MMAP) and we map it, as it
    // does the SQ and CQ rings: one memory both sides see, nothing pinned by hand.
    io_uring_buf_reg reg;
    std::memset(&reg, 0, sizeof reg);
    reg.ring_entries = kCount;
    reg.bgid = kGroup;
    reg.pad = kPbufRingMmap;  // `flags` in newer headers than Debian 12's
    if (syscall(__NR_io_uring_register, ring_fd, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) {
        const int e = errno;
        munmap(pool, kPoolBytes);
        *err = std::string("IORING_REGISTER_PBUF_RING: ") + strerror(e);
        return -e;
    }
    const off_t offset = static_cast<off_t>(kOffPbufRing | (static_cast<uint64_t>(kGroup) << kOffPbufShift));
    void* ring = mmap(nullptr, kRingBytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring_fd, offset);
    if (ring == MAP_FAILED) {
        const int e = errno;
        munmap(pool, kPoolBytes);
        *err = std::string("mmap of the provided-buffer ring: ") + strerror(e);
        return -e;
    }
    ring_ = static_cast<io_uring_buf*>(ring);
    base_ = static_cast<uint8_t*>(pool);
    for (unsigned bid = 0; bid < kCount; bid++) recycle(bid);
    publish();
    return 0;
}

void ProvidedBuffers::recycle(unsigned bid) {
    io_uring_buf& b = ring_[tail_ & (kCount - 1)];
    b.addr = reinterpret_cast<uint64_t>(data(bid));
    b.len = kSize;
    b.bid = static_cast<uint16_t>(bid);
    tail_++;
    dirty_ = true;
}

void ProvidedBuffers::publish() {
    if (!dirty_) return;
    dirty_ = false;
    // Release: the entries written by recycle() are visible before the kernel reads this tail.
    std::atomic_ref<uint16_t>(ring_[0].resv).store(tail_, std::memory_order_release);
}

}  // namespace gameport
