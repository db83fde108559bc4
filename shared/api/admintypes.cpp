#include "admintypes.h"

#include <QJsonDocument>

namespace pomelo::api {

using keys::Key;

namespace {

QString str(const QJsonObject &o, Key key)
{
    return o.value(key).toString();
}

qint64 integer(const QJsonObject &o, Key key, qint64 fallback = 0)
{
    const QJsonValue v = o.value(key);
    return v.isDouble() ? v.toInteger(fallback) : fallback;
}

int int32(const QJsonObject &o, Key key)
{
    return static_cast<int>(integer(o, key));
}

QJsonObject object(const QJsonObject &o, Key key)
{
    return o.value(key).toObject();
}

/// An optional text: the server leaves the key out rather than send "".
void insertText(QJsonObject &o, Key key, const QString &text)
{
    if (!text.isEmpty())
        o.insert(key, text);
}

/// What Redis could not tell (-1 here) is null on the wire.
QJsonValue nullable(qint64 value)
{
    return value < 0 ? QJsonValue(QJsonValue::Null) : QJsonValue(value);
}

QHash<QString, QueueDepth> depthsFromJson(const QJsonValue &v)
{
    QHash<QString, QueueDepth> out;
    const QJsonObject byName = v.toObject();
    for (auto it = byName.constBegin(); it != byName.constEnd(); ++it)
        out.insert(it.key(), QueueDepth::fromJson(it.value().toObject()));
    return out;
}

QJsonObject depthsToJson(const QHash<QString, QueueDepth> &depths)
{
    QJsonObject out;
    for (auto it = depths.cbegin(); it != depths.cend(); ++it)
        out.insert(it.key(), it.value().toJson());
    return out;
}

} // namespace

QJsonObject ApiError::toJson() const
{
    return {{keys::code, code}, {keys::message, message}, {keys::traceId, traceId}};
}

// ---- Session ----

QJsonObject LoginResult::toJson() const
{
    QJsonObject o {{keys::token, token},
                   {keys::role, role},
                   {keys::username, username},
                   {keys::expiresIn, expiresIn}};
    insertText(o, keys::traceUrlTemplate, traceUrlTemplate);
    return o;
}

LoginResult LoginResult::fromJson(const QJsonObject &o)
{
    return {str(o, keys::token), str(o, keys::username), str(o, keys::role),
            int32(o, keys::expiresIn), str(o, keys::traceUrlTemplate)};
}

QJsonObject StaffIdentity::toJson() const
{
    return {{keys::username, username}, {keys::role, role}};
}

StaffIdentity StaffIdentity::fromJson(const QJsonObject &o)
{
    return {str(o, keys::username), str(o, keys::role)};
}

// ---- Orders ----

QJsonObject AdminOrder::toJson() const
{
    QJsonObject o {{keys::orderId, orderId},
                   {keys::appId, appId},
                   {keys::outTradeNo, outTradeNo},
                   {keys::amount, amount},
                   {keys::subject, subject},
                   {keys::status, status},
                   {keys::expiresAt, expiresAt},
                   {keys::createdAt, createdAt},
                   {keys::updatedAt, updatedAt},
                   {keys::openId, openId},
                   {keys::notifyUrl, notifyUrl},
                   {keys::version, version},
                   {keys::refundedAmount, refundedAmount}};
    insertText(o, keys::channel, channel);
    insertText(o, keys::channelTradeNo, channelTradeNo);
    insertText(o, keys::studentId, studentId);
    insertText(o, keys::paidAt, paidAt);
    insertText(o, keys::closedAt, closedAt);
    if (needsRefund)
        o.insert(keys::needsRefund, true);
    return o;
}

AdminOrder AdminOrder::fromJson(const QJsonObject &o)
{
    AdminOrder r;
    r.orderId = str(o, keys::orderId);
    r.appId = str(o, keys::appId);
    r.outTradeNo = str(o, keys::outTradeNo);
    r.amount = integer(o, keys::amount);
    r.refundedAmount = integer(o, keys::refundedAmount);
    r.subject = str(o, keys::subject);
    r.status = str(o, keys::status);
    r.channel = str(o, keys::channel);
    r.channelTradeNo = str(o, keys::channelTradeNo);
    r.openId = str(o, keys::openId);
    r.studentId = str(o, keys::studentId);
    r.createdAt = str(o, keys::createdAt);
    r.updatedAt = str(o, keys::updatedAt);
    r.paidAt = str(o, keys::paidAt);
    r.expiresAt = str(o, keys::expiresAt);
    r.needsRefund = o.value(keys::needsRefund).toBool();
    r.closedAt = str(o, keys::closedAt);
    r.notifyUrl = str(o, keys::notifyUrl);
    r.version = int32(o, keys::version);
    return r;
}

QJsonObject OrderEvent::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::status, status},
                   {keys::at, at},
                   {keys::traceId, traceId},
                   {keys::payload, payload}};
    insertText(o, keys::spanId, spanId);
    insertText(o, keys::prevStatus, prevStatus);
    insertText(o, keys::publishedAt, publishedAt);
    return o;
}

OrderEvent OrderEvent::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id),       str(o, keys::status),     str(o, keys::prevStatus),
            str(o, keys::at),       str(o, keys::traceId),    str(o, keys::spanId),
            o.value(keys::payload), str(o, keys::publishedAt)};
}

