#include "framing.h"

#include <algorithm>
#include <cstring>

namespace gameport {

namespace {
const char* client_type_name(int type) {
    switch (type) {
        case 0: return "CS_LOGIN";
        case 1: return "CS_MOVE";
        case 2: return "CS_CHAT";
        case 3: return "CS_ATTACK";
        case 4: return "CS_TELEPORT";
        case 5: return "CS_LOGOUT";
        default: return nullptr;
    }
}
}  // namespace

bool check_client_header(int size, int type, std::string* reason) {
    if (size < kHeaderSize) {
        *reason = "packet size " + std::to_string(size) + " < 3";
        return false;
    }
    int expected;
    switch (type) {
        case 0: expected = kHeaderSize + 20; break;
        case 1: expected = kHeaderSize + 1 + 4; break;
        case 2:
            if (size >= kHeaderSize + 1 && size <= kMaxClientPacket) return true;
            *reason = "CS_CHAT size " + std::to_string(size) + " outside 4..303";
            return false;
        case 3:
        case 4:
        case 5: expected = kHeaderSize; break;
        default:
            *reason = "unknown packet type " + std::to_string(type) + " (size " + std::to_string(size) + ")";
            return false;
    }
    if (size == expected) return true;
    *reason = std::string(client_type_name(type)) + " size " + std::to_string(size) +
              " != " + std::to_string(expected);
    return false;
}

bool RecvBuffer::append(const uint8_t* p, size_t n) {
    if (n > write_space()) compact();
    if (n > write_space()) {
        if (end_ + n > kMaxBacklog) return false;
        data_.resize(std::min(kMaxBacklog, std::max(2 * data_.size(), end_ + n)));
    }
    std::memcpy(data_.data() + end_, p, n);
    end_ += n;
    return true;
}

RecvBuffer::Next RecvBuffer::cut(const uint8_t* p, size_t avail, size_t* size, std::string* reason) {
    if (avail < static_cast<size_t>(kHeaderSize)) return Next::kNeedMore;
    const int packet_size = p[0] | (p[1] << 8);  // u16 little-endian
    const int type = p[2];
    if (!check_client_header(packet_size, type, reason)) return Next::kBad;
    if (avail < static_cast<size_t>(packet_size)) return Next::kNeedMore;
    *size = static_cast<size_t>(packet_size);
    return Next::kPacket;
}

void RecvBuffer::consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) begin_ = end_ = 0;
}

void RecvBuffer::compact() {
    if (begin_ == 0) return;
    const size_t n = end_ - begin_;
    std::memmove(data_.data(), data_.data() + begin_, n);
    begin_ = 0;
    end_ = n;
}

}  // namespace gameport
