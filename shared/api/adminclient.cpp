#include "adminclient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QTimer>
#include <QUrlQuery>
#include <QWebSocket>

namespace pomelo::api {

namespace {

constexpr int TransferTimeoutMs = 15000;
constexpr int MaxHealthDelayMs = 10000;
constexpr int MaxLiveDelayMs = 10000;

QString segment(const QString &text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text));
}

void addIfSet(QUrlQuery &q, const QString &key, const QString &value)
{
    if (!value.isEmpty())
        q.addQueryItem(key, QString::fromLatin1(QUrl::toPercentEncoding(value)));
}

bool isTransportFailure(QNetworkReply::NetworkError e)
{
    switch (e) {
    case QNetworkReply::ConnectionRefusedError:
    case QNetworkReply::RemoteHostClosedError:
    case QNetworkReply::HostNotFoundError:
    case QNetworkReply::TimeoutError:
    case QNetworkReply::TemporaryNetworkFailureError:
    case QNetworkReply::NetworkSessionFailedError:
    case QNetworkReply::UnknownNetworkError:
    case QNetworkReply::ProxyConnectionRefusedError:
        return true;
    default:
        return false;
    }
}

} // namespace

AdminClient::AdminClient(QObject *parent)
    : QObject(parent)
    , m_network(new QNetworkAccessManager(this))
    , m_healthTimer(new QTimer(this))
    , m_liveTimer(new QTimer(this))
{
    m_healthTimer->setSingleShot(true);
    connect(m_healthTimer, &QTimer::timeout, this, &AdminClient::probeHealth);
    m_liveTimer->setSingleShot(true);
    connect(m_liveTimer, &QTimer::timeout, this, &AdminClient::openLive);
}

AdminClient::~AdminClient()
{
    m_liveWanted = false;
    if (m_live) {
        m_live->disconnect(this);
        m_live->abort();
    }
}

void AdminClient::setBaseUrl(const QUrl &url)
{
    m_baseUrl = url;
    QString path = m_baseUrl.path();
    while (path.endsWith(u'/'))
        path.chop(1);
    m_baseUrl.setPath(path);
}

QUrl AdminClient::liveUrl() const
{
    QUrl url = m_baseUrl;
    url.setScheme(m_baseUrl.scheme() == QLatin1String("https") ? QStringLiteral("wss")
                                                               : QStringLiteral("ws"));
    url.setPath(m_baseUrl.path() + QStringLiteral("/admin/v1/live"));
    return url;
}

void AdminClient::send(const QByteArray &method, const QString &path, const QUrlQuery &query,
                       const QJsonObject *body, QObject *context, RawOk onOk, Fail onFail)
{
    QUrl url = m_baseUrl;
    url.setPath(m_baseUrl.path() + path, QUrl::TolerantMode);
    url.setQuery(query);
    QNetworkRequest request(url);
    request.setTransferTimeout(TransferTimeoutMs);
    request.setRawHeader("Accept", "application/json");
    if (!m_language.isEmpty())
        request.setRawHeader("Accept-Language", m_language.toLatin1());
    if (!m_session.token.isEmpty())
        request.setRawHeader("Authorization", "Bearer " + m_session.token.toLatin1());
    QByteArray payload;
    if (body) {
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/json"));
        payload = QJsonDocument(*body).toJson(QJsonDocument::Compact);
    }
    QNetworkReply *reply = m_network->sendCustomRequest(request, method, payload);
    const QPointer<QObject> guard(context);
    const bool hadContext = context != nullptr;
    const QString sentToken = m_session.token;
    connect(reply, &QNetworkReply::finished, this,
            [this, reply, guard, hadContext, sentToken, onOk = std::move(onOk),
             onFail = std::move(onFail)] {
                reply->deleteLater();
                const int status =
                    reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                const QByteArray bytes = reply->readAll();
                const bool alive = !hadContext || guard;
                if (status == 0 && isTransportFailure(reply->error()))
                    setReachable(false);
                else if (status != 0)
                    setReachable(true);
                if (status >= 200 && status < 300) {
                    QJsonParseError parseError {};
                    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
                    if (bytes.trimmed().isEmpty() || doc.isObject()) {
                        if (alive && onOk)
                            onOk(doc.object());
                        return;
                    }
                    ApiError e = errorFromReply(status, {}, tr("Malformed answer from the server"));
                    if (alive && onFail)
                        onFail(e);
                    emit requestFailed(e);
                    return;
                }
                const ApiError e = errorFromReply(status, bytes, reply->errorString());
                if (e.isUnauthorized() && !sentToken.isEmpty() && sentToken == m_session.token
                    && !m_expiredSignalled) {
                    m_expiredSignalled = true;
                    closeLive();
                    emit sessionExpired();
                }
                if (alive && onFail)
                    onFail(e);
                emit requestFailed(e);
            });
}