QJsonObject Refund::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::outRefundNo, outRefundNo},
                   {keys::amount, amount},
                   {keys::reason, reason},
                   {keys::status, status},
                   {keys::channel, channel},
                   {keys::channelRefundNo, channelRefundNo},
                   {keys::initiator, initiator},
                   {keys::createdAt, createdAt}};
    insertText(o, keys::finishedAt, finishedAt);
    return o;
}

Refund Refund::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id),         str(o, keys::outRefundNo),
            integer(o, keys::amount), str(o, keys::reason),
            str(o, keys::status),     str(o, keys::initiator),
            str(o, keys::createdAt),  str(o, keys::finishedAt),
            str(o, keys::channel),    str(o, keys::channelRefundNo)};
}

QJsonObject ChannelCallback::toJson() const
{
    return {{keys::id, id},
            {keys::channel, channel},
            {keys::notifyId, notifyId},
            {keys::eventType, eventType},
            {keys::outcome, outcome},
            {keys::receivedAt, receivedAt},
            {keys::payload, payload}};
}

ChannelCallback ChannelCallback::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id),      str(o, keys::channel),    str(o, keys::eventType),
            str(o, keys::outcome), str(o, keys::receivedAt), str(o, keys::notifyId),
            o.value(keys::payload)};
}

QJsonObject NotificationAttempt::toJson() const
{
    QJsonObject o {{keys::attempt, attempt},
                   {keys::at, at},
                   {keys::durationMs, durationMs},
                   {keys::error, error},
                   {keys::responseExcerpt, responseExcerpt}};
    if (httpStatus)
        o.insert(keys::httpStatus, httpStatus);
    return o;
}

NotificationAttempt NotificationAttempt::fromJson(const QJsonObject &o)
{
    return {int32(o, keys::attempt),    str(o, keys::at),    int32(o, keys::httpStatus),
            int32(o, keys::durationMs), str(o, keys::error), str(o, keys::responseExcerpt)};
}

QJsonObject Notification::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::orderId, orderId},
                   {keys::appId, appId},
                   {keys::eventId, eventId},
                   {keys::orderStatus, orderStatus},
                   {keys::url, url},
                   {keys::state, state},
                   {keys::attempts, attempts},
                   {keys::lastError, lastError},
                   {keys::createdAt, createdAt},
                   {keys::updatedAt, updatedAt},
                   {keys::history, detail::toJsonArray(history)}};
    insertText(o, keys::nextAttemptAt, nextAttemptAt);
    if (lastHttpStatus)
        o.insert(keys::lastHttpStatus, lastHttpStatus);
    insertText(o, keys::deliveredAt, deliveredAt);
    return o;
}

Notification Notification::fromJson(const QJsonObject &o)
{
    Notification n;
    n.id = str(o, keys::id);
    n.orderId = str(o, keys::orderId);
    n.appId = str(o, keys::appId);
    n.orderStatus = str(o, keys::orderStatus);
    n.url = str(o, keys::url);
    n.state = str(o, keys::state);
    n.attempts = int32(o, keys::attempts);
    n.lastError = str(o, keys::lastError);
    n.lastHttpStatus = int32(o, keys::lastHttpStatus);
    n.createdAt = str(o, keys::createdAt);
    n.updatedAt = str(o, keys::updatedAt);
    n.nextAttemptAt = str(o, keys::nextAttemptAt);
    n.history = detail::listFromJson<NotificationAttempt>(o.value(keys::history));
    n.eventId = str(o, keys::eventId);
    n.deliveredAt = str(o, keys::deliveredAt);
    return n;
}

QJsonObject NotificationList::toJson() const
{
    QJsonObject o = page.toJson();
    o.insert(keys::counts, countsToJson(counts));
    return o;
}

NotificationList NotificationList::fromJson(const QJsonObject &o)
{
    return {Page<Notification>::fromJson(o), countsFromJson(o.value(keys::counts))};
}

QJsonObject Booking::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::status, status},
                   {keys::venueId, venueId},
                   {keys::userId, userId},
                   {keys::date, date},
                   {keys::startTime, startTime},
                   {keys::endTime, endTime},
                   {keys::amount, amount},
                   {keys::createdAt, createdAt},
                   {keys::updatedAt, updatedAt}};
    insertText(o, keys::payOrderId, payOrderId);
    return o;
}

Booking Booking::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id),         str(o, keys::status),     integer(o, keys::venueId),
            str(o, keys::date),       str(o, keys::startTime),  str(o, keys::endTime),
            integer(o, keys::amount), str(o, keys::payOrderId), str(o, keys::userId),
            str(o, keys::createdAt),  str(o, keys::updatedAt)};
}

QJsonObject OrderDetail::toJson() const
{
    QJsonObject o {{keys::order, order.toJson()},
                   {keys::events, detail::toJsonArray(events)},
                   {keys::traceId, traceId},
                   {keys::refunds, detail::toJsonArray(refunds)},
                   {keys::callbacks, detail::toJsonArray(callbacks)},
                   {keys::notifications, detail::toJsonArray(notifications)}};
    if (booking)
        o.insert(keys::booking, booking->toJson());
    return o;
}

