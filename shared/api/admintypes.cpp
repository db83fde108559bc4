#include "admintypes.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace pomelo::api {

namespace {

QString str(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toString();
}

qint64 integer(const QJsonObject &o, const char *key, qint64 fallback = 0)
{
    const QJsonValue v = o.value(QLatin1String(key));
    return v.isDouble() ? v.toInteger(fallback) : fallback;
}

QHash<QString, qint64> counts(const QJsonObject &o, const char *key)
{
    QHash<QString, qint64> out;
    const QJsonObject byName = o.value(QLatin1String(key)).toObject();
    for (auto it = byName.constBegin(); it != byName.constEnd(); ++it)
        out.insert(it.key(), it.value().toInteger());
    return out;
}

QJsonArray array(const QJsonObject &o, const char *key)
{
    return o.value(QLatin1String(key)).toArray();
}

QList<StreamEntry> entriesFromJson(const QJsonArray &a)
{
    QList<StreamEntry> out;
    for (const QJsonValue &v : a) {
        const QJsonObject e = v.toObject();
        out.append({str(e, "id"), e.value(QStringLiteral("fields")).toObject()});
    }
    return out;
}

} // namespace

LoginResult LoginResult::fromJson(const QJsonObject &o)
{
    return {str(o, "token"), str(o, "username"), str(o, "role"),
            static_cast<int>(integer(o, "expiresIn"))};
}

AdminOrder AdminOrder::fromJson(const QJsonObject &o)
{
    AdminOrder r;
    r.orderId = str(o, "orderId");
    r.appId = str(o, "appId");
    r.outTradeNo = str(o, "outTradeNo");
    r.amount = integer(o, "amount");
    r.refundedAmount = integer(o, "refundedAmount");
    r.subject = str(o, "subject");
    r.status = str(o, "status");
    r.channel = str(o, "channel");
    r.channelTradeNo = str(o, "channelTradeNo");
    r.openId = str(o, "openId");
    r.studentId = str(o, "studentId");
    r.createdAt = str(o, "createdAt");
    r.updatedAt = str(o, "updatedAt");
    r.paidAt = str(o, "paidAt");
    r.expiresAt = str(o, "expiresAt");
    r.needsRefund = o.value(QStringLiteral("needsRefund")).toBool();
    return r;
}

Notification Notification::fromJson(const QJsonObject &o)
{
    Notification n;
    n.id = str(o, "id");
    n.orderId = str(o, "orderId");
    n.appId = str(o, "appId");
    n.orderStatus = str(o, "orderStatus");
    n.url = str(o, "url");
    n.state = str(o, "state");
    n.attempts = static_cast<int>(integer(o, "attempts"));
    n.lastError = str(o, "lastError");
    n.lastHttpStatus = static_cast<int>(integer(o, "lastHttpStatus"));
    n.createdAt = str(o, "createdAt");
    n.updatedAt = str(o, "updatedAt");
    n.nextAttemptAt = str(o, "nextAttemptAt");
    const QJsonArray history = array(o, "history");
    for (const QJsonValue &v : history) {
        const QJsonObject a = v.toObject();
        n.history.append({static_cast<int>(integer(a, "attempt")), str(a, "at"),
                          static_cast<int>(integer(a, "httpStatus")),
                          static_cast<int>(integer(a, "durationMs")), str(a, "error")});
    }
    return n;
}

OrderDetail OrderDetail::fromJson(const QJsonObject &o)
{
    OrderDetail d;
    d.order = AdminOrder::fromJson(o.value(QStringLiteral("order")).toObject());
    d.traceId = str(o, "traceId");
    const QJsonArray events = array(o, "events");
    for (const QJsonValue &v : events) {
        const QJsonObject e = v.toObject();
        d.events.append({str(e, "id"), str(e, "status"), str(e, "prevStatus"), str(e, "at"),
                         str(e, "traceId"), e.value(QStringLiteral("payload")).toObject()});
    }
    const QJsonArray refunds = array(o, "refunds");
    for (const QJsonValue &v : refunds) {
        const QJsonObject f = v.toObject();
        d.refunds.append({str(f, "id"), str(f, "outRefundNo"), integer(f, "amount"),
                          str(f, "reason"), str(f, "status"), str(f, "initiator"),
                          str(f, "createdAt"), str(f, "finishedAt")});
    }
    const QJsonArray callbacks = array(o, "callbacks");
    for (const QJsonValue &v : callbacks) {
        const QJsonObject c = v.toObject();
        d.callbacks.append({str(c, "id"), str(c, "channel"), str(c, "eventType"), str(c, "outcome"),
                            str(c, "receivedAt")});
    }
    const QJsonArray notifications = array(o, "notifications");
    for (const QJsonValue &v : notifications)
        d.notifications.append(Notification::fromJson(v.toObject()));
    if (o.value(QStringLiteral("booking")).isObject()) {
        const QJsonObject b = o.value(QStringLiteral("booking")).toObject();
        d.booking = Booking {str(b, "id"),         str(b, "status"),    integer(b, "venueId"),
                             str(b, "date"),       str(b, "startTime"), str(b, "endTime"),
                             integer(b, "amount"), str(b, "payOrderId")};
    }
    return d;
}

