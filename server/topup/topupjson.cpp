#include "topupjson.h"

#include "domain/snowflake.h"
#include "http/httptypes.h"

namespace pomelo {

namespace {

void insertTime(QJsonObject &o, const char *key, const std::optional<qint64> &ms,
                const QTimeZone &zone)
{
    if (ms && *ms > 0)
        o.insert(QLatin1String(key), rfc3339(*ms, zone));
}

} // namespace

QJsonObject topupJson(const Topup &t, const QTimeZone &zone)
{
    QJsonObject o {
        {QStringLiteral("id"), snowflakeToString(t.id)},
        {QStringLiteral("status"), statusName(t.status)},
        {QStringLiteral("roomId"), t.roomId},
        {QStringLiteral("building"), t.building},
        {QStringLiteral("room"), t.room},
        {QStringLiteral("utility"), t.utility},
        {QStringLiteral("amount"), t.amount},
        {QStringLiteral("expiresAt"), rfc3339(t.expiresAt, zone)},
        {QStringLiteral("createdAt"), rfc3339(t.createdAt, zone)},
        {QStringLiteral("updatedAt"), rfc3339(t.updatedAt, zone)},
    };
    if (t.payOrderId)
        o.insert(QStringLiteral("payOrderId"), snowflakeToString(*t.payOrderId));
    if (!t.channel.isEmpty())
        o.insert(QStringLiteral("channel"), t.channel);
    if (t.balanceAfter)
        o.insert(QStringLiteral("balanceAfter"), *t.balanceAfter);
    if (!t.failureReason.isEmpty())
        o.insert(QStringLiteral("failureReason"), t.failureReason);
    insertTime(o, "paidAt", t.paidAt, zone);
    insertTime(o, "deliveredAt", t.deliveredAt, zone);
    return o;
}

QJsonObject topupAdminJson(const Topup &t, const QTimeZone &zone)
{
    QJsonObject o = topupJson(t, zone);
    o.insert(QStringLiteral("userId"), snowflakeToString(t.userId));
    o.insert(QStringLiteral("attempts"), t.attempts);
    if (!t.lastError.isEmpty())
        o.insert(QStringLiteral("lastError"), t.lastError);
    insertTime(o, "nextAttemptAt", t.nextAttemptAt, zone);
    insertTime(o, "deliveryStartedAt", t.deliveryStartedAt, zone);
    return o;
}

QJsonObject topupEventJson(const TopupEvent &e, const QTimeZone &zone)
{
    QJsonObject o {
        {QStringLiteral("at"), rfc3339(e.at, zone)},
        {QStringLiteral("kind"), e.kind},
        {QStringLiteral("actor"), e.actor},
    };
    if (!e.fromStatus.isEmpty())
        o.insert(QStringLiteral("from"), e.fromStatus);
    if (!e.toStatus.isEmpty())
        o.insert(QStringLiteral("to"), e.toStatus);
    if (!e.detail.isEmpty())
        o.insert(QStringLiteral("detail"), e.detail);
    return o;
}

} // namespace pomelo