OrderDetail OrderDetail::fromJson(const QJsonObject &o)
{
    OrderDetail d;
    d.order = AdminOrder::fromJson(object(o, keys::order));
    d.events = detail::listFromJson<OrderEvent>(o.value(keys::events));
    d.traceId = str(o, keys::traceId);
    d.refunds = detail::listFromJson<Refund>(o.value(keys::refunds));
    d.callbacks = detail::listFromJson<ChannelCallback>(o.value(keys::callbacks));
    d.notifications = detail::listFromJson<Notification>(o.value(keys::notifications));
    if (o.value(keys::booking).isObject())
        d.booking = Booking::fromJson(object(o, keys::booking));
    return d;
}

QJsonObject ChannelTradeState::toJson() const
{
    QJsonObject o {{keys::state, state}, {keys::tradeNo, tradeNo}, {keys::amount, amount}};
    insertText(o, keys::paidAt, paidAt);
    return o;
}

ChannelTradeState ChannelTradeState::fromJson(const QJsonObject &o)
{
    return {str(o, keys::state), str(o, keys::tradeNo), integer(o, keys::amount),
            str(o, keys::paidAt)};
}

QJsonObject VerifyOrderResult::toJson() const
{
    return {{keys::order, order.toJson()}, {keys::channel, channel.toJson()}};
}

VerifyOrderResult VerifyOrderResult::fromJson(const QJsonObject &o)
{
    return {AdminOrder::fromJson(object(o, keys::order)),
            ChannelTradeState::fromJson(object(o, keys::channel))};
}

QJsonObject RefundOrderResult::toJson() const
{
    return {{keys::refund, refund.toJson()}, {keys::order, order.toJson()}};
}

RefundOrderResult RefundOrderResult::fromJson(const QJsonObject &o)
{
    return {Refund::fromJson(object(o, keys::refund)),
            AdminOrder::fromJson(object(o, keys::order))};
}

QJsonObject RenotifyResult::toJson() const
{
    return {{keys::resent, resent},
            {keys::notificationIds, QJsonArray::fromStringList(notificationIds)}};
}

RenotifyResult RenotifyResult::fromJson(const QJsonObject &o)
{
    RenotifyResult r;
    r.resent = int32(o, keys::resent);
    const QJsonArray ids = o.value(keys::notificationIds).toArray();
    for (const QJsonValue &id : ids)
        r.notificationIds.append(id.toString());
    return r;
}

// ---- Venue board ----

QJsonObject BoardSlot::toJson() const
{
    QJsonObject o {{keys::startTime, startTime}, {keys::endTime, endTime}, {keys::state, state}};
    insertText(o, keys::bookingId, bookingId);
    insertText(o, keys::bookingStatus, bookingStatus);
    if (userId.isEmpty())
        return o;
    QJsonObject u {{keys::id, userId}};
    if (!openId.isEmpty()) {
        u.insert(keys::openId, openId);
        u.insert(keys::name, userName);
        u.insert(keys::studentId, studentId);
    }
    o.insert(keys::user, u);
    return o;
}

BoardSlot BoardSlot::fromJson(const QJsonObject &o)
{
    const QJsonObject u = object(o, keys::user);
    return {str(o, keys::startTime), str(o, keys::endTime),       str(o, keys::state),
            str(o, keys::bookingId), str(o, keys::bookingStatus), str(u, keys::name),
            str(u, keys::studentId), str(u, keys::openId),        str(u, keys::id)};
}

QJsonObject BoardVenue::toJson() const
{
    return {{keys::id, id},
            {keys::name, name},
            {keys::sport, sport},
            {keys::timeSlots, detail::toJsonArray(timeSlots)}};
}

BoardVenue BoardVenue::fromJson(const QJsonObject &o)
{
    return {integer(o, keys::id), str(o, keys::name), str(o, keys::sport),
            detail::listFromJson<BoardSlot>(o.value(keys::timeSlots))};
}

QJsonObject VenueBoard::toJson() const
{
    return {{keys::date, date}, {keys::venues, detail::toJsonArray(venues)}};
}

VenueBoard VenueBoard::fromJson(const QJsonObject &o)
{
    return {str(o, keys::date), detail::listFromJson<BoardVenue>(o.value(keys::venues))};
}

// ---- Stream, queues, locks ----

QJsonObject StreamEntry::toJson() const
{
    return {{keys::id, id}, {keys::fields, fields}};
}

StreamEntry StreamEntry::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id), object(o, keys::fields)};
}

QJsonObject StreamConsumer::toJson() const
{
    return {{keys::name, name}, {keys::pending, pending}, {keys::idleMs, idleMs}};
}

StreamConsumer StreamConsumer::fromJson(const QJsonObject &o)
{
    return {str(o, keys::name), integer(o, keys::pending), integer(o, keys::idleMs)};
}

QJsonObject ConsumerGroup::toJson() const
{
    return {{keys::name, name},
            {keys::consumers, consumers},
            {keys::pending, pending},
            {keys::lastDeliveredId, lastDeliveredId},
            {keys::entriesRead, nullable(entriesRead)},
            {keys::lag, nullable(lag)},
            {keys::consumerList, detail::toJsonArray(consumerList)}};
}