VenueBoard VenueBoard::fromJson(const QJsonObject &o)
{
    VenueBoard board;
    board.date = str(o, "date");
    const QJsonArray venues = array(o, "venues");
    for (const QJsonValue &v : venues) {
        const QJsonObject vo = v.toObject();
        BoardVenue venue {integer(vo, "id"), str(vo, "name"), str(vo, "sport"), {}};
        const QJsonArray slotList = array(vo, "slots");
        for (const QJsonValue &s : slotList) {
            const QJsonObject so = s.toObject();
            const QJsonObject user = so.value(QStringLiteral("user")).toObject();
            venue.timeSlots.append({str(so, "startTime"), str(so, "endTime"), str(so, "state"),
                                    str(so, "bookingId"), str(so, "bookingStatus"),
                                    str(user, "name"), str(user, "studentId"),
                                    str(user, "openId")});
        }
        board.venues.append(venue);
    }
    return board;
}

qint64 StreamInfo::maxLag() const
{
    qint64 lag = 0;
    for (const ConsumerGroup &g : groups) {
        if (g.lag < 0)
            return -1;
        lag = std::max(lag, g.lag);
    }
    return lag;
}

StreamInfo StreamInfo::fromJson(const QJsonObject &o)
{
    StreamInfo s;
    s.stream = str(o, "stream");
    s.length = integer(o, "length");
    s.lastGeneratedId = str(o, "lastGeneratedId");
    const QJsonArray groups = array(o, "groups");
    for (const QJsonValue &v : groups) {
        const QJsonObject g = v.toObject();
        s.groups.append({str(g, "name"), integer(g, "consumers"), integer(g, "pending"),
                         integer(g, "lag", -1), str(g, "lastDeliveredId")});
    }
    s.entries = entriesFromJson(array(o, "entries"));
    const QJsonObject dead = o.value(QStringLiteral("deadLetter")).toObject();
    s.deadLetterStream = str(dead, "stream");
    s.deadLetterLength = integer(dead, "length");
    s.deadLetters = entriesFromJson(array(dead, "entries"));
    return s;
}

AuditEntry AuditEntry::fromJson(const QJsonObject &o)
{
    return {str(o, "id"),
            str(o, "at"),
            str(o, "actor"),
            str(o, "action"),
            str(o, "target"),
            str(o, "reason"),
            str(o, "remoteAddress"),
            o.value(QStringLiteral("details")).toObject()};
}

LiveOrderEvent LiveOrderEvent::fromJson(const QJsonObject &o)
{
    LiveOrderEvent e;
    e.streamId = str(o, "streamId");
    e.eventId = str(o, "eventId");
    e.orderId = str(o, "orderId");
    e.appId = str(o, "appId");
    e.outTradeNo = str(o, "outTradeNo");
    e.status = str(o, "status");
    e.prevStatus = str(o, "prevStatus");
    e.amount = integer(o, "amount");
    e.at = str(o, "at");
    e.traceId = str(o, "traceId");
    return e;
}

bool PaymentExceptionItem::isResolvable() const
{
    return state == QLatin1String("REFUNDED") || state == QLatin1String("REFUND_FAILED");
}

PaymentExceptionItem PaymentExceptionItem::fromJson(const QJsonObject &o)
{
    PaymentExceptionItem e;
    e.id = str(o, "id");
    e.channel = str(o, "channel");
    e.channelTradeNo = str(o, "channelTradeNo");
    e.outTradeNo = str(o, "outTradeNo");
    e.orderId = str(o, "orderId");
    e.paidAmount = integer(o, "paidAmount");
    if (o.value(QStringLiteral("orderAmount")).isDouble())
        e.orderAmount = integer(o, "orderAmount");
    e.currency = str(o, "currency");
    e.reason = str(o, "reason");
    e.detail = str(o, "detail");
    e.state = str(o, "state");
    e.refundAttempts = static_cast<int>(integer(o, "refundAttempts"));
    e.nextRefundAt = str(o, "nextRefundAt");
    e.channelRefundNo = str(o, "channelRefundNo");
    e.lastError = str(o, "lastError");
    e.resolvedBy = str(o, "resolvedBy");
    e.resolution = str(o, "resolution");
    e.createdAt = str(o, "createdAt");
    e.updatedAt = str(o, "updatedAt");
    e.refundedAt = str(o, "refundedAt");
    e.resolvedAt = str(o, "resolvedAt");
    return e;
}

