// Client packet framing: the header rule of PROTOCOL.md, identical to
// gameport.protocol.Protocol.checkClientHeader (same decisions, same reason
// texts), and the per-session reassembly buffer that cuts whole packets out of
// a TCP byte stream. No OS calls here: shared by every engine backend.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gameport {

constexpr int kHeaderSize = 3;
constexpr int kMaxClientPacket = 303;  // CS_CHAT with 300 bytes of text

// Returns true if a client packet of this type may have this size; otherwise
// false with the reason in *reason (same text as the Java rule).
bool check_client_header(int size, int type, std::string* reason);

// Bytes received but not yet cut into packets. The engine receives straight
// into write_ptr()/write_space(), commits, then takes packets from the front.
class RecvBuffer {
public:
    static constexpr size_t kCapacity = 4096;
    static_assert(kCapacity >= 2 * kMaxClientPacket, "a partial packet must leave room to receive");
    // append() grows the buffer up to this: bytes a multishot receive delivered
    // after the events ring filled and before its pause took effect.
    static constexpr size_t kMaxBacklog = 256 * 1024;

    enum class Next { kNeedMore, kPacket, kBad };

    uint8_t* write_ptr() { return data_.data() + end_; }
    size_t write_space() const { return data_.size() - end_; }
    void commit(size_t n) { end_ += n; }

    // Judges what is at the front: a whole packet (its size in *size), not enough
    // bytes yet (the header, once 3 bytes are in, was judged valid), or a bad
    // header (reason in *reason) - judged on the header alone, without the body.
    Next next(size_t* size, std::string* reason) const { return cut(data_.data() + begin_, end_ - begin_, size, reason); }
    // The same judgement on bytes that are not in a RecvBuffer (a provided buffer of
    // a multishot receive, parsed where the kernel put them).
    static Next cut(const uint8_t* p, size_t avail, size_t* size, std::string* reason);
    // Copies n received bytes in after what is buffered, growing up to kMaxBacklog;
    // false (nothing copied) if they would not fit in that.
    bool append(const uint8_t* p, size_t n);
    const uint8_t* front() const { return data_.data() + begin_; }
    void consume(size_t n);
    // Moves a trailing partial packet to the start so the next receive has room.
    void compact();
    // Drops everything not yet taken (after a protocol error).
    void discard_rest() { begin_ = end_ = 0; }
    size_t buffered() const { return end_ - begin_; }

private:
    std::vector<uint8_t> data_ = std::vector<uint8_t>(kCapacity);
    size_t begin_ = 0;
    size_t end_ = 0;
};

}  // namespace gameport
