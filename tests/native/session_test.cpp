// Session slots, generations and send queues (no sockets).
#include <cstdint>
#include <cstring>
#include <vector>

#include "check.h"
#include "session_table.h"

using namespace gameport;

namespace {

void test_slots_and_generations() {
    SessionTable t(5, 2);  // worker 0: slots 0,2,4; worker 1: 1,3
    std::vector<uint32_t> w0, w1;
    for (uint32_t s; (s = t.acquire(0)) != UINT32_MAX;) w0.push_back(s);
    for (uint32_t s; (s = t.acquire(1)) != UINT32_MAX;) w1.push_back(s);
    CHECK((w0 == std::vector<uint32_t>{0, 2, 4}));
    CHECK((w1 == std::vector<uint32_t>{1, 3}));
    CHECK_EQ(t.live(0), 3u);
    for (uint32_t s : w0) t.at(s).state = SessionState::kOpen;
    const int64_t h = t.handle_of(2);
    CHECK_EQ(session_generation(h), 1u);
    CHECK(t.find(h) == &t.at(2));
    t.release(2);
    CHECK(t.find(h) == nullptr);          // freed
    CHECK_EQ(t.acquire(0), 2u);           // reused...
    t.at(2).state = SessionState::kOpen;
    CHECK(t.find(h) == nullptr);          // ...but the old handle stays stale
    CHECK_EQ(session_generation(t.handle_of(2)), 2u);
    CHECK(t.find(t.handle_of(2)) == &t.at(2));
    CHECK(t.find(make_session(99, 1)) == nullptr);  // out of range
    // The generation wraps past 0.
    t.at(4).generation = UINT32_MAX;
    t.release(4);
    CHECK_EQ(t.at(4).generation, 1u);
    // First close reason wins.
    Session& s = t.at(0);
    s.set_reason(1, "bad");
    s.set_reason(0, "eof");
    CHECK_EQ(s.close_code, 1);
    CHECK_EQ(s.close_text, std::string("bad"));
    t.release(0);
    CHECK(!t.at(0).reason_set);
}

void test_send_queue() {
    SendQueue q;
    const uint8_t* p;
    size_t n;
    CHECK(!q.start(&p, &n));
    int64_t oldest = -1;
    q.append(reinterpret_cast<const uint8_t*>("abcdef"), 6, 100);
    CHECK(q.start(&p, &n));
    CHECK_EQ(n, 6u);
    CHECK(std::memcmp(p, "abcdef", 6) == 0);
    const uint8_t* inflight = p;
    // Bytes queued while a send is in flight do not move the in-flight bytes.
    for (int i = 0; i < 1000; i++) q.append(reinterpret_cast<const uint8_t*>("0123456789"), 10, 200 + i);
    CHECK(std::memcmp(inflight, "abcdef", 6) == 0);
    CHECK(!q.start(&p, &n));  // one in flight at most
    CHECK_EQ(q.queued(), 10006u);
    CHECK_EQ(q.completed(4, &oldest), 0u);  // short send: "ef" goes first, no request done yet
    CHECK_EQ(q.queued(), 10002u);
    CHECK(q.start(&p, &n));
    CHECK_EQ(n, 2u);
    CHECK(std::memcmp(p, "ef", 2) == 0);
    CHECK_EQ(q.completed(2, &oldest), 1u);  // "abcdef" fully sent: its request, stamped 100
    CHECK_EQ(oldest, 100);
    CHECK(q.start(&p, &n));   // everything queued meanwhile, merged into one send
    CHECK_EQ(n, 10000u);
    CHECK_EQ(q.completed(10000, &oldest), 1000u);  // 1000 requests, timed from the oldest
    CHECK_EQ(oldest, 200);
    CHECK_EQ(q.queued(), 0u);
    CHECK(!q.start(&p, &n));
    q.append(reinterpret_cast<const uint8_t*>("x"), 1, 5);
    q.reset();
    CHECK_EQ(q.queued(), 0u);
    CHECK(!q.busy());
    // Dropped bytes are never timed; empty requests send nothing and are not timed.
    q.append(nullptr, 0, 1);
    q.append(reinterpret_cast<const uint8_t*>("yz"), 2, 50);
    q.append(reinterpret_cast<const uint8_t*>("w"), 1, 40);  // stamps out of order: the oldest wins
    CHECK(q.start(&p, &n));
    CHECK_EQ(q.completed(3, &oldest), 2u);
    CHECK_EQ(oldest, 40);
    CHECK(!q.start(&p, &n));
}

}  // namespace

int main() {
    test_slots_and_generations();
    test_send_queue();
    std::printf("session_test: 2 passed, 0 failed\n");
    return 0;
}