ConsumerGroup ConsumerGroup::fromJson(const QJsonObject &o)
{
    return {str(o, keys::name),
            integer(o, keys::consumers),
            integer(o, keys::pending),
            integer(o, keys::lag, -1),
            str(o, keys::lastDeliveredId),
            integer(o, keys::entriesRead, -1),
            detail::listFromJson<StreamConsumer>(o.value(keys::consumerList))};
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

QJsonObject StreamInfo::toJson() const
{
    QJsonObject o {{keys::stream, stream},
                   {keys::length, length},
                   {keys::groups, detail::toJsonArray(groups)},
                   {keys::entries, detail::toJsonArray(entries)},
                   {keys::deadLetter,
                    QJsonObject {{keys::stream, deadLetterStream},
                                 {keys::length, deadLetterLength},
                                 {keys::entries, detail::toJsonArray(deadLetters)}}}};
    insertText(o, keys::lastGeneratedId, lastGeneratedId);
    return o;
}

StreamInfo StreamInfo::fromJson(const QJsonObject &o)
{
    StreamInfo s;
    s.stream = str(o, keys::stream);
    s.length = integer(o, keys::length);
    s.lastGeneratedId = str(o, keys::lastGeneratedId);
    s.groups = detail::listFromJson<ConsumerGroup>(o.value(keys::groups));
    s.entries = detail::listFromJson<StreamEntry>(o.value(keys::entries));
    const QJsonObject dead = object(o, keys::deadLetter);
    s.deadLetterStream = str(dead, keys::stream);
    s.deadLetterLength = integer(dead, keys::length);
    s.deadLetters = detail::listFromJson<StreamEntry>(dead.value(keys::entries));
    return s;
}

QJsonObject DelayedItem::toJson() const
{
    return {{keys::member, member},
            {keys::payload, payload},
            {keys::state, state},
            {state == itemStates::scheduled ? keys::dueAt : keys::visibleAgainAt, dueAt},
            {keys::attempts, attempts}};
}

DelayedItem DelayedItem::fromJson(const QJsonObject &o)
{
    const Key due = o.contains(keys::dueAt) ? keys::dueAt : keys::visibleAgainAt;
    return {{},          str(o, keys::member),    str(o, keys::payload), str(o, keys::state),
            str(o, due), int32(o, keys::attempts)};
}

QJsonObject QueueDepth::toJson() const
{
    return {{keys::scheduled, scheduled}, {keys::processing, processing}};
}

QueueDepth QueueDepth::fromJson(const QJsonObject &o)
{
    return {integer(o, keys::scheduled), integer(o, keys::processing)};
}

QJsonObject DelayedQueueInfo::toJson() const
{
    return {{keys::name, name},
            {keys::key, key},
            {keys::scheduled, scheduled},
            {keys::processing, processing},
            {keys::items, detail::toJsonArray(items)}};
}

DelayedQueueInfo DelayedQueueInfo::fromJson(const QJsonObject &o)
{
    DelayedQueueInfo info {str(o, keys::name), str(o, keys::key), integer(o, keys::scheduled),
                           integer(o, keys::processing),
                           detail::listFromJson<DelayedItem>(o.value(keys::items))};
    for (DelayedItem &item : info.items)
        item.queue = info.name;
    return info;
}

QJsonObject LockOwner::toJson() const
{
    return {{keys::owner, owner}, {keys::holds, holds}};
}

LockOwner LockOwner::fromJson(const QJsonObject &o)
{
    return {str(o, keys::owner), integer(o, keys::holds)};
}

QStringList LockEntry::ownerNames() const
{
    QStringList names;
    for (const LockOwner &o : owners)
        names.append(o.owner);
    return names;
}

QJsonObject LockEntry::toJson() const
{
    return {{keys::key, key}, {keys::owners, detail::toJsonArray(owners)}, {keys::ttlMs, ttlMs}};
}

LockEntry LockEntry::fromJson(const QJsonObject &o)
{
    return {str(o, keys::key), detail::listFromJson<LockOwner>(o.value(keys::owners)),
            integer(o, keys::ttlMs)};
}

QJsonObject queuesToJson(const QList<DelayedQueueInfo> &queues)
{
    return {{keys::queues, detail::toJsonArray(queues)}};
}

QList<DelayedQueueInfo> queuesFromJson(const QJsonObject &o)
{
    return detail::listFromJson<DelayedQueueInfo>(o.value(keys::queues));
}

QJsonObject locksToJson(const QList<LockEntry> &locks)
{
    return {{keys::locks, detail::toJsonArray(locks)}};
}

QList<LockEntry> locksFromJson(const QJsonObject &o)
{
    return detail::listFromJson<LockEntry>(o.value(keys::locks));
}

// ---- Audit, payment exceptions, dashboard ----

QJsonObject AuditEntry::toJson() const
{
    return {{keys::id, id},
            {keys::at, at},
            {keys::actor, actor},
            {keys::action, action},
            {keys::target, target},
            {keys::reason, reason},
            {keys::remoteAddress, remoteAddress},
            {keys::details, details}};
}

AuditEntry AuditEntry::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id),
            str(o, keys::at),
            str(o, keys::actor),
            str(o, keys::action),
            str(o, keys::target),
            str(o, keys::reason),
            str(o, keys::remoteAddress),
            object(o, keys::details)};
}

