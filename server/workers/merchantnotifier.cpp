#include "merchantnotifier.h"

#include "domain/errors.h"
#include "domain/signing.h"
#include "domain/snowflake.h"
#include "http/httptypes.h"
#include "net/httpclient.h"
#include "net/outboundpolicy.h"
#include "storage/apprepository.h"
#include "storage/database.h"
#include "storage/notificationrepository.h"
#include "storage/orderrepository.h"
#include "telemetry/logging.h"
#include "telemetry/metrics.h"
#include "telemetry/trace.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>
#include <openssl/crypto.h>

namespace pomelo {

namespace {

prometheus::Counter &attemptCounter(const std::string &result)
{
    return Metrics::instance()
        .counterFamily("pomelo_merchant_notify_attempts_total",
                       "Merchant notification attempts by result")
        .Add({{"result", result}});
}

} // namespace

bool isMerchantAcknowledgement(const QByteArray &body)
{
    const QByteArray trimmed = body.trimmed();
    if (trimmed == "SUCCESS")
        return true;
    const QJsonDocument doc = QJsonDocument::fromJson(trimmed);
    return doc.isObject()
        && doc.object().value(QStringLiteral("code")).toString() == QLatin1String("SUCCESS");
}

MerchantNotifier::MerchantNotifier(Database &db, const SecretBox &box,
                                   MerchantNotifierOptions options)
    : m_db(db)
    , m_box(box)
    , m_options(std::move(options))
    , m_worker(
          QStringLiteral("merchant-notifier"), [this] { return round(); },
          [this] {
              m_db.releaseThreadConnection();
              OPENSSL_thread_stop();
          })
{
    // Every result shows in /metrics at 0 from the start: the alert rules rate() them.
    for (const char *result : {"delivered", "retry", "failed"})
        attemptCounter(result);
}

MerchantNotifier::~MerchantNotifier()
{
    stop();
}

void MerchantNotifier::start()
{
    if (m_worker.isRunning())
        return;
    // The pay core writes notification rows in the transactions that append order events.
    m_connection = QObject::connect(
        &m_db, &Database::outboxAppended, &m_db, [this] { wake(); }, Qt::DirectConnection);
    m_worker.start();
}

void MerchantNotifier::stop()
{
    QObject::disconnect(m_connection);
    m_worker.stop();
}

void MerchantNotifier::wake()
{
    m_worker.wake();
}

int MerchantNotifier::deliverDue()
{
    NotificationRepository repo(m_db);
    // The lease outlasts one attempt with room to record it; a crash leaves the row due after it.
    const qint64 leaseMs = qint64(m_options.timeoutMs) + 30000;
    const QList<MerchantNotification> due = repo.claimDue(nowMs(), m_options.batchSize, leaseMs);
    for (const MerchantNotification &n : due) {
        if (m_worker.stopRequested())
            break; // the rest stay leased and become due again
        attempt(n);
    }
    return int(due.size());
}

void MerchantNotifier::attempt(const MerchantNotification &n)
{
    // A child of the request that committed the event (a new root when it has no traceparent):
    // the HTTP client span inside sends its traceparent, so the merchant joins that trace, and the
    // notifier's log lines of this attempt carry it.
    const std::optional<SpanContext> parent =
        SpanContext::fromTraceparent(n.traceparent.toLatin1());
    ScopedSpan span(QStringLiteral("merchant.notify"), SpanKind::Internal,
                    parent.value_or(SpanContext {}));
    if (span.span().isRecording()) {
        span.span().setAttributes({
            {QStringLiteral("order.id"), QString::number(n.orderId)},
            {QStringLiteral("app.id"), n.appId},
            {QStringLiteral("notification.id"), QString::number(n.id)},
            {QStringLiteral("notification.attempt"), n.attempts + 1},
        });
    }
    NotificationAttempt a;
    a.at = nowMs();
    QElapsedTimer timer;
    timer.start();
    bool delivered = false;
    bool giveUp = false;

    const std::optional<App> app = AppRepository(m_db, m_box).find(n.appId);
    const std::optional<PayOrder> order = OrderRepository(m_db).find(n.orderId);
    const QUrl url(n.url);
    const OutboundPolicy policy = app
        ? OutboundPolicy {app->notifyHosts, app->internal, app->internal && m_options.development}
        : OutboundPolicy {};
    QString refusal = app ? policy.checkUrl(url) : QString();
    std::optional<QHostAddress> address;
    if (app && refusal.isEmpty())
        address = policy.resolve(url, &a.error);
    if (!app || !order) {
        a.error = QStringLiteral("unknown app or order");
        giveUp = true;
    } else if (!refusal.isEmpty()) {
        a.error = QStringLiteral("notifyUrl not allowed for the app: ") + refusal;
        giveUp = true;
    } else if (!address) {
        // Resolves nowhere, or inward only: nothing is sent; the schedule asks DNS again.
        a.error = QStringLiteral("notifyUrl not sent: ") + a.error;
    } else {
        delivered = post(url, *address, signedBody(n, *order, *app), a);
    }
    a.durationMs = int(timer.elapsed());
    if (!delivered)
        span.setError(a.error);
    record(n, a, delivered, giveUp);
}

QJsonObject MerchantNotifier::signedBody(const MerchantNotification &n, const PayOrder &order,
                                         const App &app) const
{
    QJsonObject snapshot;
    const QList<OrderEvent> events = OrderRepository(m_db).events(n.orderId);
    for (const OrderEvent &e : events) {
        if (e.id == n.eventId) {
            snapshot = QJsonDocument::fromJson(e.payload).object();
            break;
        }
    }
    const auto text = [&](const char *key, const QString &fallback) {
        const QJsonValue v = snapshot.value(QLatin1String(key));
        return v.isString() ? v.toString() : fallback;
    };
    const auto ms = [&](const char *key, std::optional<qint64> fallback) {
        const QJsonValue v = snapshot.value(QLatin1String(key));
        return v.isDouble() ? std::optional<qint64>(v.toInteger()) : fallback;
    };
    QJsonObject body {
        {QStringLiteral("appId"), n.appId},
        {QStringLiteral("orderId"), snowflakeToString(n.orderId)},
        {QStringLiteral("outTradeNo"), order.outTradeNo},
        {QStringLiteral("status"), n.orderStatus},
        {QStringLiteral("amount"), order.amount},
        {QStringLiteral("subject"), order.subject},
        {QStringLiteral("channel"), text("channel", order.channel)},
        {QStringLiteral("channelTradeNo"), text("channelTradeNo", order.channelTradeNo)},
        {QStringLiteral("nonce"), signing::generateNonce()},
        {QStringLiteral("timestamp"), QDateTime::currentSecsSinceEpoch()},
    };
    if (const auto paidAt = ms("paidAt", order.paidAt))
        body.insert(QStringLiteral("paidAt"), rfc3339(*paidAt, m_options.zone));
    if (const auto updatedAt = ms("updatedAt", order.updatedAt))
        body.insert(QStringLiteral("updatedAt"), rfc3339(*updatedAt, m_options.zone));
    return signing::withSignature(signing::Target::notify(), body, app.secret);
}

bool MerchantNotifier::post(const QUrl &url, const QHostAddress &address, const QJsonObject &body,
                            NotificationAttempt &a) const
{
    HttpClientRequest request;
    request.method = QByteArrayLiteral("POST");
    request.url = url;
    request.body = QJsonDocument(body).toJson(QJsonDocument::Compact);
    request.headers.append(
        {QByteArrayLiteral("Content-Type"), QByteArrayLiteral("application/json; charset=utf-8")});
    request.timeoutMs = m_options.timeoutMs;
    request.connectTo = address;
    request.spanName = QStringLiteral("merchant notify");
    const HttpClientResponse response = HttpClient::send(request);
    if (response.status)
        a.httpStatus = response.status;
    a.responseExcerpt = QString::fromUtf8(response.body.left(200));
    const bool delivered = response.ok() && isMerchantAcknowledgement(response.body);
    if (!delivered) {
        a.error = !response.error.isEmpty() ? response.error
            : response.ok()                 ? QStringLiteral("answer is not SUCCESS")
                                            : QStringLiteral("HTTP %1").arg(response.status);
    }
    return delivered;
}

void MerchantNotifier::record(const MerchantNotification &n, NotificationAttempt &a, bool delivered,
                              bool giveUp)
{
    a.notificationId = n.id;
    a.attempt = n.attempts + 1;
    AttemptOutcome outcome;
    outcome.delivered = delivered;
    if (!delivered && !giveUp && n.attempts < m_options.scheduleSeconds.size())
        outcome.retryAt = nowMs() + qint64(m_options.scheduleSeconds.at(n.attempts)) * 1000;

    ++m_attempts;
    if (delivered)
        ++m_delivered;
    attemptCounter(delivered ? "delivered" : outcome.retryAt ? "retry" : "failed").Increment();
    m_db.transact(
        [&](Transaction &tx) { NotificationRepository(m_db).recordAttempt(tx, n.id, a, outcome); });
    if (delivered) {
        qCInfo(lcNotify) << "notification" << n.id << "of order" << n.orderId << "delivered";
    } else {
        qCWarning(lcNotify).noquote()
            << "notification" << n.id << "of order" << n.orderId << "attempt" << a.attempt
            << "failed:" << a.error
            << (outcome.retryAt ? QStringLiteral("(retried)") : QStringLiteral("(FAILED)"));
    }
}

WakeableWorker::Sleep MerchantNotifier::round()
{
    qint64 waitMs = m_options.maxIdleMs;
    try {
        if (deliverDue() >= m_options.batchSize)
            return {std::chrono::milliseconds(0)};
        if (const std::optional<qint64> next = NotificationRepository(m_db).nextDueAt())
            waitMs = std::clamp<qint64>(*next - nowMs(), 0, m_options.maxIdleMs);
    } catch (const Error &e) {
        waitMs = 1000;
        qCWarning(lcNotify).noquote() << "merchant notifier failed, retrying:" << e.detail();
    } catch (const std::exception &e) {
        waitMs = 1000;
        qCCritical(lcNotify) << "merchant notifier: unexpected failure:" << e.what();
    }
    return {std::chrono::milliseconds(waitMs)};
}

} // namespace pomelo
