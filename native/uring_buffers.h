// A provided-buffer ring (io_uring_register(2), IORING_REGISTER_PBUF_RING): one
// shared pool of receive buffers for every session of a worker, instead of a
// receive buffer per session. The kernel picks a buffer when data arrives (a
// multishot receive with IOSQE_BUFFER_SELECT), names it in the completion
// (IORING_CQE_F_BUFFER, id in flags >> IORING_CQE_BUFFER_SHIFT), and gets it back
// when we add it to the ring again. Owned by one worker thread.
//
//   ring (count entries of struct io_uring_buf {u64 addr, u32 len, u16 bid, u16 resv}):
//     the kernel consumes from its head; we add at `tail`, a u16 that overlaps
//     entry 0's resv field (offset 14), stored with release so the entries we
//     wrote before it are visible to the kernel when it sees the new tail.
//   buffers: count x size bytes, buffer bid at base + bid * size.
#pragma once

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace gameport {

class ProvidedBuffers {
public:
    static constexpr unsigned kCount = 4096;  // a power of two, at most 32768
    static constexpr unsigned kSize = 1024;   // > the largest client packet (303 bytes)
    static constexpr uint16_t kGroup = 0;

    ProvidedBuffers() = default;
    ProvidedBuffers(const ProvidedBuffers&) = delete;
    ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;
    // Call only after the ring it was registered with is gone (Uring::release):
    // the kernel may use the memory until then.
    ~ProvidedBuffers();

    // Maps the memory, registers it with the ring as buffer group kGroup and
    // hands every buffer to the kernel. Returns 0 or -errno with *err.
    int init(int ring_fd, std::string* err);
    bool ready() const { return ring_ != nullptr; }
    // After Uring::release, when the worker is abandoned: unmaps the buffer ring (which keeps the
    // io_uring alive while mapped) but not the buffers. ready() is false afterwards.
    void release_ring();

    const uint8_t* data(unsigned bid) const { return base_ + static_cast<size_t>(bid) * kSize; }
    // Gives buffer bid back; the kernel sees it after the next publish().
    void recycle(unsigned bid);
    // One release store for every buffer recycled since the last call (once per completion batch).
    void publish();

private:
    // The ring as an array of entries. Not through struct io_uring_buf_ring: its
    // __DECLARE_FLEX_ARRAY `bufs` sits at offset 8 when compiled as C++ (the empty
    // struct the macro puts before it has size 1 there), 8 bytes off the kernel's.
    io_uring_buf* ring_ = nullptr;
    uint8_t* base_ = nullptr;
    uint16_t tail_ = 0;
    bool dirty_ = false;
};

}  // namespace gameport