void AdminClient::get(const QString &path, const QUrlQuery &query, QObject *context, RawOk onOk,
                      Fail onFail)
{
    send("GET", path, query, nullptr, context, std::move(onOk), std::move(onFail));
}

void AdminClient::post(const QString &path, const QJsonObject &body, QObject *context, RawOk onOk,
                       Fail onFail)
{
    send("POST", path, {}, &body, context, std::move(onOk), std::move(onFail));
}

void AdminClient::setReachable(bool reachable)
{
    if (m_reachable == reachable)
        return;
    m_reachable = reachable;
    if (!reachable) {
        m_healthDelayMs = 1000;
        m_healthTimer->start(m_healthDelayMs);
    } else {
        m_healthTimer->stop();
        if (m_liveWanted && !m_liveConnected) {
            m_liveDelayMs = 500;
            m_liveTimer->start(0);
        }
    }
    emit serverReachableChanged(reachable);
}

void AdminClient::probeHealth()
{
    if (m_reachable || m_healthReply)
        return;
    QUrl url = m_baseUrl;
    url.setPath(m_baseUrl.path() + QStringLiteral("/healthz"));
    QNetworkRequest request(url);
    request.setTransferTimeout(5000);
    m_healthReply = m_network->get(request);
    QNetworkReply *reply = m_healthReply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt() == 200) {
            setReachable(true);
            return;
        }
        m_healthDelayMs = std::min(m_healthDelayMs * 2, MaxHealthDelayMs);
        m_healthTimer->start(m_healthDelayMs);
    });
}

// ---- Session ----

void AdminClient::login(const QString &username, const QString &password, QObject *context,
                        Ok<LoginResult> onOk, Fail onFail)
{
    closeLive();
    m_session = {};
    post(
        QStringLiteral("/admin/v1/login"),
        QJsonObject {{QStringLiteral("username"), username},
                     {QStringLiteral("password"), password}},
        context,
        [this, username, onOk = std::move(onOk)](const QJsonObject &o) {
            m_session = LoginResult::fromJson(o);
            if (m_session.username.isEmpty())
                m_session.username = username;
            m_expiredSignalled = false;
            // Both roles: staff read orders, and the feed sends them only order events.
            m_liveWanted = true;
            m_liveDelayMs = 500;
            openLive();
            // Listeners (roles of the views) first, then the caller that shows them.
            emit loggedIn(m_session);
            if (onOk)
                onOk(m_session);
        },
        std::move(onFail));
}

void AdminClient::logout()
{
    if (isLoggedIn())
        post(QStringLiteral("/admin/v1/logout"), {}, nullptr, {}, {});
    closeLive();
    m_session = {};
    emit loggedOut();
}

// ---- Orders ----