bool PaymentExceptionItem::isResolvable() const
{
    return state == QLatin1String("REFUNDED") || state == QLatin1String("REFUND_FAILED");
}

QJsonObject PaymentExceptionItem::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::channel, channel},
                   {keys::channelTradeNo, channelTradeNo},
                   {keys::outTradeNo, outTradeNo},
                   {keys::paidAmount, paidAmount},
                   {keys::currency, currency},
                   {keys::reason, reason},
                   {keys::detail, detail},
                   {keys::state, state},
                   {keys::refundAttempts, refundAttempts},
                   {keys::createdAt, createdAt},
                   {keys::updatedAt, updatedAt}};
    insertText(o, keys::orderId, orderId);
    if (orderAmount)
        o.insert(keys::orderAmount, *orderAmount);
    insertText(o, keys::nextRefundAt, nextRefundAt);
    insertText(o, keys::channelRefundNo, channelRefundNo);
    insertText(o, keys::lastError, lastError);
    insertText(o, keys::resolvedBy, resolvedBy);
    insertText(o, keys::resolution, resolution);
    insertText(o, keys::refundedAt, refundedAt);
    insertText(o, keys::resolvedAt, resolvedAt);
    return o;
}

PaymentExceptionItem PaymentExceptionItem::fromJson(const QJsonObject &o)
{
    PaymentExceptionItem e;
    e.id = str(o, keys::id);
    e.channel = str(o, keys::channel);
    e.channelTradeNo = str(o, keys::channelTradeNo);
    e.outTradeNo = str(o, keys::outTradeNo);
    e.orderId = str(o, keys::orderId);
    e.paidAmount = integer(o, keys::paidAmount);
    if (o.value(keys::orderAmount).isDouble())
        e.orderAmount = integer(o, keys::orderAmount);
    e.currency = str(o, keys::currency);
    e.reason = str(o, keys::reason);
    e.detail = str(o, keys::detail);
    e.state = str(o, keys::state);
    e.refundAttempts = int32(o, keys::refundAttempts);
    e.nextRefundAt = str(o, keys::nextRefundAt);
    e.channelRefundNo = str(o, keys::channelRefundNo);
    e.lastError = str(o, keys::lastError);
    e.resolvedBy = str(o, keys::resolvedBy);
    e.resolution = str(o, keys::resolution);
    e.createdAt = str(o, keys::createdAt);
    e.updatedAt = str(o, keys::updatedAt);
    e.refundedAt = str(o, keys::refundedAt);
    e.resolvedAt = str(o, keys::resolvedAt);
    return e;
}

// ---- Utility top-ups ----

bool Topup::canRedeliver() const
{
    return status == QLatin1String("PAID") || status == QLatin1String("DELIVERY_FAILED");
}

bool Topup::canRefund() const
{
    return canRedeliver();
}

QJsonObject Topup::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::status, status},
                   {keys::roomId, roomId},
                   {keys::building, building},
                   {keys::room, room},
                   {keys::utility, utility},
                   {keys::amount, amount},
                   {keys::expiresAt, expiresAt},
                   {keys::createdAt, createdAt},
                   {keys::updatedAt, updatedAt},
                   {keys::userId, userId},
                   {keys::attempts, attempts}};
    insertText(o, keys::payOrderId, payOrderId);
    insertText(o, keys::channel, channel);
    if (balanceAfter)
        o.insert(keys::balanceAfter, *balanceAfter);
    insertText(o, keys::failureReason, failureReason);
    insertText(o, keys::paidAt, paidAt);
    insertText(o, keys::deliveredAt, deliveredAt);
    insertText(o, keys::lastError, lastError);
    insertText(o, keys::nextAttemptAt, nextAttemptAt);
    insertText(o, keys::deliveryStartedAt, deliveryStartedAt);
    return o;
}

Topup Topup::fromJson(const QJsonObject &o)
{
    Topup t;
    t.id = str(o, keys::id);
    t.status = str(o, keys::status);
    t.roomId = str(o, keys::roomId);
    t.building = str(o, keys::building);
    t.room = str(o, keys::room);
    t.utility = str(o, keys::utility);
    t.amount = integer(o, keys::amount);
    t.expiresAt = str(o, keys::expiresAt);
    t.createdAt = str(o, keys::createdAt);
    t.updatedAt = str(o, keys::updatedAt);
    t.payOrderId = str(o, keys::payOrderId);
    t.channel = str(o, keys::channel);
    if (o.value(keys::balanceAfter).isDouble())
        t.balanceAfter = integer(o, keys::balanceAfter);
    t.failureReason = str(o, keys::failureReason);
    t.paidAt = str(o, keys::paidAt);
    t.deliveredAt = str(o, keys::deliveredAt);
    t.userId = str(o, keys::userId);
    t.attempts = int32(o, keys::attempts);
    t.lastError = str(o, keys::lastError);
    t.nextAttemptAt = str(o, keys::nextAttemptAt);
    t.deliveryStartedAt = str(o, keys::deliveryStartedAt);
    return t;
}

