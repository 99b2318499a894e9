// Reassembly and the header rule (same decisions and texts as
// Protocol.checkClientHeader): every split point, byte-by-byte delivery, bad
// sizes and types judged from the 3-byte header alone.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "framing.h"

using namespace gameport;

namespace {

std::vector<uint8_t> packet(int type, int size, uint8_t fill) {
    std::vector<uint8_t> p(static_cast<size_t>(size), fill);
    p[0] = static_cast<uint8_t>(size & 0xff);
    p[1] = static_cast<uint8_t>(size >> 8);
    p[2] = static_cast<uint8_t>(type);
    return p;
}

void test_header_rule() {
    std::string why;
    CHECK(check_client_header(23, 0, &why));
    CHECK(check_client_header(8, 1, &why));
    CHECK(check_client_header(4, 2, &why));
    CHECK(check_client_header(303, 2, &why));
    CHECK(check_client_header(3, 3, &why));
    CHECK(check_client_header(3, 4, &why));
    CHECK(check_client_header(3, 5, &why));
    CHECK(!check_client_header(2, 0, &why));
    CHECK_EQ(why, std::string("packet size 2 < 3"));
    CHECK(!check_client_header(0, 9, &why));
    CHECK_EQ(why, std::string("packet size 0 < 3"));
    CHECK(!check_client_header(304, 2, &why));
    CHECK_EQ(why, std::string("CS_CHAT size 304 outside 4..303"));
    CHECK(!check_client_header(3, 2, &why));
    CHECK_EQ(why, std::string("CS_CHAT size 3 outside 4..303"));
    CHECK(!check_client_header(3, 6, &why));
    CHECK_EQ(why, std::string("unknown packet type 6 (size 3)"));
    CHECK(!check_client_header(9, 1, &why));
    CHECK_EQ(why, std::string("CS_MOVE size 9 != 8"));
    CHECK(!check_client_header(24, 0, &why));
    CHECK_EQ(why, std::string("CS_LOGIN size 24 != 23"));
    CHECK(!check_client_header(4, 5, &why));
    CHECK_EQ(why, std::string("CS_LOGOUT size 4 != 3"));
    CHECK(!check_client_header(65535, 255, &why));
    CHECK_EQ(why, std::string("unknown packet type 255 (size 65535)"));
}

// Feeds `chunks` as the engine would (compact, receive into the free tail,
// cut packets) and returns the packets cut, or stops at the first bad header.
struct Outcome {
    std::vector<std::vector<uint8_t>> packets;
    std::string bad;
};

Outcome feed(const std::vector<std::vector<uint8_t>>& chunks) {
    RecvBuffer rb;
    Outcome out;
    for (const auto& chunk : chunks) {
        size_t off = 0;
        while (off < chunk.size()) {
            rb.compact();
            const size_t n = std::min(rb.write_space(), chunk.size() - off);
            CHECK(n > 0);
            std::memcpy(rb.write_ptr(), chunk.data() + off, n);
            rb.commit(n);
            off += n;
            for (;;) {
                size_t size = 0;
                std::string why;
                const RecvBuffer::Next next = rb.next(&size, &why);
                if (next == RecvBuffer::Next::kNeedMore) break;
                if (next == RecvBuffer::Next::kBad) {
                    out.bad = why;
                    return out;
                }
                out.packets.emplace_back(rb.front(), rb.front() + size);
                rb.consume(size);
            }
        }
    }
    return out;
}

void test_every_split_point() {
    std::vector<std::vector<uint8_t>> expected = {
        packet(0, 23, 'a'), packet(1, 8, 'b'), packet(2, 303, 'c'), packet(3, 3, 0),
        packet(2, 4, 'd'),  packet(4, 3, 0),   packet(5, 3, 0),     packet(2, 150, 'e'),
    };
    std::vector<uint8_t> stream;
    for (const auto& p : expected) stream.insert(stream.end(), p.begin(), p.end());
    for (size_t i = 0; i <= stream.size(); i++) {
        Outcome o = feed({std::vector<uint8_t>(stream.begin(), stream.begin() + static_cast<long>(i)),
                          std::vector<uint8_t>(stream.begin() + static_cast<long>(i), stream.end())});
        CHECK(o.bad.empty());
        CHECK(o.packets == expected);
    }
    // Every pair of split points on a shorter stream (three pieces).
    std::vector<uint8_t> shortstream(stream.begin(), stream.begin() + 23 + 8 + 3);
    for (size_t i = 0; i <= shortstream.size(); i++) {
        for (size_t j = i; j <= shortstream.size(); j++) {
            Outcome o = feed({std::vector<uint8_t>(shortstream.begin(), shortstream.begin() + static_cast<long>(i)),
                              std::vector<uint8_t>(shortstream.begin() + static_cast<long>(i),
                                                   shortstream.begin() + static_cast<long>(j)),
                              std::vector<uint8_t>(shortstream.begin() + static_cast<long>(j), shortstream.end())});
            CHECK(o.bad.empty());
            CHECK_EQ(o.packets.size(), 2u);
        }
    }
    // One byte at a time.
    std::vector<std::vector<uint8_t>> bytes;
    for (uint8_t b : stream) bytes.push_back({b});
    CHECK(feed(bytes).packets == expected);
    // Many copies in one go: more than one buffer's worth, so compaction runs.
    std::vector<uint8_t> many;
    std::vector<std::vector<uint8_t>> many_expected;
    for (int k = 0; k < 40; k++) {
        many.insert(many.end(), stream.begin(), stream.end());
        many_expected.insert(many_expected.end(), expected.begin(), expected.end());
    }
    CHECK(feed({many}).packets == many_expected);
}

void test_bad_headers() {
    // Judged on the header alone: no body needed.
    Outcome o = feed({{0x30, 0x01, 2}});  // CS_CHAT of 304 bytes
    CHECK(o.packets.empty());
    CHECK_EQ(o.bad, std::string("CS_CHAT size 304 outside 4..303"));
    o = feed({{0x02, 0x00, 1}});
    CHECK_EQ(o.bad, std::string("packet size 2 < 3"));
    o = feed({{0x03, 0x00, 9}});
    CHECK_EQ(o.bad, std::string("unknown packet type 9 (size 3)"));
    // Two bytes say nothing yet; the third decides.
    RecvBuffer rb;
    std::memcpy(rb.write_ptr(), "\x17\x00", 2);
    rb.commit(2);
    size_t size;
    std::string why;
    CHECK(rb.next(&size, &why) == RecvBuffer::Next::kNeedMore);
    std::memcpy(rb.write_ptr(), "\x00", 1);
    rb.commit(1);
    CHECK(rb.next(&size, &why) == RecvBuffer::Next::kNeedMore);  // valid CS_LOGIN header, body pending
    // Good packets before a bad one come out first.
    std::vector<uint8_t> s = packet(3, 3, 0);
    std::vector<uint8_t> bad = packet(1, 9, 0);
    s.insert(s.end(), bad.begin(), bad.end());
    o = feed({s});
    CHECK_EQ(o.packets.size(), 1u);
    CHECK_EQ(o.bad, std::string("CS_MOVE size 9 != 8"));
}

// Multishot receives: packets are cut where the kernel put them (cut), and what
// cannot be published yet piles up in the buffer (append), which grows up to
// kMaxBacklog and refuses beyond it without taking anything.
void test_cut_in_place_and_backlog() {
    std::vector<uint8_t> bytes = packet(1, 8, 'm');
    const std::vector<uint8_t> chat = packet(2, 303, 'c');
    bytes.insert(bytes.end(), chat.begin(), chat.begin() + 10);  // a partial packet after a whole one
    std::string why;
    size_t size = 0;
    CHECK(RecvBuffer::cut(bytes.data(), bytes.size(), &size, &why) == RecvBuffer::Next::kPacket);
    CHECK_EQ(size, size_t{8});
    CHECK(RecvBuffer::cut(bytes.data() + 8, bytes.size() - 8, &size, &why) == RecvBuffer::Next::kNeedMore);

    RecvBuffer rb;
    CHECK(rb.append(bytes.data() + 8, 10));
    CHECK(rb.append(chat.data() + 10, chat.size() - 10));
    CHECK(rb.next(&size, &why) == RecvBuffer::Next::kPacket);
    CHECK_EQ(size, chat.size());
    CHECK(std::memcmp(rb.front(), chat.data(), chat.size()) == 0);
    rb.consume(size);

    const std::vector<uint8_t> block(1000, 0);
    size_t held = 0;
    while (rb.append(block.data(), block.size())) held += block.size();
    CHECK(held > RecvBuffer::kCapacity);  // it grew past its first size
    CHECK(held <= RecvBuffer::kMaxBacklog && held + block.size() > RecvBuffer::kMaxBacklog);
    CHECK_EQ(rb.buffered(), held);  // the refused append took nothing
}

}  // namespace

int main() {
    test_header_rule();
    test_every_split_point();
    test_bad_headers();
    test_cut_in_place_and_backlog();
    std::printf("framing_test: 4 passed, 0 failed\n");
    return 0;
}