DashboardSummary DashboardSummary::fromJson(const QJsonObject &o)
{
    DashboardSummary d;
    d.date = str(o, "date");
    const QJsonObject orders = o.value(QStringLiteral("orders")).toObject();
    for (auto it = orders.constBegin(); it != orders.constEnd(); ++it)
        d.orders.insert(it.key(), it.value().toInteger());
    d.ordersTotal = integer(o, "ordersTotal");
    d.paidAmount = integer(o, "paidAmount");
    if (!o.contains(QStringLiteral("stream")))
        return d;
    d.hasInfrastructure = true;
    const QJsonObject stream = o.value(QStringLiteral("stream")).toObject();
    d.streamLength = integer(stream, "length");
    d.streamLag = integer(stream, "lag", -1);
    d.streamPending = integer(stream, "pending");
    d.deadLetterLength = integer(stream, "deadLetterLength");
    const QJsonObject queues = o.value(QStringLiteral("queues")).toObject();
    for (auto it = queues.constBegin(); it != queues.constEnd(); ++it) {
        d.queuedScheduled += integer(it.value().toObject(), "scheduled");
        d.queuedProcessing += integer(it.value().toObject(), "processing");
    }
    const QJsonObject notifications = o.value(QStringLiteral("notifications")).toObject();
    d.notificationsPending = integer(notifications, "PENDING");
    d.notificationsFailed = integer(notifications, "FAILED");
    d.paymentExceptions = counts(o, "paymentExceptions");
    return d;
}

LiveStats LiveStats::fromJson(const QJsonObject &o)
{
    const QJsonObject queues = o.value(QStringLiteral("queues")).toObject();
    const QJsonObject notifications = o.value(QStringLiteral("notifications")).toObject();
    LiveStats s;
    s.orderTimeoutScheduled =
        integer(queues.value(QStringLiteral("order-timeout")).toObject(), "scheduled");
    s.bookingExpiryScheduled =
        integer(queues.value(QStringLiteral("booking-expiry")).toObject(), "scheduled");
    s.notificationsPending = integer(notifications, "PENDING");
    s.notificationsFailed = integer(notifications, "FAILED");
    s.paymentExceptions = counts(o, "paymentExceptions");
    return s;
}

LivePaymentException LivePaymentException::fromJson(const QJsonObject &o)
{
    return {str(o, "id"), str(o, "reason"), str(o, "channel"), integer(o, "paidAmount"),
            str(o, "orderId")};
}

QList<DelayedQueueInfo> queuesFromJson(const QJsonObject &o)
{
    QList<DelayedQueueInfo> out;
    const QJsonArray queues = array(o, "queues");
    for (const QJsonValue &v : queues) {
        const QJsonObject q = v.toObject();
        DelayedQueueInfo info {
            str(q, "name"), str(q, "key"), integer(q, "scheduled"), integer(q, "processing"), {}};
        const QJsonArray items = array(q, "items");
        for (const QJsonValue &i : items) {
            const QJsonObject io = i.toObject();
            const QString due =
                io.contains(QStringLiteral("dueAt")) ? str(io, "dueAt") : str(io, "visibleAgainAt");
            info.items.append({info.name, str(io, "member"), str(io, "payload"), str(io, "state"),
                               due, static_cast<int>(integer(io, "attempts"))});
        }
        out.append(info);
    }
    return out;
}

QList<LockEntry> locksFromJson(const QJsonObject &o)
{
    QList<LockEntry> out;
    const QJsonArray locks = array(o, "locks");
    for (const QJsonValue &v : locks) {
        const QJsonObject l = v.toObject();
        LockEntry entry {str(l, "key"), {}, integer(l, "ttlMs")};
        const QJsonArray owners = array(l, "owners");
        for (const QJsonValue &owner : owners)
            entry.owners.append(owner.toObject().value(QStringLiteral("owner")).toString());
        out.append(entry);
    }
    return out;
}

ApiError errorFromReply(int httpStatus, const QByteArray &body, const QString &transportError)
{
    ApiError e;
    e.httpStatus = httpStatus;
    if (httpStatus == 0) {
        e.message = transportError;
        return e;
    }
    const QJsonObject o = QJsonDocument::fromJson(body).object();
    e.code = static_cast<int>(integer(o, "code"));
    e.message = str(o, "message");
    e.traceId = str(o, "traceId");
    if (e.message.isEmpty())
        e.message =
            transportError.isEmpty() ? QStringLiteral("HTTP %1").arg(httpStatus) : transportError;
    return e;
}

QDateTime parseTime(const QString &rfc3339)
{
    if (rfc3339.isEmpty())
        return {};
    return QDateTime::fromString(rfc3339, Qt::ISODateWithMs);
}

QString displayTime(const QString &rfc3339)
{
    const QDateTime t = parseTime(rfc3339);
    return t.isValid() ? t.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")) : rfc3339;
}

} // namespace pomelo::api