QJsonObject TopupEvent::toJson() const
{
    QJsonObject o {{keys::at, at}, {keys::kind, kind}, {keys::actor, actor}};
    insertText(o, keys::from, from);
    insertText(o, keys::to, to);
    insertText(o, keys::detail, detail);
    return o;
}

TopupEvent TopupEvent::fromJson(const QJsonObject &o)
{
    return {str(o, keys::at),   str(o, keys::kind), str(o, keys::actor),
            str(o, keys::from), str(o, keys::to),   str(o, keys::detail)};
}

QJsonObject TopupStudent::toJson() const
{
    QJsonObject o {{keys::userId, userId},
                   {keys::openId, openId},
                   {keys::studentId, studentId},
                   {keys::name, name},
                   {keys::phone, phone}};
    insertText(o, keys::boundAt, boundAt);
    return o;
}

TopupStudent TopupStudent::fromJson(const QJsonObject &o)
{
    return {str(o, keys::userId), str(o, keys::openId), str(o, keys::studentId),
            str(o, keys::name),   str(o, keys::phone),  str(o, keys::boundAt)};
}

QJsonObject TopupDetail::toJson() const
{
    QJsonObject o = topup.toJson();
    o.insert(keys::student, student ? student->toJson() : QJsonObject());
    o.insert(keys::events, detail::toJsonArray(events));
    return o;
}

TopupDetail TopupDetail::fromJson(const QJsonObject &o)
{
    TopupDetail d;
    d.topup = Topup::fromJson(o);
    const QJsonObject student = object(o, keys::student);
    if (!student.isEmpty())
        d.student = TopupStudent::fromJson(student);
    d.events = detail::listFromJson<TopupEvent>(o.value(keys::events));
    return d;
}

QJsonObject RoomDetail::toJson() const
{
    QJsonObject o {{keys::roomId, roomId},
                   {keys::students, detail::toJsonArray(students)},
                   {keys::topups, detail::toJsonArray(topups)}};
    insertText(o, keys::building, building);
    insertText(o, keys::room, room);
    if (electricity)
        o.insert(keys::electricity, *electricity);
    if (water)
        o.insert(keys::water, *water);
    if (powerOn)
        o.insert(keys::powerOn, *powerOn);
    insertText(o, keys::balanceError, balanceError);
    return o;
}

RoomDetail RoomDetail::fromJson(const QJsonObject &o)
{
    RoomDetail r;
    r.roomId = str(o, keys::roomId);
    r.building = str(o, keys::building);
    r.room = str(o, keys::room);
    if (o.value(keys::electricity).isDouble())
        r.electricity = integer(o, keys::electricity);
    if (o.value(keys::water).isDouble())
        r.water = integer(o, keys::water);
    if (o.value(keys::powerOn).isBool())
        r.powerOn = o.value(keys::powerOn).toBool();
    r.balanceError = str(o, keys::balanceError);
    r.students = detail::listFromJson<TopupStudent>(o.value(keys::students));
    r.topups = detail::listFromJson<Topup>(o.value(keys::topups));
    return r;
}

QJsonObject DashboardSummary::toJson() const
{
    QJsonObject o {{keys::date, date},
                   {keys::from, from},
                   {keys::orders, countsToJson(orders)},
                   {keys::ordersTotal, ordersTotal},
                   {keys::paidAmount, paidAmount},
                   {keys::refundedAmount, refundedAmount},
                   {keys::netAmount, netAmount}};
    if (!hasInfrastructure)
        return o;
    o.insert(keys::stream,
             QJsonObject {{keys::stream, streamName},
                          {keys::length, streamLength},
                          {keys::lag, nullable(streamLag)},
                          {keys::pending, streamPending},
                          {keys::deadLetterLength, deadLetterLength}});
    o.insert(keys::queues, depthsToJson(queues));
    o.insert(keys::notifications, countsToJson(notifications));
    o.insert(keys::paymentExceptions, countsToJson(paymentExceptions));
    return o;
}

DashboardSummary DashboardSummary::fromJson(const QJsonObject &o)
{
    DashboardSummary d;
    d.date = str(o, keys::date);
    d.from = str(o, keys::from);
    d.orders = countsFromJson(o.value(keys::orders));
    d.ordersTotal = integer(o, keys::ordersTotal);
    d.paidAmount = integer(o, keys::paidAmount);
    d.refundedAmount = integer(o, keys::refundedAmount);
    d.netAmount = integer(o, keys::netAmount);
    if (!o.contains(keys::stream))
        return d;
    d.hasInfrastructure = true;
    const QJsonObject stream = object(o, keys::stream);
    d.streamName = str(stream, keys::stream);
    d.streamLength = integer(stream, keys::length);
    d.streamLag = integer(stream, keys::lag, -1);
    d.streamPending = integer(stream, keys::pending);
    d.deadLetterLength = integer(stream, keys::deadLetterLength);
    d.queues = depthsFromJson(o.value(keys::queues));
    for (const QueueDepth &q : std::as_const(d.queues)) {
        d.queuedScheduled += q.scheduled;
        d.queuedProcessing += q.processing;
    }
    d.notifications = countsFromJson(o.value(keys::notifications));
    d.notificationsPending = d.notifications.value(keys::notificationPending);
    d.notificationsFailed = d.notifications.value(keys::notificationFailed);
    d.paymentExceptions = countsFromJson(o.value(keys::paymentExceptions));
    return d;
}

