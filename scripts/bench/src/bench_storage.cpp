// The storage layer on SQLite (a file in POMELO_BENCH_SQLITE_DIR, default a temporary directory)
// and PostgreSQL (POMELO_BENCH_PG_URL; skipped without it), with 1 and 2 threads, each thread on
// its own connection as the server's workers are:
// - booking_tx: the write transaction of a booking and its pay order — the booking row, two slot
//   rows (through the partial unique index), the pay order and its outbox event;
// - single_insert: a plain one-row insert in its own transaction (the baseline; the script
//   prints booking_tx over single_insert of the same database and thread count).
#include "domain/errors.h"
#include "domain/snowflake.h"
#include "storage/apprepository.h"
#include "storage/auditrepository.h"
#include "storage/bookingrepository.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/orderrepository.h"
#include "storage/secretbox.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"

#include <QCoreApplication>
#include <QDate>
#include <QTemporaryDir>

#include <atomic>
#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace {

using namespace pomelo;

struct Backend
{
    std::unique_ptr<Database> db;
    qint64 venueId = 0;
    qint64 userId = 0;
    std::atomic<qint64> bookings {0};
};

SnowflakeGenerator g_ids(1);
std::unique_ptr<Backend> g_sqlite;
std::unique_ptr<Backend> g_postgres;

std::unique_ptr<Backend> prepare(const QString &url)
{
    auto b = std::make_unique<Backend>();
    b->db = std::make_unique<Database>(url);
    Migrator(*b->db).migrate();
    const SecretBox box(QByteArray(SecretBox::KeySize, 'b'));
    b->db->transact([&](Transaction &tx) {
        Venue v;
        v.name = QStringLiteral("bench court");
        v.sport = QStringLiteral("badminton");
        v.openFrom = QStringLiteral("00:00");
        v.openTo = QStringLiteral("23:59");
        v.slotMinutes = 60;
        v.pricePerSlot = 2000;
        b->venueId = VenueRepository(*b->db).insert(tx, v);
        App app;
        app.appId = QStringLiteral("venue-booking");
        app.name = QStringLiteral("bench");
        app.secret = "bench-secret";
        AppRepository(*b->db, box).insert(tx, app);
    });
    b->userId = UserRepository(*b->db).findOrCreate(QStringLiteral("o-bench")).id;
    return b;
}

void bookingTx(benchmark::State &state, Backend *b)
{
    if (!b) {
        state.SkipWithError("backend not configured");
        return;
    }
    BookingRepository bookings(*b->db);
    OrderRepository orders(*b->db);
    const QDate first(2031, 1, 1);
    for (auto _ : state) {
        // Two slots that nobody else takes: 11 pairs a day, a new day after that.
        const qint64 n = b->bookings.fetch_add(1);
        const QString date = first.addDays(n / 11).toString(Qt::ISODate);
        const int hour = int(n % 11) * 2;
        const QString start = QStringLiteral("%1:00").arg(hour, 2, 10, QLatin1Char('0'));
        const QString middle = QStringLiteral("%1:00").arg(hour + 1, 2, 10, QLatin1Char('0'));
        const QString end = QStringLiteral("%1:00").arg(hour + 2, 2, 10, QLatin1Char('0'));
        try {
            b->db->transact([&](Transaction &tx) {
                Booking booking;
                booking.id = g_ids.next();
                booking.userId = b->userId;
                booking.venueId = b->venueId;
                booking.date = date;
                booking.startTime = start;
                booking.endTime = end;
                booking.amount = 4000;
                booking.expiresAt = nowMs() + 900000;
                bookings.insert(tx, booking, {start, middle});
                PayOrder order;
                order.id = g_ids.next();
                order.appId = QStringLiteral("venue-booking");
                order.outTradeNo = QString::number(booking.id);
                order.amount = booking.amount;
                order.subject = QStringLiteral("bench court ") + date + u' ' + start;
                order.openId = QStringLiteral("o-bench");
                order.notifyUrl = QStringLiteral("http://127.0.0.1/api/v1/pay-notify");
                order.expiresAt = booking.expiresAt;
                orders.insert(tx, order);
            });
        } catch (const Error &e) {
            state.SkipWithError(qPrintable(e.detail()));
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

void singleInsert(benchmark::State &state, Backend *b)
{
    if (!b) {
        state.SkipWithError("backend not configured");
        return;
    }
    AuditRepository audit(*b->db);
    AuditEntry entry;
    entry.actor = QStringLiteral("bench");
    entry.action = QStringLiteral("bench.insert");
    for (auto _ : state) {
        try {
            audit.append(entry);
        } catch (const Error &e) {
            state.SkipWithError(qPrintable(e.detail()));
            break;
        }
    }
    state.SetItemsProcessed(state.iterations());
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir tmp;
    const QByteArray sqliteDir = qgetenv("POMELO_BENCH_SQLITE_DIR");
    const QString sqlitePath =
        (sqliteDir.isEmpty() ? tmp.path() : QString::fromLocal8Bit(sqliteDir))
        + QStringLiteral("/bench.sqlite");
    try {
        g_sqlite = prepare(QStringLiteral("sqlite:") + sqlitePath);
        const QByteArray pgUrl = qgetenv("POMELO_BENCH_PG_URL");
        if (!pgUrl.isEmpty())
            g_postgres = prepare(QString::fromUtf8(pgUrl));
        else
            std::fprintf(stderr, "POMELO_BENCH_PG_URL not set: PostgreSQL skipped\n");
    } catch (const Error &e) {
        std::fprintf(stderr, "cannot prepare the databases: %s\n", qPrintable(e.detail()));
        return 2;
    }

    for (const auto &[name, backend] :
         {std::pair {"sqlite", g_sqlite.get()}, std::pair {"postgres", g_postgres.get()}}) {
        if (!backend)
            continue;
        // 16 and 64 threads: a rush's handlers all writing at once (SQLite: one writer at a
        // time; the others queue in-process rather than in SQLite's sleeping busy handler).
        benchmark::RegisterBenchmark((std::string("booking_tx/") + name).c_str(), bookingTx,
                                     backend)
            ->Threads(1)
            ->Threads(2)
            ->Threads(16)
            ->Threads(64)
            ->UseRealTime();
        benchmark::RegisterBenchmark((std::string("single_insert/") + name).c_str(), singleInsert,
                                     backend)
            ->Threads(1)
            ->Threads(2)
            ->UseRealTime();
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    g_postgres.reset();
    g_sqlite.reset();
    return 0;
}
