// One shopreport report: what happened in a period, how fast the shop reacted,
// what it cost. build_report (build.hpp) fills it from the state; the formats
// (text, markdown, csv, json, html) and the post-mortem only read it. Every
// figure a format prints is here, so the formats never compute and never
// disagree.
//
// Times are instants (the formats write them in `timezone`); durations are
// whole seconds; money is in `currency`, unrounded.
#pragma once

#include "lib/config/sales.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/incident.hpp"
#include "lib/model/outbox_row.hpp"
#include "lib/model/step_run.hpp"
#include "lib/report/availability.hpp"
#include "lib/report/loss.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit::report {

// The parts of a report, in the order every format writes them.
enum class Section { summary, incidents, availability, loss };
// "summary", "incidents", "availability", "loss".
std::string_view to_string(Section s);
// The inverse of to_string; nullopt for anything else.
std::optional<Section> section_from_string(std::string_view s);

// One notice of an incident, as the outbox holds it.
struct NoticeEntry {
    std::string target;
    Audience audience = Audience::staff;
    Event event = Event::opened;
    std::string name; // the outbox row's name: "opened", "update-2", …
    OutboxState state = OutboxState::pending;
    std::optional<TimePoint> sent; // when it went out (state sent)
    TimePoint created;
    std::string text;  // the rendered notice
    std::string error; // the last attempt's error, for one that failed
};

// One runbook step of an incident, as runbook_runs holds it.
struct StepEntry {
    std::string step;
    Event event = Event::opened;
    StepState state = StepState::pending;
    int attempts = 0;
    std::optional<TimePoint> finished;
    std::optional<int> exit_status;
    std::string error;
};

// What an incident's timeline marks.
enum class Mark {
    first_failure,  // the first failing probe
    opened,         // shopcheck opened the incident
    staff_told,     // the first staff notice went out
    customers_told, // the first customer notice went out
    step,           // a runbook step finished (ok or failed)
    recovered,      // the first passing probe of the streak that resolved it
    confirmed,      // the incident was resolved
    recovery_told,  // the first customer notice of the recovery went out
};
// "first_failure", "opened", … as above.
std::string_view to_string(Mark m);

struct TimelineEntry {
    TimePoint time;
    Mark mark = Mark::opened;
    std::string what; // for a step, its id and how it ended; for a notice, its target
};

struct IncidentReport {
    Incident incident;
    bool ongoing = false; // still open when the report was made

    // The timeline's key instants. first_failure is incident.since.
    TimePoint first_failure;
    std::optional<TimePoint> opened;
    std::optional<TimePoint> staff_told;
    std::optional<TimePoint> customers_told;
    // Downtime ends here: the first passing probe of the streak that resolved it
    // (the resolution time when the history no longer holds the probes).
    std::optional<TimePoint> recovered;
    std::optional<TimePoint> confirmed; // incident.until
    std::optional<TimePoint> recovery_told;

    // first_failure → recovered, or → the report's end while ongoing.
    std::chrono::seconds downtime{0};
    // The part of downtime inside the report's period (what totals add up).
    std::chrono::seconds downtime_in_period{0};

    // Reaction times, each measured from the first failing probe; nullopt when the
    // second instant never came.
    std::optional<std::chrono::seconds> to_detect;         // → opened
    std::optional<std::chrono::seconds> to_tell_staff;     // → staff_told
    std::optional<std::chrono::seconds> to_tell_customers; // → customers_told
    std::optional<std::chrono::seconds> to_recover;        // → confirmed

    std::vector<TimelineEntry> timeline; // by time
    std::vector<NoticeEntry> notices;    // creation order
    std::vector<StepEntry> steps;        // creation order
    LossEstimate loss;                   // of the whole downtime
    double lost_in_period = 0;           // loss.lost of the part inside the period
};

// The median and the worst of one reaction time over the period's incidents.
struct ReactionStat {
    int count = 0; // incidents where it happened
    std::optional<std::chrono::seconds> median;
    std::optional<std::chrono::seconds> worst;
};

// One channel's or one check's time in the period.
struct AvailabilityRow {
    std::string channel;
    std::string check; // empty for a channel's own row
    Buckets buckets;
    int incidents = 0;                     // incidents of the channel (or naming the check)
    std::chrono::seconds downtime{0};      // their downtime inside the period
    std::optional<TimePoint> counted_from; // the first probe, when after the period's start
};

// One month of one channel, for the per-month table.
struct MonthRow {
    std::string channel;
    int year = 1970;
    int month = 1;
    Buckets buckets;
    int incidents = 0; // incidents that started in the month
    std::chrono::seconds downtime{0};
};

// Where the expected revenue came from, for the report to show beside the loss.
struct LossBasis {
    std::string source; // "hourly", "orders_csv" or "none"
    std::string orders_path;
    std::size_t orders = 0; // rows of the orders CSV
    int orders_days = 0;
    double weekly_revenue = 0; // the baseline's week: what a normal week sells
    BlockedShare blocked;
    double recaptured = 0;
};

struct Summary {
    int incidents = 0;
    int ongoing = 0;
    std::chrono::seconds downtime{0};   // every channel's downtime inside the period
    std::optional<double> availability; // every channel's time together
    double lost = 0;
    ReactionStat detect;
    ReactionStat tell_staff;
    ReactionStat tell_customers;
    ReactionStat recover;
};

struct Report {
    std::string shop;
    std::string timezone; // the shop's zone, for every time written
    std::string language; // "ja" or another (English)
    std::string currency;
    Span period;                            // [from, to)
    TimePoint generated;                    // when the report was made
    std::vector<std::string> channels;      // the channels reported, in config order
    std::vector<std::string> channel_names; // their display names, same order

    Summary summary;
    std::vector<IncidentReport> incidents;      // by first failure, oldest first
    std::vector<AvailabilityRow> channel_rows;  // config order
    std::vector<AvailabilityRow> check_rows;    // config order
    std::vector<MonthRow> months;               // by channel, then month
    std::vector<SalesEvent> sales;              // sale events touching the period, by start
    std::vector<MaintenanceConfig> maintenance; // windows touching the period, by start
    LossBasis basis;
};

} // namespace shopkit::report