void AdminClient::orders(const OrderQuery &query, QObject *context, Ok<Page<AdminOrder>> onOk,
                         Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("status"), query.status);
    addIfSet(q, QStringLiteral("appId"), query.appId);
    addIfSet(q, QStringLiteral("channel"), query.channel);
    addIfSet(q, QStringLiteral("from"), query.from);
    addIfSet(q, QStringLiteral("to"), query.to);
    addIfSet(q, QStringLiteral("q"), query.q);
    addIfSet(q, QStringLiteral("cursor"), query.cursor);
    q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    get(
        QStringLiteral("/admin/v1/orders"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            Page<AdminOrder> page;
            const QJsonArray items = o.value(QStringLiteral("items")).toArray();
            for (const QJsonValue &v : items)
                page.items.append(AdminOrder::fromJson(v.toObject()));
            page.nextCursor = o.value(QStringLiteral("nextCursor")).toString();
            if (onOk)
                onOk(page);
        },
        std::move(onFail));
}

void AdminClient::orderDetail(const QString &orderId, QObject *context, Ok<OrderDetail> onOk,
                              Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/orders/") + segment(orderId), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(OrderDetail::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::closeOrder(const QString &orderId, const QString &reason, QObject *context,
                             Ok<AdminOrder> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/orders/%1/close").arg(segment(orderId)),
        {{QStringLiteral("reason"), reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(AdminOrder::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::verifyOrder(const QString &orderId, const QString &reason, QObject *context,
                              Ok<AdminOrder> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/orders/%1/verify").arg(segment(orderId)),
        {{QStringLiteral("reason"), reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(AdminOrder::fromJson(o.value(QStringLiteral("order")).toObject()));
        },
        std::move(onFail));
}

void AdminClient::refundOrder(const QString &orderId, qint64 amountCents, const QString &reason,
                              QObject *context, Ok<AdminOrder> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/orders/%1/refund").arg(segment(orderId)),
        {{QStringLiteral("reason"), reason}, {QStringLiteral("amount"), amountCents}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(AdminOrder::fromJson(o.value(QStringLiteral("order")).toObject()));
        },
        std::move(onFail));
}

void AdminClient::renotifyOrder(const QString &orderId, const QString &reason, QObject *context,
                                Ok<int> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/orders/%1/renotify").arg(segment(orderId)),
        {{QStringLiteral("reason"), reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(o.value(QStringLiteral("resent")).toInt());
        },
        std::move(onFail));
}

// ---- Venues ----

void AdminClient::dashboard(QObject *context, Ok<DashboardSummary> onOk, Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/dashboard"), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(DashboardSummary::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::venueBoard(const QString &date, QObject *context, Ok<VenueBoard> onOk,
                             Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("date"), date);
    get(
        QStringLiteral("/admin/v1/venues/board"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(VenueBoard::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::venues(QObject *context, Ok<QList<AdminVenue>> onOk, Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/venues"), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(detail::listFromJson<AdminVenue>(o.value(keys::venues)));
        },
        std::move(onFail));
}

void AdminClient::createVenue(const VenueInput &input, QObject *context, Ok<AdminVenue> onOk,
                              Fail onFail)
{
    VenueInput body = input;
    body.active.reset();
    post(
        QStringLiteral("/admin/v1/venues"), body.toJson(), context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(AdminVenue::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::updateVenue(qint64 venueId, const VenueInput &input, QObject *context,
                              Ok<AdminVenue> onOk, Fail onFail)
{
    const QJsonObject body = input.toJson();
    send(
        "PUT", QStringLiteral("/admin/v1/venues/%1").arg(venueId), {}, &body, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(AdminVenue::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::closures(qint64 venueId, bool includePast, QObject *context,
                           Ok<QList<VenueClosure>> onOk, Fail onFail)
{
    QUrlQuery q;
    if (includePast)
        q.addQueryItem(QStringLiteral("past"), QStringLiteral("true"));
    get(
        QStringLiteral("/admin/v1/venues/%1/closures").arg(venueId), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(detail::listFromJson<VenueClosure>(o.value(keys::closures)));
        },
        std::move(onFail));
}

void AdminClient::closure(qint64 venueId, qint64 closureId, QObject *context,
                          Ok<ClosureDetail> onOk, Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/venues/%1/closures/%2").arg(venueId).arg(closureId), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(ClosureDetail::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::createClosure(qint64 venueId, const ClosureInput &input, QObject *context,
                                Ok<ClosureDetail> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/venues/%1/closures").arg(venueId), input.toJson(), context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(ClosureDetail::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::deleteClosure(qint64 venueId, qint64 closureId, const QString &reason,
                                QObject *context, Ok<bool> onOk, Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("reason"), reason);
    send(
        "DELETE", QStringLiteral("/admin/v1/venues/%1/closures/%2").arg(venueId).arg(closureId), q,
        nullptr, context,
        [onOk = std::move(onOk)](const QJsonObject &) {
            if (onOk)
                onOk(true);
        },
        std::move(onFail));
}

void AdminClient::confirmClosure(qint64 venueId, qint64 closureId, const QString &reason,
                                 QObject *context, Ok<ClosureConfirmResult> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/venues/%1/closures/%2/confirm").arg(venueId).arg(closureId),
        QJsonObject {{keys::reason, reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(ClosureConfirmResult::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::checkIn(const QString &bookingId, QObject *context, Ok<Booking> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/bookings/%1/check-in").arg(segment(bookingId)), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            Booking b;
            b.id = o.value(QStringLiteral("id")).toString();
            b.status = o.value(QStringLiteral("status")).toString();
            b.venueId = o.value(QStringLiteral("venueId")).toInteger();
            b.date = o.value(QStringLiteral("date")).toString();
            b.startTime = o.value(QStringLiteral("startTime")).toString();
            b.endTime = o.value(QStringLiteral("endTime")).toString();
            b.amount = o.value(QStringLiteral("amount")).toInteger();
            b.payOrderId = o.value(QStringLiteral("payOrderId")).toString();
            if (onOk)
                onOk(b);
        },
        std::move(onFail));
}

// ---- Infrastructure ----

void AdminClient::streams(QObject *context, Ok<StreamInfo> onOk, Fail onFail)
{
    QUrlQuery q;
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("50"));
    get(
        QStringLiteral("/admin/v1/streams"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(StreamInfo::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::queues(QObject *context, Ok<QList<DelayedQueueInfo>> onOk, Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/queues"), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(queuesFromJson(o));
        },
        std::move(onFail));
}

void AdminClient::fireQueueItem(const QString &queue, const QString &member, const QString &reason,
                                QObject *context, Ok<bool> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/queues/%1/items/%2/fire").arg(segment(queue), segment(member)),
        {{QStringLiteral("reason"), reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(o.value(QStringLiteral("fired")).toBool());
        },
        std::move(onFail));
}

void AdminClient::cancelQueueItem(const QString &queue, const QString &member,
                                  const QString &reason, QObject *context, Ok<bool> onOk,
                                  Fail onFail)
{
    // DELETE carries the reason as a query item (a DELETE body is often dropped by proxies).
    QUrlQuery q;
    addIfSet(q, QStringLiteral("reason"), reason);
    send(
        "DELETE",
        QStringLiteral("/admin/v1/queues/%1/items/%2").arg(segment(queue), segment(member)), q,
        nullptr, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(o.value(QStringLiteral("cancelled")).toBool());
        },
        std::move(onFail));
}

void AdminClient::locks(QObject *context, Ok<QList<LockEntry>> onOk, Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/locks"), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(locksFromJson(o));
        },
        std::move(onFail));
}

// ---- Notifications ----

void AdminClient::notifications(const QString &state, const QString &appId, const QString &cursor,
                                QObject *context, Ok<NotificationPage> onOk, Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("state"), state);
    addIfSet(q, QStringLiteral("appId"), appId);
    addIfSet(q, QStringLiteral("cursor"), cursor);
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("200"));
    get(
        QStringLiteral("/admin/v1/notifications"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            NotificationPage result;
            const QJsonArray items = o.value(QStringLiteral("items")).toArray();
            for (const QJsonValue &v : items)
                result.page.items.append(Notification::fromJson(v.toObject()));
            result.page.nextCursor = o.value(QStringLiteral("nextCursor")).toString();
            const QJsonObject counts = o.value(QStringLiteral("counts")).toObject();
            for (auto it = counts.begin(); it != counts.end(); ++it)
                result.counts.insert(it.key(), it.value().toInteger());
            if (onOk)
                onOk(result);
        },
        std::move(onFail));
}

void AdminClient::resendNotification(const QString &id, const QString &reason, QObject *context,
                                     Ok<Notification> onOk, Fail onFail)
{
    QJsonObject body;
    if (!reason.isEmpty())
        body.insert(QStringLiteral("reason"), reason);
    post(
        QStringLiteral("/admin/v1/notifications/%1/resend").arg(segment(id)), body, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(Notification::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::resendFailed(const QString &appId, const QString &reason, QObject *context,
                               Ok<int> onOk, Fail onFail)
{
    QJsonObject body {{QStringLiteral("appId"), appId}};
    if (!reason.isEmpty())
        body.insert(QStringLiteral("reason"), reason);
    post(
        QStringLiteral("/admin/v1/notifications/resend-failed"), body, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(o.value(QStringLiteral("count")).toInt());
        },
        std::move(onFail));
}

void AdminClient::audit(const AuditQuery &query, QObject *context, Ok<Page<AuditEntry>> onOk,
                        Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("actor"), query.actor);
    addIfSet(q, QStringLiteral("action"), query.action);
    addIfSet(q, QStringLiteral("target"), query.target);
    addIfSet(q, QStringLiteral("from"), query.from);
    addIfSet(q, QStringLiteral("to"), query.to);
    addIfSet(q, QStringLiteral("cursor"), query.cursor);
    q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    get(
        QStringLiteral("/admin/v1/audit"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            Page<AuditEntry> page;
            const QJsonArray items = o.value(QStringLiteral("items")).toArray();
            for (const QJsonValue &v : items)
                page.items.append(AuditEntry::fromJson(v.toObject()));
            page.nextCursor = o.value(QStringLiteral("nextCursor")).toString();
            if (onOk)
                onOk(page);
        },
        std::move(onFail));
}

// ---- Payment exceptions ----

void AdminClient::paymentExceptions(const QString &state, const QString &cursor, QObject *context,
                                    Ok<Page<PaymentExceptionItem>> onOk, Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("state"), state);
    addIfSet(q, QStringLiteral("cursor"), cursor);
    q.addQueryItem(QStringLiteral("limit"), QStringLiteral("200"));
    get(
        QStringLiteral("/admin/v1/payment-exceptions"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            Page<PaymentExceptionItem> page;
            const QJsonArray items = o.value(QStringLiteral("items")).toArray();
            for (const QJsonValue &v : items)
                page.items.append(PaymentExceptionItem::fromJson(v.toObject()));
            page.nextCursor = o.value(QStringLiteral("nextCursor")).toString();
            if (onOk)
                onOk(page);
        },
        std::move(onFail));
}

void AdminClient::resolvePaymentException(const QString &id, const QString &reason,
                                          QObject *context, Ok<PaymentExceptionItem> onOk,
                                          Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/payment-exceptions/%1/resolve").arg(segment(id)),
        {{QStringLiteral("reason"), reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(PaymentExceptionItem::fromJson(o));
        },
        std::move(onFail));
}

// ---- Utility top-ups ----

void AdminClient::topups(const TopupQuery &query, QObject *context, Ok<Page<Topup>> onOk,
                         Fail onFail)
{
    QUrlQuery q;
    addIfSet(q, QStringLiteral("status"), query.status);
    addIfSet(q, QStringLiteral("roomId"), query.roomId);
    addIfSet(q, QStringLiteral("userId"), query.userId);
    addIfSet(q, QStringLiteral("from"), query.from);
    addIfSet(q, QStringLiteral("to"), query.to);
    addIfSet(q, QStringLiteral("cursor"), query.cursor);
    q.addQueryItem(QStringLiteral("limit"), QString::number(query.limit));
    get(
        QStringLiteral("/admin/v1/topups"), q, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(Page<Topup>::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::topupDetail(const QString &id, QObject *context, Ok<TopupDetail> onOk,
                              Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/topups/") + segment(id), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(TopupDetail::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::redeliverTopup(const QString &id, const QString &reason, QObject *context,
                                 Ok<Topup> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/topups/%1/redeliver").arg(segment(id)),
        QJsonObject {{keys::reason, reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(Topup::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::refundTopup(const QString &id, const QString &reason, QObject *context,
                              Ok<Topup> onOk, Fail onFail)
{
    post(
        QStringLiteral("/admin/v1/topups/%1/refund").arg(segment(id)),
        QJsonObject {{keys::reason, reason}}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(Topup::fromJson(o));
        },
        std::move(onFail));
}

void AdminClient::room(const QString &roomId, QObject *context, Ok<RoomDetail> onOk, Fail onFail)
{
    get(
        QStringLiteral("/admin/v1/rooms/") + segment(roomId), {}, context,
        [onOk = std::move(onOk)](const QJsonObject &o) {
            if (onOk)
                onOk(RoomDetail::fromJson(o));
        },
        std::move(onFail));
}

// ---- Live feed ----

void AdminClient::openLive()
{
    if (!m_liveWanted || m_session.token.isEmpty())
        return;
    if (m_live) {
        m_live->disconnect(this);
        m_live->abort();
        m_live->deleteLater();
    }
    m_live = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    QWebSocket *socket = m_live;
    connect(socket, &QWebSocket::connected, this, [this] {
        m_liveDelayMs = 500;
        setReachable(true);
        if (!m_liveConnected) {
            m_liveConnected = true;
            emit liveConnectedChanged(true);
        }
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (socket != m_live)
            return;
        if (m_liveConnected) {
            m_liveConnected = false;
            emit liveConnectedChanged(false);
        }
        scheduleLiveReconnect();
    });
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this](QAbstractSocket::SocketError e) {
                if (e == QAbstractSocket::ConnectionRefusedError
                    || e == QAbstractSocket::RemoteHostClosedError
                    || e == QAbstractSocket::HostNotFoundError)
                    setReachable(false);
            });
    connect(socket, &QWebSocket::textMessageReceived, this, &AdminClient::onLiveMessage);
    QNetworkRequest request(liveUrl());
    request.setRawHeader("Authorization", "Bearer " + m_session.token.toLatin1());
    socket->open(request);
}

void AdminClient::scheduleLiveReconnect()
{
    if (!m_liveWanted)
        return;
    m_liveTimer->start(m_liveDelayMs);
    m_liveDelayMs = std::min(m_liveDelayMs * 2, MaxLiveDelayMs);
}

void AdminClient::closeLive()
{
    m_liveWanted = false;
    m_liveTimer->stop();
    if (m_live) {
        m_live->disconnect(this);
        m_live->abort();
        m_live->deleteLater();
        m_live = nullptr;
    }
    if (m_liveConnected) {
        m_liveConnected = false;
        emit liveConnectedChanged(false);
    }
}

void AdminClient::onLiveMessage(const QString &message)
{
    const QJsonObject o = QJsonDocument::fromJson(message.toUtf8()).object();
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("order-event"))
        emit liveOrderEvent(LiveOrderEvent::fromJson(o));
    else if (type == QLatin1String("stats"))
        emit liveStats(LiveStats::fromJson(o));
    else if (type == QLatin1String("payment-exception"))
        emit livePaymentException(LivePaymentException::fromJson(o));
    else if (type == messageTypes::venueEvent)
        emit liveVenueEvent(LiveVenueEvent::fromJson(o));
}

} // namespace pomelo::api
