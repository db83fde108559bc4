#include "callbackrepository.h"

#include "sql_p.h"

namespace pomelo {

using storage_detail::Statement;

namespace {

const QString Select = QStringLiteral("SELECT id, channel, notify_id, order_id, event_type, "
                                      "payload, outcome, received_at FROM channel_callbacks ");

ChannelCallback callbackFrom(const Statement &st)
{
    ChannelCallback c;
    c.id = st.int64(0);
    c.channel = st.text(1);
    c.notifyId = st.text(2);
    c.orderId = st.optionalInt64(3);
    c.eventType = st.text(4);
    c.payload = st.text(5).toUtf8();
    c.outcome = st.text(6);
    c.receivedAt = st.int64(7);
    return c;
}

} // namespace

bool CallbackRepository::record(Transaction &tx, ChannelCallback &c)
{
    if (!c.receivedAt)
        c.receivedAt = nowMs();
    Statement st(tx,
                 QStringLiteral("INSERT INTO channel_callbacks (channel, notify_id, order_id, "
                                "event_type, payload, outcome, received_at) VALUES (?, ?, ?, "
                                "?, ?, ?, ?) ON CONFLICT (channel, notify_id) DO NOTHING "
                                "RETURNING id"));
    st.bind(c.channel)
        .bind(c.notifyId)
        .bindOptional(c.orderId)
        .bindNullable(c.eventType)
        .bind(QString::fromUtf8(c.payload))
        .bindNullable(c.outcome)
        .bind(c.receivedAt)
        .exec();
    if (!st.next())
        return false;
    c.id = st.int64(0);
    return true;
}

bool CallbackRepository::setOutcome(Transaction &tx, qint64 id, const QString &outcome)
{
    Statement st(tx, QStringLiteral("UPDATE channel_callbacks SET outcome = ? WHERE id = ?"));
    st.bind(outcome).bind(id).exec();
    return st.rowsAffected() == 1;
}

std::optional<ChannelCallback> CallbackRepository::find(const QString &channel,
                                                        const QString &notifyId) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE channel = ? AND notify_id = ?"));
    st.bind(channel).bind(notifyId).exec();
    if (!st.next())
        return std::nullopt;
    return callbackFrom(st);
}

QList<ChannelCallback> CallbackRepository::ofOrder(qint64 orderId) const
{
    Statement st(m_db.threadConnection(),
                 Select + QStringLiteral("WHERE order_id = ? ORDER BY id"));
    st.bind(orderId).exec();
    QList<ChannelCallback> rows;
    while (st.next())
        rows.append(callbackFrom(st));
    return rows;
}

} // namespace pomelo
