#pragma once

#include "net/httpclient.h"
#include "sandbox/sandboxcommon.h"
#include "sandbox/sandboxstore.h"

#include <QJsonObject>
#include <QList>
#include <QString>

#include <functional>
#include <memory>
#include <optional>

namespace pomelo {

/// One notification a sandbox sends to a merchant until it is acknowledged.
struct SandboxNotice
{
    QString id;
    QString url;
    QJsonObject content; ///< the sandbox's own: what an attempt is built from, what it shows
    sandbox::NoticeState state = sandbox::NoticeState::Pending;
    int attempts = 0;
    qint64 createdMs = 0;
    qint64 dueMs = 0;
    QString lastError;

    QJsonObject toJson() const;
    /// nullopt without an id.
    static std::optional<SandboxNotice> fromJson(const QJsonObject &json);
};

/// What differs between the sandboxes' notifications; the scheduling is SandboxNotifier's.
struct SandboxNotifierOptions
{
    QString name; ///< "ecard sandbox": how its log lines start
    /// Delay before each attempt: the first after enqueue(), the others after the previous failed
    /// attempt; when the list is used up the notification is given up (FAILED). Milliseconds.
    /// Empty: one attempt at once.
    QList<qint64> scheduleMs;
    int threads = 4; ///< sender threads: deliveries in parallel
    /// The request of attempt @p attempt (1 for the first), built and signed for this attempt.
    std::function<HttpClientRequest(const SandboxNotice &notice, int attempt)> request;
    /// Why an HTTP answer is not an acknowledgement; empty when it is one.
    std::function<QString(const HttpClientResponse &answer)> refusal;
    /// Sends a request; HttpClient::send when not set (tests put a fake here).
    std::function<HttpClientResponse(const HttpClientRequest &request)> send;
};

/// Schedules, sends and retries a sandbox's notifications from its own threads, and keeps each
/// one's state as a record of kind `notice` in the sandbox's SandboxStore (one row per change).
///
/// Never calls back into its sandbox while holding its own lock, so a sandbox may enqueue() under
/// its lock. Senders are std::threads, not a QThreadPool: join() returns only when a thread is
/// completely gone, its thread-local state (HttpClient's network manager, OpenSSL's DRBG)
/// included, while QThread::wait() returns before that — which races with whatever comes next.
class SandboxNotifier
{
public:
    static QString recordKind() { return QStringLiteral("notice"); }

    /// @p store must outlive the notifier.
    SandboxNotifier(SandboxNotifierOptions options, SandboxStore &store);
    /// stop().
    ~SandboxNotifier();
    SandboxNotifier(const SandboxNotifier &) = delete;
    SandboxNotifier &operator=(const SandboxNotifier &) = delete;

    /// Takes the notifications among @p records (kind `notice`), before start(). Pending ones
    /// resume at their due time, but no later than the current schedule's delay for their next
    /// attempt: a shortened schedule applies to those already waiting. Returns how many resume.
    int restore(const QList<SandboxStore::Record> &records);
    void start();
    /// Stops delivering: waits for the attempts in flight (each bounded by its request's
    /// timeout). Pending notifications stay pending (in the store too).
    void stop();

    bool contains(const QString &id) const;
    /// Adds a pending notification, due after the schedule's first delay, and stages its record.
    /// Flush the store and then wake(): nothing is sent before the change that caused it is kept.
    void enqueue(const QString &id, const QString &url, const QJsonObject &content);
    /// Lets the senders look for due notifications now.
    void wake();

    /// All notifications, oldest first.
    QList<SandboxNotice> notices() const;
    int pendingCount() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

/// Store record kinds of the sandboxes' trades.
inline QString orderRecordKind()
{
    return QStringLiteral("order");
} ///< by out_trade_no
inline QString refundRecordKind()
{
    return QStringLiteral("refund");
} ///< by out_refund_no

/// The orders, refunds and notifications of a sandbox's former whole-state JSON file as store
/// records: orders keyed by their @p orderKey, refunds by their @p refundKey, each notification as
/// @p notice reads it.
QList<SandboxStore::Record>
legacyTradeRecords(const QJsonObject &root, QLatin1String orderKey, QLatin1String refundKey,
                   const std::function<SandboxNotice(const QJsonObject &)> &notice);

} // namespace pomelo
