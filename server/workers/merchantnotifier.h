#pragma once

#include "storage/apprepository.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "wakeableworker.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QMetaObject>
#include <QTimeZone>
#include <QUrl>

#include <atomic>

namespace pomelo {

class Database;
class SecretBox;
struct MerchantNotification;

struct MerchantNotifierOptions
{
    /// notify.schedule_seconds: the delays before the 2nd, 3rd, … attempt; after the last one
    /// has failed the notification is FAILED (so schedule.size() + 1 attempts in all).
    QList<int> scheduleSeconds;
    int timeoutMs = 5000; ///< notify.timeout_ms
    int batchSize = 16;
    /// Longest sleep when nothing is due (a notification enqueued by another instance).
    int maxIdleMs = 5000;
    QTimeZone zone = QTimeZone::systemTimeZone();
    /// Internal apps may be notified on loopback (development only).
    bool development = false;
};

/// DESIGN.md step 10: delivers the merchant notifications (merchant_notifications rows written by
/// the pay core in the transaction of the status change). On its own thread: claims due rows with
/// a lease (a crash leaves them due again), POSTs the signed JSON of API.md to the order's
/// notifyUrl, records every attempt and schedules the next one; the schedule lives in the
/// database, so it survives restarts. The URL must pass the app's OutboundPolicy (a listed host
/// and port, never an inward address unless the app is internal), or the notification fails at
/// once without any request; the address its host resolves to is checked and then connected to,
/// so a DNS answer that changes in between cannot turn it inward.
class MerchantNotifier
{
public:
    MerchantNotifier(Database &db, const SecretBox &box, MerchantNotifierOptions options);
    ~MerchantNotifier();
    MerchantNotifier(const MerchantNotifier &) = delete;
    MerchantNotifier &operator=(const MerchantNotifier &) = delete;

    void start();
    void stop();
    /// Thread-safe: look for due notifications now (wired to Database::outboxAppended).
    void wake();

    /// Claims and attempts what is due now, on the calling thread (blocking HTTP); returns how
    /// many attempts were made.
    int deliverDue();

    quint64 attemptCount() const { return m_attempts.load(); }
    quint64 deliveredCount() const { return m_delivered.load(); }

private:
    WakeableWorker::Sleep round();
    void attempt(const MerchantNotification &n);
    /// The signed JSON of API.md, from the snapshot of the notification's event when there is
    /// one (the order may have moved on since).
    QJsonObject signedBody(const MerchantNotification &n, const PayOrder &order,
                           const App &app) const;
    /// POSTs @p body to @p url at @p address; true when the merchant acknowledged it. Fills the
    /// HTTP status, excerpt and error of @p a.
    bool post(const QUrl &url, const QHostAddress &address, const QJsonObject &body,
              NotificationAttempt &a) const;
    /// Writes @p a and schedules the next attempt (or FAILED), counts and logs it.
    void record(const MerchantNotification &n, NotificationAttempt &a, bool delivered, bool giveUp);

    Database &m_db;
    const SecretBox &m_box;
    const MerchantNotifierOptions m_options;

    WakeableWorker m_worker;
    QMetaObject::Connection m_connection;
    std::atomic<quint64> m_attempts {0};
    std::atomic<quint64> m_delivered {0};
};

/// True when @p body is a merchant's acknowledgement: `SUCCESS` or `{"code":"SUCCESS"}`.
bool isMerchantAcknowledgement(const QByteArray &body);

} // namespace pomelo
