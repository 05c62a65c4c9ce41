// How the e-mail target spreads one notice over several SMTP connections: the
// `rate` a target may send at, how many connections a batch opens, and the
// worker threads that send while the calling thread records each outcome.
#pragma once

#include "lib/net/smtp.hpp"

#include <cstddef>
#include <functional>

namespace shopkit::email_batch {

// A connection is opened per this many messages still to send (a few messages
// are not worth a second TLS handshake), up to the target's `connections`.
inline constexpr std::size_t messages_per_connection = 50;

// The connections a batch of `todo` messages opens: at least 1, at most `connections`.
std::size_t workers_for(std::size_t todo, std::size_t connections);

// Sends item 0..count-1 with `send(worker, item)` on `workers` threads (worker
// 0..workers-1; one SMTP connection each), no faster than `per_second` in all
// (0: no limit). Each outcome is handed to `take(item, outcome)` on the calling
// thread as it arrives (the state is written from one thread); a worker starts
// its next item only when take() has returned for its last, so at most one
// message per worker is sent and not yet recorded at any time. A retry or
// failed outcome, or `take` returning false, stops the batch: no further item
// is started, and those in flight are still handed over. Returns when every
// started item is handed over. An exception from `send` or `take` is rethrown
// here after the workers have stopped.
void run(std::size_t count, std::size_t workers, double per_second,
         const std::function<smtp::Outcome(std::size_t worker, std::size_t item)>& send,
         const std::function<bool(std::size_t item, const smtp::Outcome& outcome)>& take);

} // namespace shopkit::email_batch