// ---- Live feed ----

QJsonObject LiveOrderEvent::toJson() const
{
    QJsonObject o {{keys::type, messageTypes::orderEvent},
                   {keys::streamId, streamId},
                   {keys::eventId, eventId},
                   {keys::orderId, orderId},
                   {keys::appId, appId},
                   {keys::outTradeNo, outTradeNo},
                   {keys::status, status},
                   {keys::amount, amount},
                   {keys::at, at},
                   {keys::traceId, traceId}};
    insertText(o, keys::prevStatus, prevStatus);
    insertText(o, keys::openId, openId);
    return o;
}

LiveOrderEvent LiveOrderEvent::fromJson(const QJsonObject &o)
{
    LiveOrderEvent e;
    e.streamId = str(o, keys::streamId);
    e.eventId = str(o, keys::eventId);
    e.orderId = str(o, keys::orderId);
    e.appId = str(o, keys::appId);
    e.outTradeNo = str(o, keys::outTradeNo);
    e.status = str(o, keys::status);
    e.prevStatus = str(o, keys::prevStatus);
    e.amount = integer(o, keys::amount);
    e.at = str(o, keys::at);
    e.traceId = str(o, keys::traceId);
    e.openId = str(o, keys::openId);
    return e;
}

QJsonObject LiveStats::toJson() const
{
    return {{keys::type, messageTypes::stats},
            {keys::queues, depthsToJson(queues)},
            {keys::notifications, countsToJson(notifications)},
            {keys::paymentExceptions, countsToJson(paymentExceptions)}};
}

LiveStats LiveStats::fromJson(const QJsonObject &o)
{
    LiveStats s;
    s.queues = depthsFromJson(o.value(keys::queues));
    s.notifications = countsFromJson(o.value(keys::notifications));
    s.paymentExceptions = countsFromJson(o.value(keys::paymentExceptions));
    s.orderTimeoutScheduled = s.queues.value(keys::orderTimeoutQueue).scheduled;
    s.bookingExpiryScheduled = s.queues.value(keys::bookingExpiryQueue).scheduled;
    s.notificationsPending = s.notifications.value(keys::notificationPending);
    s.notificationsFailed = s.notifications.value(keys::notificationFailed);
    return s;
}

QJsonObject LivePaymentException::toJson() const
{
    QJsonObject o {{keys::type, messageTypes::paymentException},
                   {keys::id, id},
                   {keys::reason, reason},
                   {keys::channel, channel},
                   {keys::paidAmount, paidAmount}};
    insertText(o, keys::orderId, orderId);
    return o;
}

LivePaymentException LivePaymentException::fromJson(const QJsonObject &o)
{
    return {str(o, keys::id), str(o, keys::reason), str(o, keys::channel),
            integer(o, keys::paidAmount), str(o, keys::orderId)};
}

// ---- Venues and closures ----

namespace {

QJsonArray daysToJson(const QList<int> &days)
{
    QJsonArray out;
    for (const int d : days)
        out.append(d);
    return out;
}

QList<int> daysFromJson(const QJsonValue &v)
{
    QList<int> out;
    const QJsonArray items = v.toArray();
    for (const QJsonValue &d : items)
        out.append(d.toInt());
    return out;
}

} // namespace

QJsonObject AdminVenue::toJson() const
{
    QJsonObject o {{keys::id, id},
                   {keys::name, name},
                   {keys::sport, sport},
                   {keys::openFrom, openFrom},
                   {keys::openTo, openTo},
                   {keys::slotMinutes, slotMinutes},
                   {keys::pricePerSlot, pricePerSlot},
                   {keys::active, active}};
    insertText(o, keys::createdAt, createdAt);
    return o;
}

AdminVenue AdminVenue::fromJson(const QJsonObject &o)
{
    return {integer(o, keys::id),
            str(o, keys::name),
            str(o, keys::sport),
            str(o, keys::openFrom),
            str(o, keys::openTo),
            int32(o, keys::slotMinutes),
            integer(o, keys::pricePerSlot),
            o.value(keys::active).toBool(true),
            str(o, keys::createdAt)};
}

QJsonObject VenueInput::toJson() const
{
    QJsonObject o {{keys::name, name},
                   {keys::sport, sport},
                   {keys::openFrom, openFrom},
                   {keys::openTo, openTo},
                   {keys::slotMinutes, slotMinutes},
                   {keys::pricePerSlot, pricePerSlot}};
    if (active)
        o.insert(keys::active, *active);
    insertText(o, keys::reason, reason);
    return o;
}

VenueInput VenueInput::fromJson(const QJsonObject &o)
{
    VenueInput in {
        str(o, keys::name),   str(o, keys::sport),         str(o, keys::openFrom),
        str(o, keys::openTo), int32(o, keys::slotMinutes), integer(o, keys::pricePerSlot),
        std::nullopt,         str(o, keys::reason)};
    if (o.value(keys::active).isBool())
        in.active = o.value(keys::active).toBool();
    return in;
}

