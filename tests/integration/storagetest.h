#pragma once

// Helpers shared by the storage tests (tests/integration/test_*repository.cpp, …).

#include "pgserver.h"
#include "storage/apprepository.h"
#include "storage/bookingrepository.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/orderrepository.h"
#include "storage/outboxrepository.h"
#include "storage/userrepository.h"
#include "storage/venuerepository.h"

#include <QList>
#include <QTest>

#include <atomic>
#include <exception>
#include <functional>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

namespace pomelo::test {

/// A new database of @p backend with the schema applied.
inline std::unique_ptr<Database> migratedDatabase(StorageBackends &backends, const QString &backend)
{
    const QString url = backends.freshUrl(backend);
    if (url.isEmpty())
        return nullptr;
    auto db = std::make_unique<Database>(url);
    Migrator(*db).migrate();
    return db;
}

/// Runs @p fn(i) for i in [0, n) on n threads released at the same moment; returns, once all
/// ended, what each threw (nullptr when it returned normally).
inline QList<std::exception_ptr> runConcurrently(int n, const std::function<void(int)> &fn)
{
    QList<std::exception_ptr> errors(n);
    std::latch start(n);
    std::vector<std::thread> threads;
    threads.reserve(size_t(n));
    for (int i = 0; i < n; ++i) {
        threads.emplace_back([&, i] {
            start.arrive_and_wait();
            try {
                fn(i);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        });
    }
    for (auto &t : threads)
        t.join();
    return errors;
}

/// The code of a pomelo::Error in @p error; -1 for no error, -2 for anything else.
inline int errorCodeOf(const std::exception_ptr &error)
{
    if (!error)
        return -1;
    try {
        std::rethrow_exception(error);
    } catch (const Error &e) {
        return int(e.code());
    } catch (...) {
        return -2;
    }
}

inline QString errorDetailOf(const std::exception_ptr &error)
{
    if (!error)
        return {};
    try {
        std::rethrow_exception(error);
    } catch (const Error &e) {
        return e.detail();
    } catch (const std::exception &e) {
        return QString::fromLocal8Bit(e.what());
    } catch (...) {
        return QStringLiteral("unknown exception");
    }
}

inline qint64 addVenue(Database &db, const QString &name = QStringLiteral("court"))
{
    Venue v;
    v.name = name;
    v.sport = QStringLiteral("badminton");
    v.openFrom = QStringLiteral("08:00");
    v.openTo = QStringLiteral("22:00");
    v.slotMinutes = 60;
    v.pricePerSlot = 2000;
    return db.transact([&](Transaction &tx) { return VenueRepository(db).insert(tx, v); });
}

inline qint64 addUser(Database &db, const QString &openId = QStringLiteral("o-alice"))
{
    return UserRepository(db).findOrCreate(openId).id;
}

inline Booking sampleBooking(qint64 id, qint64 userId, qint64 venueId, const QString &date,
                             const QString &start, const QString &end, qint64 createdAt = 0)
{
    Booking b;
    b.id = id;
    b.userId = userId;
    b.venueId = venueId;
    b.date = date;
    b.startTime = start;
    b.endTime = end;
    b.amount = 2000;
    b.expiresAt = 4102444800000; // 2100-01-01
    b.createdAt = createdAt;
    return b;
}

inline const SecretBox &testSecretBox()
{
    static const SecretBox box(QByteArray(SecretBox::KeySize, 'k'));
    return box;
}

/// An app notified on 127.0.0.1, internal by default (test merchants listen on loopback, which
/// only internal apps may be notified on, in development).
inline void addApp(Database &db, const QString &appId, bool internal = true)
{
    App app;
    app.appId = appId;
    app.name = appId;
    app.secret = QByteArrayLiteral("secret-of-") + appId.toUtf8();
    app.notifyHosts = {QStringLiteral("127.0.0.1")};
    app.internal = internal;
    db.transact([&](Transaction &tx) { AppRepository(db, testSecretBox()).insert(tx, app); });
}

inline PayOrder sampleOrder(qint64 id, const QString &appId, const QString &outTradeNo,
                            qint64 createdAt = 0)
{
    PayOrder o;
    o.id = id;
    o.appId = appId;
    o.outTradeNo = outTradeNo;
    o.amount = 2000;
    o.subject = QStringLiteral("羽毛球场 1 号 10:00-11:00");
    o.openId = QStringLiteral("o-alice");
    o.notifyUrl = QStringLiteral("http://127.0.0.1/pay-notify");
    o.expiresAt = 4102444800000;
    o.createdAt = createdAt;
    return o;
}

/// Inserts an INIT order (and its event) in its own transaction.
inline void addOrder(Database &db, const PayOrder &order)
{
    db.transact([&](Transaction &tx) {
        if (!OrderRepository(db).insert(tx, order))
            throw Error(ErrorCode::Internal, QStringLiteral("order exists"));
    });
}

} // namespace pomelo::test