QJsonObject ClosureInput::toJson() const
{
    QJsonObject o {{keys::from, from}, {keys::to, to}, {keys::reason, reason}};
    if (!days.isEmpty())
        o.insert(keys::days, daysToJson(days));
    insertText(o, keys::dailyFrom, dailyFrom);
    insertText(o, keys::dailyTo, dailyTo);
    return o;
}

ClosureInput ClosureInput::fromJson(const QJsonObject &o)
{
    return {str(o, keys::from),      str(o, keys::to),      daysFromJson(o.value(keys::days)),
            str(o, keys::dailyFrom), str(o, keys::dailyTo), str(o, keys::reason)};
}

QJsonObject VenueClosure::toJson() const
{
    QJsonObject o {{keys::id, id}, {keys::venueId, venueId}, {keys::from, from},
                   {keys::to, to}, {keys::reason, reason},   {keys::state, state}};
    if (!days.isEmpty())
        o.insert(keys::days, daysToJson(days));
    insertText(o, keys::dailyFrom, dailyFrom);
    insertText(o, keys::dailyTo, dailyTo);
    insertText(o, keys::createdBy, createdBy);
    insertText(o, keys::createdAt, createdAt);
    insertText(o, keys::confirmedBy, confirmedBy);
    insertText(o, keys::confirmedAt, confirmedAt);
    insertText(o, keys::confirmReason, confirmReason);
    return o;
}

VenueClosure VenueClosure::fromJson(const QJsonObject &o)
{
    return {integer(o, keys::id),
            integer(o, keys::venueId),
            str(o, keys::from),
            str(o, keys::to),
            daysFromJson(o.value(keys::days)),
            str(o, keys::dailyFrom),
            str(o, keys::dailyTo),
            str(o, keys::reason),
            str(o, keys::state),
            str(o, keys::createdBy),
            str(o, keys::createdAt),
            str(o, keys::confirmedBy),
            str(o, keys::confirmedAt),
            str(o, keys::confirmReason)};
}

QJsonObject AffectedBooking::toJson() const
{
    QJsonObject o {{keys::bookingId, bookingId}, {keys::userId, userId},   {keys::date, date},
                   {keys::startTime, startTime}, {keys::endTime, endTime}, {keys::status, status},
                   {keys::amount, amount}};
    insertText(o, keys::openId, openId);
    return o;
}

AffectedBooking AffectedBooking::fromJson(const QJsonObject &o)
{
    return {str(o, keys::bookingId), str(o, keys::userId),    str(o, keys::openId),
            str(o, keys::date),      str(o, keys::startTime), str(o, keys::endTime),
            str(o, keys::status),    integer(o, keys::amount)};
}

QJsonObject ClosureDetail::toJson() const
{
    return {{keys::id, closure.id},
            {keys::closure, closure.toJson()},
            {keys::affectedBookings, bookings.size()},
            {keys::bookings, detail::toJsonArray(bookings)}};
}

ClosureDetail ClosureDetail::fromJson(const QJsonObject &o)
{
    return {VenueClosure::fromJson(object(o, keys::closure)),
            detail::listFromJson<AffectedBooking>(o.value(keys::bookings))};
}

QJsonObject ClosureOutcome::toJson() const
{
    QJsonObject o {{keys::bookingId, bookingId}, {keys::outcome, outcome}};
    insertText(o, keys::status, status);
    if (code != 0)
        o.insert(keys::code, code);
    return o;
}

ClosureOutcome ClosureOutcome::fromJson(const QJsonObject &o)
{
    return {str(o, keys::bookingId), str(o, keys::outcome), str(o, keys::status),
            int32(o, keys::code)};
}

QJsonObject ClosureConfirmResult::toJson() const
{
    return {{keys::closure, closure.toJson()}, {keys::results, detail::toJsonArray(results)}};
}

ClosureConfirmResult ClosureConfirmResult::fromJson(const QJsonObject &o)
{
    return {VenueClosure::fromJson(object(o, keys::closure)),
            detail::listFromJson<ClosureOutcome>(o.value(keys::results))};
}

QJsonObject LiveVenueEvent::toJson() const
{
    QJsonObject o {{keys::type, messageTypes::venueEvent},
                   {keys::action, action},
                   {keys::venueId, venueId},
                   {keys::actor, actor},
                   {keys::at, at}};
    if (closureId != 0)
        o.insert(keys::closureId, closureId);
    return o;
}

LiveVenueEvent LiveVenueEvent::fromJson(const QJsonObject &o)
{
    return {str(o, keys::action), integer(o, keys::venueId), integer(o, keys::closureId),
            str(o, keys::actor), str(o, keys::at)};
}

// ---- Helpers ----

QJsonObject countsToJson(const QHash<QString, qint64> &counts)
{
    QJsonObject out;
    for (auto it = counts.cbegin(); it != counts.cend(); ++it)
        out.insert(it.key(), it.value());
    return out;
}

QHash<QString, qint64> countsFromJson(const QJsonValue &o)
{
    QHash<QString, qint64> out;
    const QJsonObject byName = o.toObject();
    for (auto it = byName.constBegin(); it != byName.constEnd(); ++it)
        out.insert(it.key(), it.value().toInteger());
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
    e.code = static_cast<int>(integer(o, keys::code));
    e.message = str(o, keys::message);
    e.traceId = str(o, keys::traceId);
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
